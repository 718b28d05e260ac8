using System;
using System.Linq;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary><see cref="SoftmaxKernel"/>: paths agree bit for bit, results are stable and normalised.</summary>
public sealed class SoftmaxKernelTests
{
    private static readonly int[] Features = [1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 31, 32, 33, 64, 100, 257, 1000];

    [Fact]
    public void Every_path_matches_the_scalar_path_bit_for_bit()
    {
        var random = new Random(10);
        foreach (int features in Features)
        {
            foreach (float scale in new[] { 1f, 30f, 1000f })
            {
                AssertPathsAgree(KernelPaths.RandomValues(random, 3 * features, scale), features, $"{features} features, ±{scale}");
            }
        }
    }

    [Fact]
    public void Special_rows_match_the_scalar_path_bit_for_bit()
    {
        foreach (int features in Features.Where(f => f >= 3))
        {
            var random = new Random(features);
            float[] row(Func<int, float> value) => Enumerable.Range(0, features).Select(value).ToArray();
            float[][] rows =
            [
                row(i => i == features / 2 ? float.NaN : i),
                row(i => i == features - 1 ? float.PositiveInfinity : -i),
                row(i => i % 3 == 0 ? float.PositiveInfinity : i),
                row(i => float.NegativeInfinity),
                row(i => float.NaN),
                row(i => i % 2 == 0 ? -0f : 0f),
                row(i => i % 3 == 0 ? 0f : i % 3 == 1 ? -0f : -1f),
                row(i => i % 2 == 0 ? -0f : float.NegativeInfinity),
                row(i => float.MaxValue),
                row(i => i % 2 == 0 ? float.MaxValue : -float.MaxValue),
                row(i => 1e-40f * i),
                row(i => (random.NextSingle() - 0.5f) * 2000f),
            ];
            AssertPathsAgree(rows.SelectMany(r => r).ToArray(), features, $"{features} features, special rows");
        }
    }

    [Fact]
    public void Logits_of_plus_or_minus_1000_give_finite_probabilities_that_sum_to_1()
    {
        var random = new Random(1000);
        foreach (int features in Features.Where(f => f > 1))
        {
            float[] x = Enumerable.Range(0, 4 * features).Select(i => random.Next(2) == 0 ? 1000f : -1000f).ToArray();
            x[0] = -1000f;
            x[1] = 1000f;
            foreach (KernelPath path in KernelPaths.Available)
            {
                float[] y = x.ToArray();
                Run(path, y, features);
                for (int r = 0; r < 4; r++)
                {
                    Span<float> probabilities = y.AsSpan(r * features, features);
                    double sum = 0;
                    foreach (float p in probabilities)
                    {
                        Assert.True(float.IsFinite(p) && p >= 0f, $"{path}: {p}");
                        sum += p;
                    }

                    Assert.InRange(sum, 1 - 1e-6, 1 + 1e-6);
                }
            }
        }
    }

    [Fact]
    public void Matches_a_double_precision_softmax()
    {
        var random = new Random(12);
        foreach (int features in Features)
        {
            float[] x = KernelPaths.RandomValues(random, 2 * features, 20f);
            foreach (KernelPath path in KernelPaths.Available)
            {
                float[] y = x.ToArray();
                Run(path, y, features);
                for (int r = 0; r < 2; r++)
                {
                    double max = x.Skip(r * features).Take(features).Max();
                    double total = x.Skip(r * features).Take(features).Sum(v => Math.Exp(v - max));
                    for (int i = 0; i < features; i++)
                    {
                        double expected = Math.Exp(x[(r * features) + i] - max) / total;
                        Assert.True(Math.Abs(y[(r * features) + i] - expected) <= 1e-6, $"{path}, {features} features: {y[(r * features) + i]} vs {expected}.");
                    }
                }
            }
        }
    }

    [Fact]
    public void Spans_ending_at_an_unmapped_page_are_read_and_written_only_inside()
    {
        if (!GuardedBuffer.IsSupported)
        {
            return;
        }

        var random = new Random(14);
        foreach (int features in Features)
        {
            float[] x = KernelPaths.RandomValues(random, 3 * features, 5f);
            float[] expected = x.ToArray();
            Run(KernelPath.Scalar, expected, features);
            foreach (KernelPath path in KernelPaths.Available)
            {
                using var buffer = new GuardedBuffer(x.Length);
                x.CopyTo(buffer.Span);
                Run(path, buffer.Span, features);
                KernelPaths.AssertBitIdentical(expected, buffer.Span, $"{features} features, {path}, guarded");
            }
        }
    }

    [Fact]
    public void Rejects_partial_rows()
    {
        foreach (KernelPath path in KernelPaths.Available)
        {
            Assert.Throws<ArgumentException>(() => Run(path, new float[7], 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => Run(path, new float[4], 0));
        }
    }

    private static void AssertPathsAgree(float[] x, int features, string what)
    {
        float[] expected = x.ToArray();
        Run(KernelPath.Scalar, expected, features);
        foreach (KernelPath path in KernelPaths.Available.Skip(1))
        {
            float[] y = x.ToArray();
            Run(path, y, features);
            KernelPaths.AssertBitIdentical(expected, y, $"{what}, {path}");
        }
    }

    private static void Run(KernelPath path, Span<float> values, int features)
    {
        switch (path)
        {
            case KernelPath.Scalar: SoftmaxKernel.ApplyScalar(values, features); break;
            case KernelPath.Vector128: SoftmaxKernel.ApplyVector128(values, features); break;
            case KernelPath.Vector256: SoftmaxKernel.ApplyVector256(values, features); break;
            case KernelPath.Vector512: SoftmaxKernel.ApplyVector512(values, features); break;
            default: SoftmaxKernel.Apply(values, features); break;
        }
    }
}
