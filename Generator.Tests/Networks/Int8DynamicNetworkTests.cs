using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet.Generator.Tests.Kernels;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>
/// Networks in <see cref="WeightFormat.Int8Dynamic"/>: against NumPy's implementation of the rule
/// (tools/make_format_fixtures.py), against an int8 file, the embedded conversion and a per-layer format, and across
/// batch sizes 1 to 70 and threads, allocating nothing.
/// </summary>
public sealed class Int8DynamicNetworkTests
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch");

    private delegate void ForwardFn(ReadOnlySpan<float> inputs, Span<float> outputs);

    [Theory]
    [InlineData("seq_mlp")]
    [InlineData("seq_bn")]
    [InlineData("named")]
    [InlineData("wide_odd")]
    [InlineData("seq_smooth")]
    public void Outputs_equal_numpy_with_inputs_quantised_per_row(string model)
    {
        float[] expected = PyTorchParityTests.ReadFloats(Path.Combine(Directory, $"{model}.int8dyn.expected.bin"));
        float[] actual = Run(model, File.ReadAllBytes(Path.Combine(Directory, $"{model}.f32.safetensors")));
        ReferenceNetwork.AssertClose(expected, actual, $"{model} (int8 dynamic) vs NumPy");

        // The inputs' quantisation matters: W8A32's outputs are farther from these than the tolerance.
        float[] int8 = PyTorchParityTests.ReadFloats(Path.Combine(Directory, $"{model}.int8.expected.bin"));
        Assert.Contains(expected.Zip(int8), pair => Math.Abs(pair.First - pair.Second) > 1e-4 * Math.Max(1, Math.Abs(pair.First)));
    }

    [Theory]
    [InlineData("seq_mlp")]
    [InlineData("named")]
    [InlineData("seq_smooth")]
    public void An_int8_file_loads_exactly_as_the_float_file_converted_at_load(string model)
    {
        float[] converted = Run(model, File.ReadAllBytes(Path.Combine(Directory, $"{model}.f32.safetensors")));
        float[] stored = Run(model, File.ReadAllBytes(Path.Combine(Directory, $"{model}.int8.safetensors")));
        KernelPaths.AssertBitIdentical(converted, stored, $"{model}: int8 file vs float32 file quantised at load");
    }

    [Fact]
    public void Embedded_weights_give_the_network_Load_builds()
    {
        byte[] seqMlp = File.ReadAllBytes(Path.Combine(Directory, "seq_mlp.f32.safetensors"));
        float[] x = PyTorchParityTests.ReadFloats(Path.Combine(Directory, "seq_mlp.inputs.bin"));
        KernelPaths.AssertBitIdentical(
            Forward(Int8DynamicSeqMlp.Load(seqMlp).Forward, x, 20, 5), Forward(Int8DynamicSeqMlpEmbedded.LoadEmbedded().Forward, x, 20, 5), "embedded seq_mlp");
    }

    [Fact]
    public void A_layer_takes_its_own_format()
    {
        // MixedDynamicSeqMlp: float32, int8 dynamic, float32, computed here layer by layer from the rules.
        byte[] file = File.ReadAllBytes(Path.Combine(Directory, "seq_mlp.f32.safetensors"));
        var reader = StaticNet.Weights.SafetensorsReader.Open(file);
        float[] x = PyTorchParityTests.ReadFloats(Path.Combine(Directory, "seq_mlp.inputs.bin"));
        int rows = x.Length / 20;
        float[] h1 = WeightFormatKernelTests.Reference(WeightFormat.Float32, reader.ReadTensor("0.weight", 64, 20), reader.ReadTensor("0.bias", 64), x, rows, 20, 64, v => Math.Max(v, 0f));
        float[] h2 = Int8DynamicKernelTests.Reference(reader.ReadTensor("2.weight", 32, 64), reader.ReadTensor("2.bias", 32), h1, rows, 64, 32, StaticNet.Kernels.TanhActivation.Apply);
        float[] expected = WeightFormatKernelTests.Reference(WeightFormat.Float32, reader.ReadTensor("4.weight", 5, 32), reader.ReadTensor("4.bias", 5), h2, rows, 32, 5, v => v);
        StaticNet.Kernels.SoftmaxKernel.Apply(expected, 5);
        KernelPaths.AssertBitIdentical(expected, Forward(MixedDynamicSeqMlp.Load(file).Forward, x, 20, 5), "per-layer format");
    }

    [Fact]
    public void Every_batch_size_from_1_to_70_and_ForwardParallel_give_the_same_bits_and_allocate_nothing()
    {
        var mnist = Int8DynamicMnistNet.Load(RandomFile(new Random(8), 784, 128, 64, 10));
        var large = Int8DynamicLargeLayer.Load(RandomFile(new Random(7), 1500, 1500, 3));
        var random = new Random(9);
        foreach ((ForwardFn forward, ForwardFn parallel, int k, int n, int[] batches) in new[]
        {
            ((ForwardFn)mnist.Forward, (ForwardFn)mnist.ForwardParallel, Int8DynamicMnistNet.InputSize, Int8DynamicMnistNet.OutputSize, Enumerable.Range(1, 70).ToArray()),
            ((ForwardFn)large.Forward, (ForwardFn)large.ForwardParallel, Int8DynamicLargeLayer.InputSize, Int8DynamicLargeLayer.OutputSize, new[] { 1, 3, 4, 5, 17, 70 }),
        })
        {
            float[] x = KernelPaths.RandomValues(random, 70 * k, 2f);
            x[3 * k] = float.NaN;
            float[] together = Forward(forward, x, k, n);
            Assert.True(float.IsNaN(together[3 * n]) && !float.IsNaN(together[4 * n]));
            foreach (int batch in batches)
            {
                float[] part = x.AsSpan(0, batch * k).ToArray();
                KernelPaths.AssertBitIdentical(together.AsSpan(0, batch * n), Forward(forward, part, k, n), $"batch {batch}");
                var y = new float[batch * n];
                parallel(part, y);
                KernelPaths.AssertBitIdentical(together.AsSpan(0, batch * n), y, $"ForwardParallel, batch {batch}");
            }

            var output = new float[70 * n];
            forward(x, output);
            Assert.Equal(0, AllocationMeter.OnThisThread(() => forward(x, output)));
        }
    }

    private static float[] Run(string model, byte[] file)
    {
        float[] x = PyTorchParityTests.ReadFloats(Path.Combine(Directory, $"{model}.inputs.bin"));
        return model switch
        {
            "seq_mlp" => Forward(Int8DynamicSeqMlp.Load(file).Forward, x, 20, 5),
            "seq_bn" => Forward(Int8DynamicSeqBn.Load(file).Forward, x, 17, 3),
            "named" => Forward(Int8DynamicNamed.Load(file).Forward, x, 12, 4),
            "wide_odd" => Forward(Int8DynamicWideOdd.Load(file).Forward, x, 97, 1),
            "seq_smooth" => Forward(Int8DynamicSeqSmooth.Load(file).Forward, x, 19, 6),
            _ => throw new ArgumentOutOfRangeException(nameof(model)),
        };
    }

    private static float[] Forward(ForwardFn forward, float[] inputs, int inputSize, int outputSize)
    {
        var outputs = new float[inputs.Length / inputSize * outputSize];
        forward(inputs, outputs);
        return outputs;
    }

    /// <summary>Dense layers with random weights, as a float32 safetensors file with nn.Sequential names (ReLU between, Softmax last).</summary>
    private static byte[] RandomFile(Random random, params int[] sizes)
    {
        var layers = new List<RefLayer>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            layers.Add(RefLayer.Dense(sizes[i], sizes[i + 1]));
            layers.Add(RefLayer.Act(i + 2 < sizes.Length ? "ReLU" : "Softmax"));
        }

        return RandomWeights.File(layers, RandomWeights.For(layers, random));
    }
}
