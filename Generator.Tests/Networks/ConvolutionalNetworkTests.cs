using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>What convolutional networks promise beyond matching the reference: counts, allocation, parallel bits.</summary>
public sealed class ConvolutionalNetworkTests
{
    [Theory]
    [InlineData("lenet", LeNet.ParameterCount)]
    [InlineData("cnn_odd", CnnOdd.ParameterCount)]
    [InlineData("cnn_1d", Cnn1d.ParameterCount)]
    public void ParameterCount_is_what_PyTorch_counted(string model, int generated)
    {
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch", "manifest.json")));
        JsonElement entry = manifest.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == model);
        Assert.Equal(entry.GetProperty("parameter_count").GetInt32(), generated);
    }

    [Fact]
    public void FlopPerSample_counts_a_multiply_add_per_weight_per_output_position()
    {
        // Conv2d(1, 8, 5) over 28×28 outputs, Conv2d(8, 16, 5) over 10×10, Dense(400, 64), Dense(64, 10).
        long expected = (2L * 8 * 28 * 28 * 1 * 5 * 5) + (2L * 16 * 10 * 10 * 8 * 5 * 5) + (2L * 400 * 64) + (2L * 64 * 10);
        long generated = LeNet.FlopPerSample;
        int inputSize = LeNet.InputSize;
        Assert.Equal(expected, generated);
        Assert.Equal(1 * 28 * 28, inputSize);
        Assert.Contains("(N, 16, 5, 5)", LeNet.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[InputShape(1, 8, 8)] [Conv2d(1, 2, 3), ReLU, Flatten]", 2 * 6 * 6)]
    [InlineData("[InputShape(3, 20)] [Conv1d(3, 4, 5), Tanh, MaxPool1d(2), Flatten]", 4 * 8)]
    [InlineData("[InputShape(1, 8, 8)] [Conv2d(1, 2, 3), ReLU, Flatten, Dense(72, 3)]", 3)]
    public void A_network_is_found_through_its_first_convolution_or_dense_layer_and_generated_once(string attributes, int outputSize)
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using StaticNet;
            {{attributes}}
            public partial class Net { }
            """);

        run.AssertCompilesCleanly();
        Assert.Equal("Net.g.cs", Assert.Single(run.Sources.Keys));
        Assert.Contains($"OutputSize = {outputSize};", run.Source("Net.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_allocates_nothing_and_ForwardParallel_gives_the_same_bits()
    {
        var net = LeNet.Load(RandomWeights.File(Layers.LeNet, RandomWeights.For(Layers.LeNet, new Random(11))));
        float[] inputs = RandomWeights.Inputs(70 * LeNet.InputSize, new Random(12));
        float[] outputs = new float[70 * LeNet.OutputSize], parallel = new float[outputs.Length];
        foreach (int batch in new[] { 1, 2, 7, 33, 70 })
        {
            net.Forward(inputs.AsSpan(0, batch * LeNet.InputSize), outputs.AsSpan(0, batch * LeNet.OutputSize));
        }

        long allocated = 0;
        foreach (int batch in new[] { 1, 2, 7, 33, 70 })
        {
            allocated += AllocationMeter.OnThisThread(() => net.Forward(inputs.AsSpan(0, batch * LeNet.InputSize), outputs.AsSpan(0, batch * LeNet.OutputSize)));
        }

        Assert.Equal(0, allocated);
        net.ForwardParallel(inputs, parallel);
        Assert.Equal(NetworkTests.Bits(outputs), NetworkTests.Bits(parallel));
    }
}
