using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>
/// Pins the generated code of representative networks. When one of these fails, read the diff: a snapshot
/// changes only when the generated code was meant to change.
/// </summary>
public sealed class SnapshotTests
{
    [Fact]
    public void Mnist_784_128_64_10()
        => Verify("""
            using StaticNet;

            namespace Digits;

            [Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
            public partial class MnistNet { }
            """, "Digits.MnistNet", nameof(Mnist_784_128_64_10));

    [Fact]
    public void BatchNorm_and_dropout_with_named_layers()
        => Verify("""
            using StaticNet;

            namespace Models
            {
                [Dense(12, 24, Name = "layer1"), BatchNorm(24, Epsilon = 1e-3f, Name = "bn1"), ReLU, Dropout(0.25f),
                 Dense(24, 10, Bias = false, Name = "layer2"), BatchNorm(10, Name = "bn2"), Tanh,
                 Dense(10, 4, Name = "head"), Softmax]
                public partial class Classifier { }
            }
            """, "Models.Classifier", nameof(BatchNorm_and_dropout_with_named_layers));

    [Fact]
    public void Odd_sizes_with_leaky_relu_and_sigmoid()
        => Verify("""
            using StaticNet;

            [Dense(97, 257), LeakyReLU(0.2f), Dense(257, 31), LeakyReLU, Dense(31, 1), Sigmoid]
            public partial class OddNet { }
            """, "OddNet", nameof(Odd_sizes_with_leaky_relu_and_sigmoid));

    [Fact]
    public void Wide_layers_keep_small_blocks_on_the_stack_and_large_ones_in_native_memory()
        => Verify("""
            using StaticNet;

            [Dense(1024, 1024), ReLU, Dense(1024, 1024), ReLU, Dense(1024, 10), Softmax]
            public partial class WideNet { }
            """, "WideNet", nameof(Wide_layers_keep_small_blocks_on_the_stack_and_large_ones_in_native_memory));

    [Fact]
    public void Small_convolutional_network()
        => Verify("""
            using StaticNet;

            namespace Vision;

            [InputShape(1, 12, 10)]
            [Conv2d(1, 4, 3, Padding = 1), BatchNorm(4), ReLU, MaxPool2d(2), Conv2d(4, 6, 3, Stride = 2, Groups = 2, Bias = false), Tanh,
             AvgPool2d(2, Stride = 1), Flatten, Dense(6, 3), Softmax]
            public partial class TinyCnn { }
            """, "Vision.TinyCnn", nameof(Small_convolutional_network));

    [Fact]
    public void One_layer()
        => Verify("""
            using StaticNet;

            namespace Tiny;

            [Dense(3, 2)]
            internal partial class Linear { }
            """, "Tiny.Linear", nameof(One_layer));

    [Fact]
    public void In_place_layers_before_and_between_dense_layers()
        => Verify("""
            using StaticNet;

            namespace Models;

            [BatchNorm(8), Dense(8, 16), Sigmoid, BatchNorm(16), ReLU, Tanh, Dense(16, 7)]
            public partial record Normalised;
            """, "Models.Normalised", nameof(In_place_layers_before_and_between_dense_layers));

    [Fact]
    public void LayerNorm_and_smooth_activations()
        => Verify("""
            using StaticNet;

            namespace Models;

            [Dense(19, 40), LayerNorm(40), GELU, Dense(40, 33), SiLU, Dense(33, 17), ELU(0.7f),
             LayerNorm(17, Epsilon = 1e-3f, Name = "norm"), Dense(17, 24), Softplus(1.5f, 4f), Dense(24, 6), GELU(Approximate = "tanh")]
            public partial class Smooth;
            """, "Models.Smooth", nameof(LayerNorm_and_smooth_activations));

    [Fact]
    public void Weight_formats_for_the_network_and_per_layer()
        => Verify("""
            using StaticNet;

            namespace Models;

            [WeightFormat(WeightFormat.Int8)]
            [Dense(784, 128), BatchNorm(128), ReLU, Dense(128, 64, Format = WeightFormat.BFloat16), ReLU,
             Dense(64, 32, Format = WeightFormat.Float32), Tanh, Dense(32, 10), Softmax]
            public partial class Quantized;
            """, "Models.Quantized", nameof(Weight_formats_for_the_network_and_per_layer));

    private static void Verify(string source, string typeName, string testName)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        run.AssertCompilesCleanly();
        Snapshot.Verify(run.Source(typeName + ".g.cs"), "SnapshotTests." + testName);
    }
}
