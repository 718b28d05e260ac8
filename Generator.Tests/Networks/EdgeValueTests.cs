using System;
using System.Linq;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>IEEE values at the edges: no exception, no NaN where none belongs, exact saturation.</summary>
public sealed class EdgeValueTests
{
    [Fact]
    public void A_NaN_input_makes_its_own_row_NaN_and_leaves_the_others_alone()
    {
        var net = MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(31))));
        float[] inputs = RandomWeights.Inputs(3 * MnistNet.InputSize, new Random(32));
        float[] clean = new float[3 * MnistNet.OutputSize];
        net.Forward(inputs, clean);

        inputs[MnistNet.InputSize + 100] = float.NaN;
        float[] outputs = new float[clean.Length];
        net.Forward(inputs, outputs);

        Assert.All(outputs.AsSpan(MnistNet.OutputSize, MnistNet.OutputSize).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.Equal(NetworkTests.Bits(clean.AsSpan(0, MnistNet.OutputSize)), NetworkTests.Bits(outputs.AsSpan(0, MnistNet.OutputSize)));
        Assert.Equal(NetworkTests.Bits(clean.AsSpan(2 * MnistNet.OutputSize)), NetworkTests.Bits(outputs.AsSpan(2 * MnistNet.OutputSize)));
    }

    [Fact]
    public void Infinite_inputs_do_not_throw_and_follow_IEEE_rules()
    {
        // Dense with W = [[1, 1], [1, -1]], then Sigmoid: ±∞ saturate to exactly 1 and 0, and ∞ − ∞ is NaN.
        var net = SigmoidNet.Load(SafetensorsWriter.Write([new("0.weight", [2, 2], [1, 1, 1, -1]), new("0.bias", [2], [0, 0])]));
        float[] outputs = new float[2 * 3];
        net.Forward([float.PositiveInfinity, 1f, float.NegativeInfinity, 1f, float.PositiveInfinity, float.PositiveInfinity], outputs);
        Assert.Equal([1f, 1f], outputs[..2]);
        Assert.Equal([0f, 0f], outputs[2..4]);
        Assert.Equal(1f, outputs[4]);
        Assert.True(float.IsNaN(outputs[5]));
    }

    [Theory]
    [InlineData(1e3f)]
    [InlineData(1e6f)]
    [InlineData(1e30f)]
    public void Softmax_of_huge_logits_is_finite_and_sums_to_one(float scale)
    {
        var net = LogitNet.Load(SafetensorsWriter.Write([
            new("0.weight", [3, 4], [scale, 0, 0, 0, 0, scale, 0, 0, -scale, 0, 0, 0]),
            new("0.bias", [3], [0, 0, 0])]));
        float[] outputs = new float[2 * 3];
        net.Forward([1, 0.5f, 0, 0, -1, -1, 0, 0], outputs);
        Assert.All(outputs, v => Assert.True(float.IsFinite(v) && v >= 0 && v <= 1, $"{v}"));
        Assert.Equal(1.0, outputs[0] + outputs[1] + outputs[2], 6);
        Assert.Equal(1.0, outputs[3] + outputs[4] + outputs[5], 6);
        Assert.Equal(1f, outputs[0]); // the largest logit by a margin of at least 500 takes everything
    }

    [Theory]
    [InlineData(100f)]
    [InlineData(1e6f)]
    [InlineData(float.MaxValue)]
    public void Sigmoid_and_tanh_saturate_exactly(float x)
    {
        byte[] weights = SafetensorsWriter.Write([new("0.weight", [2, 2], [1, 0, 0, 1]), new("0.bias", [2], [0, 0])]);
        float[] sigmoid = new float[2], tanh = new float[2];
        SigmoidNet.Load(weights).Forward([x, -x], sigmoid);
        TanhNet.Load(weights).Forward([x, -x], tanh);
        Assert.Equal([1f, 0f], sigmoid);
        Assert.Equal([1f, -1f], tanh);
    }

    [Fact]
    public void Tiny_inputs_keep_their_sign_through_tanh()
    {
        byte[] weights = SafetensorsWriter.Write([new("0.weight", [2, 2], [1, 0, 0, 1]), new("0.bias", [2], [0, 0])]);
        float[] tanh = new float[2];
        TanhNet.Load(weights).Forward([1e-30f, -1e-30f], tanh);
        Assert.True(tanh[0] >= 0 && tanh[1] <= 0 && Math.Abs(tanh[0]) <= 1e-29 && Math.Abs(tanh[1]) <= 1e-29, string.Join(", ", tanh));
    }
}
