using System;
using System.Reflection;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// <see cref="DenseKernel.ForwardSoftmax{TShape}"/>: a dense layer whose softmax runs in the kernel's epilogue (AVX-512, up
/// to 16 outputs) must give exactly the bits of the dense layer with the identity followed by the softmax kernel,
/// which is what <c>ForwardInspect</c> runs and what every other path runs.
/// </summary>
public sealed class ForwardSoftmaxTests
{
    private delegate void Fused(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights);

    private static readonly int[] Outputs = [1, 2, 7, 10, 15, 16, 17, 33];
    private static readonly int[] Inputs = [1, 5, 64, 300];
    private static readonly int[] Rows = [1, 2, 3, 7, 8, 9, 17, 33];

    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int k in Inputs)
        {
            foreach (int n in Outputs)
            {
                data.Add(k, n);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fused_softmax_gives_the_bits_of_the_dense_layer_then_the_softmax_kernel(int inputs, int outputs)
    {
        var random = new Random((inputs * 1000) + outputs);
        (float[] weight, float[] bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        // ×30 as well: logits far apart, so that small probabilities underflow to subnormals and zero.
        foreach (float scale in new[] { 1f, 30f })
        {
            var packed = DenseWeights.Pack(Array.ConvertAll(weight, w => w * scale), bias, inputs, outputs);
            foreach (int rows in Rows)
            {
                float[] x = KernelPaths.RandomValues(random, rows * inputs);
                float[] expected = new float[rows * outputs];
                KernelPaths.Dense(inputs, outputs, "Identity")(KernelPath.Scalar, x, expected, rows, packed);
                SoftmaxKernel.ApplyScalar(expected, outputs);

                // One float more than the rows need: the fused store must not touch it.
                float[] actual = new float[(rows * outputs) + 1];
                actual[^1] = 12345f;
                FusedFor(inputs, outputs)(x, actual, rows, packed);

                KernelPaths.AssertBitIdentical(expected, actual.AsSpan(0, rows * outputs), $"{inputs}→{outputs}, {rows} rows, weights ×{scale}");
                Assert.Equal(12345f, actual[^1]);
            }
        }
    }

    [Fact]
    public void A_NaN_input_makes_its_row_NaN_and_leaves_the_others_alone()
    {
        var random = new Random(5);
        (float[] weight, float[] bias) = KernelPaths.RandomLayer(random, 64, 10);
        var packed = DenseWeights.Pack(weight, bias, 64, 10);
        float[] x = KernelPaths.RandomValues(random, 9 * 64);
        x[(4 * 64) + 3] = float.NaN;
        float[] expected = new float[9 * 10];
        KernelPaths.Dense(64, 10, "Identity")(KernelPath.Scalar, x, expected, 9, packed);
        SoftmaxKernel.ApplyScalar(expected, 10);
        float[] actual = new float[9 * 10];
        FusedFor(64, 10)(x, actual, 9, packed);

        KernelPaths.AssertBitIdentical(expected, actual, "a NaN in row 4");
        Assert.All(actual.AsSpan(40, 10).ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.DoesNotContain(actual.AsSpan(0, 40).ToArray(), float.IsNaN);
    }

    private static Fused FusedFor(int inputs, int outputs)
        => typeof(ForwardSoftmaxTests)
            .GetMethod(nameof(CallFused), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(TestTypes.Shape(inputs, outputs))
            .CreateDelegate<Fused>();

    private static void CallFused<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        => DenseKernel.ForwardSoftmax<TShape>(input, output, rows, weights);
}
