using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary><see cref="ElementwiseKernel"/> and the activations' saturation.</summary>
public sealed class ElementwiseKernelTests
{
    private delegate void Apply(KernelPath path, Span<float> values);

    private static readonly int[] Lengths = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 100, 1000, 4097];

    private static readonly float[] Specials =
    [
        float.NaN, BitConverter.Int32BitsToSingle(0x7FC12345), float.PositiveInfinity, float.NegativeInfinity, float.MaxValue,
        -float.MaxValue, 1e30f, -1e30f, 1e-40f, -1e-40f, float.Epsilon, 0f, -0f, 88.7f, -88.7f, 104f, -104f, 100f, -100f,
    ];

    public static TheoryData<string> ActivationNames() => new(TestTypes.Activations.Keys);

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void Every_path_matches_the_scalar_path_bit_for_bit(string activation)
    {
        Apply apply = ApplyFor(activation);
        var random = new Random(activation.Length);
        foreach (int length in Lengths)
        {
            float[] x = KernelPaths.RandomValues(random, length, 30f);
            for (int i = 0; i < x.Length; i += 1 + random.Next(4))
            {
                x[i] = Specials[random.Next(Specials.Length)];
            }

            float[] expected = x.ToArray();
            apply(KernelPath.Scalar, expected);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal(KernelPaths.Bits(ScalarOf(activation, x[i])), KernelPaths.Bits(expected[i]));
            }

            foreach (KernelPath path in KernelPaths.Available.Skip(1))
            {
                float[] y = x.ToArray();
                apply(path, y);
                KernelPaths.AssertBitIdentical(expected, y, $"{activation}, {length} values, {path}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ActivationNames))]
    public void Spans_ending_at_an_unmapped_page_are_read_and_written_only_inside(string activation)
    {
        if (!GuardedBuffer.IsSupported)
        {
            return;
        }

        Apply apply = ApplyFor(activation);
        var random = new Random(9);
        foreach (int length in Lengths)
        {
            float[] x = KernelPaths.RandomValues(random, length, 5f);
            float[] expected = x.ToArray();
            apply(KernelPath.Scalar, expected);
            foreach (KernelPath path in KernelPaths.Available)
            {
                using var buffer = new GuardedBuffer(length);
                x.CopyTo(buffer.Span);
                apply(path, buffer.Span);
                KernelPaths.AssertBitIdentical(expected, buffer.Span, $"{activation}, {length} values, {path}, guarded");
            }
        }
    }

    [Fact]
    public void Sigmoid_and_Tanh_saturate_exactly_and_never_give_NaN_for_finite_inputs()
    {
        var saturated = new List<float> { 100f, 100.5f, 1e3f, 1e10f, 1e30f, float.MaxValue, float.PositiveInfinity };
        float[] x = saturated.Concat(saturated.Select(v => -v)).ToArray();
        foreach (KernelPath path in KernelPaths.Available)
        {
            float[] sigmoid = x.ToArray();
            ApplyFor("Sigmoid")(path, sigmoid);
            float[] tanh = x.ToArray();
            ApplyFor("Tanh")(path, tanh);
            for (int i = 0; i < x.Length; i++)
            {
                Assert.Equal(KernelPaths.Bits(x[i] > 0 ? 1f : 0f), KernelPaths.Bits(sigmoid[i]));
                Assert.Equal(KernelPaths.Bits(x[i] > 0 ? 1f : -1f), KernelPaths.Bits(tanh[i]));
            }
        }

        // Every finite float has the same chance here: random bit patterns, NaN and ±∞ left out.
        var random = new Random(4);
        float[] finite = new float[200_000];
        for (int i = 0; i < finite.Length; i++)
        {
            float v;
            do
            {
                v = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
            }
            while (!float.IsFinite(v));
            finite[i] = v;
        }

        foreach (string activation in new[] { "Sigmoid", "Tanh" })
        {
            foreach (KernelPath path in KernelPaths.Available)
            {
                float[] y = finite.ToArray();
                ApplyFor(activation)(path, y);
                Assert.DoesNotContain(y, float.IsNaN);
                Assert.All(y, v => Assert.InRange(v, -1f, 1f));
            }
        }
    }

    [Fact]
    public void BatchNorm_is_one_fma_per_value_on_every_path()
    {
        var random = new Random(8);
        foreach (int features in new[] { 1, 3, 7, 8, 9, 15, 16, 17, 33, 100 })
        {
            var parameters = new BatchNormParameters(
                KernelPaths.RandomValues(random, features, 2f),
                KernelPaths.RandomValues(random, features, 2f),
                KernelPaths.RandomValues(random, features, 2f),
                KernelPaths.RandomValues(random, features).Select(v => MathF.Abs(v) + 0.1f).ToArray(),
                1e-5f);
            BatchNormWeights weights = BatchNormWeights.Create(parameters);
            foreach (int rows in new[] { 1, 2, 5 })
            {
                float[] x = KernelPaths.RandomValues(random, rows * features, 10f);
                x[random.Next(x.Length)] = float.NaN;
                x[random.Next(x.Length)] = float.NegativeInfinity;
                var expected = new float[x.Length];
                for (int i = 0; i < x.Length; i++)
                {
                    expected[i] = MathF.FusedMultiplyAdd(x[i], weights.Scale[i % features], weights.Shift[i % features]);
                }

                foreach (KernelPath path in KernelPaths.Available)
                {
                    float[] y = x.ToArray();
                    BatchNorm(path, y, weights);
                    KernelPaths.AssertBitIdentical(expected, y, $"batch norm, {features} features, {rows} rows, {path}");
                    if (GuardedBuffer.IsSupported)
                    {
                        using var buffer = new GuardedBuffer(x.Length);
                        x.CopyTo(buffer.Span);
                        BatchNorm(path, buffer.Span, weights);
                        KernelPaths.AssertBitIdentical(expected, buffer.Span, $"batch norm, {features} features, {rows} rows, {path}, guarded");
                    }
                }

                if (features > 1)
                {
                    Assert.Throws<ArgumentException>(() => ElementwiseKernel.BatchNorm(new float[features + 1], weights));
                }
            }
        }
    }

    private static void BatchNorm(KernelPath path, Span<float> values, BatchNormWeights weights)
    {
        switch (path)
        {
            case KernelPath.Scalar: ElementwiseKernel.BatchNormScalar(values, weights); break;
            case KernelPath.Vector128: ElementwiseKernel.BatchNormVector128(values, weights); break;
            case KernelPath.Vector256: ElementwiseKernel.BatchNormVector256(values, weights); break;
            case KernelPath.Vector512: ElementwiseKernel.BatchNormVector512(values, weights); break;
            default: ElementwiseKernel.BatchNorm(values, weights); break;
        }
    }

    private static float ScalarOf(string activation, float x)
        => (float)typeof(ElementwiseKernelTests)
            .GetMethod(nameof(ScalarApply), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(TestTypes.Activations[activation])
            .Invoke(null, [x])!;

    private static float ScalarApply<TActivation>(float x)
        where TActivation : struct, IActivation
        => TActivation.Apply(x);

    private static Apply ApplyFor(string activation)
        => typeof(ElementwiseKernelTests)
            .GetMethod(nameof(ApplyOn), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(TestTypes.Activations[activation])
            .CreateDelegate<Apply>();

    private static void ApplyOn<TActivation>(KernelPath path, Span<float> values)
        where TActivation : struct, IActivation
    {
        switch (path)
        {
            case KernelPath.Scalar: ElementwiseKernel.ApplyScalar<TActivation>(values); break;
            case KernelPath.Vector128: ElementwiseKernel.ApplyVector128<TActivation>(values); break;
            case KernelPath.Vector256: ElementwiseKernel.ApplyVector256<TActivation>(values); break;
            case KernelPath.Vector512: ElementwiseKernel.ApplyVector512<TActivation>(values); break;
            default: ElementwiseKernel.Apply<TActivation>(values); break;
        }
    }
}
