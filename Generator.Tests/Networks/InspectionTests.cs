using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>ForwardInspect: every layer's output, bit-identical to Forward, with the statistics people check.</summary>
public sealed class InspectionTests
{
    [Fact]
    public void ForwardInspect_reports_each_layer_in_order_and_ends_with_Forwards_bits()
    {
        var tensors = RandomWeights.For(Layers.SeqBn, new Random(3));
        var net = SeqBn.Load(RandomWeights.File(Layers.SeqBn, tensors));
        float[] inputs = RandomWeights.Inputs(45 * SeqBn.InputSize, new Random(4));
        float[] expected = new float[45 * SeqBn.OutputSize], inspected = new float[expected.Length];
        net.Forward(inputs, expected);

        var seen = new List<(int Position, int Last, string Layer, float[] Values)>();
        net.ForwardInspect(inputs, inspected, a => seen.Add((a.Position, a.LastPosition, a.Layer, a.Values.ToArray())));

        Assert.Equal(NetworkTests.Bits(expected), NetworkTests.Bits(inspected));
        Assert.Equal(NetworkTests.Bits(expected), NetworkTests.Bits(seen[^1].Values));
        // Dense 0 with BatchNorm 1 folded, ReLU 2, (Dropout 3 not reported), Dense 4, LeakyReLU 5, Dense 6, Sigmoid 7.
        Assert.Equal([0, 2, 4, 5, 6, 7], seen.Select(s => s.Position));
        Assert.Equal(1, seen[0].Last);
        Assert.Equal("Dense(17, 33) + BatchNorm(33)", seen[0].Layer);
        Assert.All(seen[1].Values, v => Assert.True(v >= 0));
    }

    [Fact]
    public void ForwardInspect_of_a_convolutional_network_reports_NCHW_shapes_and_Forwards_bits()
    {
        var net = LeNet.Load(RandomWeights.File(Layers.LeNet, RandomWeights.For(Layers.LeNet, new Random(8))));
        float[] inputs = RandomWeights.Inputs(5 * LeNet.InputSize, new Random(9));
        float[] expected = new float[5 * LeNet.OutputSize], inspected = new float[expected.Length];
        net.Forward(inputs, expected);

        var seen = new List<(int Position, string Layer, string Shape, int Features, float[] Values)>();
        net.ForwardInspect(inputs, inspected, a => seen.Add((a.Position, a.Layer, a.Shape, a.Features, a.Values.ToArray())));

        Assert.Equal(NetworkTests.Bits(expected), NetworkTests.Bits(inspected));
        Assert.Equal(NetworkTests.Bits(expected), NetworkTests.Bits(seen[^1].Values));
        // Conv 0, ReLU 1, pool 2, conv 3 with BatchNorm 4 folded, ReLU 5, pool 6, (Flatten 7 and Dropout 10 not reported), Dense 8, ReLU 9, Dense 11.
        Assert.Equal([0, 1, 2, 3, 5, 6, 8, 9, 11], seen.Select(s => s.Position));
        Assert.Equal(
            ["(N, 8, 28, 28)", "(N, 8, 28, 28)", "(N, 8, 14, 14)", "(N, 16, 10, 10)", "(N, 16, 10, 10)", "(N, 16, 5, 5)", "(N, 64)", "(N, 64)", "(N, 10)"],
            seen.Select(s => s.Shape));
        Assert.Equal("Conv2d(8, 16, 5) + BatchNorm(16)", seen[3].Layer);
        Assert.All(seen, s => Assert.Equal(s.Shape.Split(", ").Skip(1).Select(d => int.Parse(d.TrimEnd(')'), System.Globalization.CultureInfo.InvariantCulture)).Aggregate(1, (a, b) => a * b), s.Features));
    }

    [Fact]
    public void Intermediate_activations_match_the_reference_layer_by_layer()
    {
        var tensors = RandomWeights.For(Layers.StandaloneBn, new Random(5));
        var net = StandaloneBn.Load(RandomWeights.File(Layers.StandaloneBn, tensors));
        float[] inputs = RandomWeights.Inputs(9 * StandaloneBn.InputSize, new Random(6));
        var seen = new Dictionary<int, float[]>();
        net.ForwardInspect(inputs, new float[9 * StandaloneBn.OutputSize], a => seen[a.LastPosition] = a.Values.ToArray());

        for (int last = 0; last < Layers.StandaloneBn.Length; last++)
        {
            var prefix = new ReferenceNetwork(Layers.StandaloneBn[..(last + 1)], tensors);
            ReferenceNetwork.AssertClose(prefix.Forward(inputs), seen[last], $"after layer {last}");
        }
    }

    [Fact]
    public void Statistics_count_dead_units_and_describe_the_distribution()
    {
        float[] values = [0, 1, 0, 3, 0, -1, 0, 5];
        var s = new LayerActivation(0, 0, "ReLU", rows: 2, features: 4, values).Statistics();
        Assert.Equal(2, s.DeadUnits); // features 0 and 2 are zero in both rows
        Assert.Equal(8.0 / 8, s.Mean, 12);
        Assert.Equal(Math.Sqrt(values.Select(v => (v - 1.0) * (v - 1.0)).Average()), s.StandardDeviation, 12);
        Assert.Equal(-1f, s.Min);
        Assert.Equal(5f, s.Max);
        Assert.Equal(0.5, s.ZeroFraction);
    }

    [Fact]
    public void The_summary_lists_every_layer_with_shapes_and_totals()
    {
        string[] lines = MnistNet.Summary.TrimEnd('\n').Split('\n');
        Assert.Equal(1 + 1 + 6 + 1, lines.Length);
        Assert.Contains("Dense(784, 128)", lines[2]);
        Assert.Contains("(N, 784)", lines[2]);
        Assert.Contains("(N, 128)", lines[2]);
        Assert.Contains("100,480", lines[2]);
        Assert.Contains($"{MnistNet.ParameterCount:N0} parameters", lines[^1]);
        Assert.Contains($"{MnistNet.FlopPerSample:N0} FLOP per sample", lines[^1]);
    }
}
