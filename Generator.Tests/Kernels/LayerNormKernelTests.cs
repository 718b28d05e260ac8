using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet.Generator.Tests.Support;
using StaticNet.Kernels;
using StaticNet.Weights;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// <see cref="LayerNormKernel"/>: every path gives the scalar path's bits for every row width and batch size, each
/// row the bits it has alone, within float rounding of a double-precision reference; special values and checks.
/// </summary>
public sealed class LayerNormKernelTests(ITestOutputHelper output)
{
    private delegate void Normalise(Span<float> values, int features, LayerNormWeights weights);

    private static readonly int[] Widths = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 47, 64, 100, 257, 1000, 1001];

    /// <summary>The paths this processor can run, scalar first; the 128-bit path on any processor with 128-bit vectors.</summary>
    private static IEnumerable<(string Name, Normalise Apply)> Paths()
    {
        yield return ("scalar", LayerNormKernel.ApplyScalar);
        if (Vector128.IsHardwareAccelerated)
        {
            yield return ("Vector128", LayerNormKernel.ApplyVector128);
        }

        if (Avx2.IsSupported && Fma.IsSupported)
        {
            yield return ("Vector256", LayerNormKernel.ApplyVector256);
        }

        if (Avx512F.IsSupported)
        {
            yield return ("Vector512", LayerNormKernel.ApplyVector512);
        }

        yield return ("dispatch", LayerNormKernel.Apply);
    }

    [Fact]
    public void Every_path_and_every_batch_size_gives_each_row_the_bits_it_has_alone()
    {
        var random = new Random(11);
        var widths = Widths.Concat(Enumerable.Range(0, 8).Select(_ => (2 * random.Next(1, 700)) + 1)).ToArray();
        foreach (int features in widths)
        {
            LayerNormWeights weights = RandomWeights(random, features, 1e-5f);
            foreach (int rows in new[] { 1, 2, 3, 7, 16 })
            {
                float[] x = RandomRows(random, rows, features);
                if (rows > 2)
                {
                    // A row with a NaN, one with +∞ and a constant row, between ordinary ones.
                    x[features + random.Next(features)] = float.NaN;
                    x[(2 * features) + random.Next(features)] = float.PositiveInfinity;
                    Array.Fill(x, 3.25f, (rows - 1) * features, features);
                }

                // The expected bits: the scalar path, one row at a time.
                float[] expected = x.ToArray();
                for (int r = 0; r < rows; r++)
                {
                    LayerNormKernel.ApplyScalar(expected.AsSpan(r * features, features), features, weights);
                }

                foreach ((string path, Normalise apply) in Paths())
                {
                    float[] y = x.ToArray();
                    apply(y, features, weights);
                    KernelPaths.AssertBitIdentical(expected, y, $"layer norm, {features} features, {rows} rows, {path}");
                    if (GuardedBuffer.IsSupported)
                    {
                        using var buffer = new GuardedBuffer(x.Length);
                        x.CopyTo(buffer.Span);
                        apply(buffer.Span, features, weights);
                        KernelPaths.AssertBitIdentical(expected, buffer.Span, $"layer norm, {features} features, {rows} rows, {path}, guarded");
                    }
                }
            }
        }
    }

    [Fact]
    public void Special_values_agree_on_every_path()
    {
        var random = new Random(12);
        foreach (int features in new[] { 1, 3, 16, 17, 40 })
        {
            LayerNormWeights weights = RandomWeights(random, features, 1e-5f);
            float[] x = new float[features * FourForms.Specials.Length];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = i % 3 == 0 ? FourForms.Specials[(i / 3) % FourForms.Specials.Length] : (random.NextSingle() - 0.5f) * 10f;
            }

            float[] expected = x.ToArray();
            LayerNormKernel.ApplyScalar(expected, features, weights);
            foreach ((string path, Normalise apply) in Paths())
            {
                float[] y = x.ToArray();
                apply(y, features, weights);
                KernelPaths.AssertBitIdentical(expected, y, $"layer norm with special values, {features} features, {path}");
            }
        }
    }

    [Fact]
    public void Is_within_float_rounding_of_a_double_precision_reference()
    {
        var random = new Random(13);
        double worst = 0;
        foreach (float epsilon in new[] { 1e-5f, 1e-3f, 0.5f })
        {
            foreach (int features in Widths)
            {
                LayerNormWeights weights = RandomWeights(random, features, epsilon);
                float[] x = RandomRows(random, 4, features);
                float[] y = x.ToArray();
                LayerNormKernel.Apply(y, features, weights);
                for (int r = 0; r < 4; r++)
                {
                    double[] exact = Reference(x.AsSpan(r * features, features), weights);
                    for (int f = 0; f < features; f++)
                    {
                        double error = Math.Abs(y[(r * features) + f] - exact[f]) / Math.Max(1.0, Math.Abs(exact[f]));
                        worst = Math.Max(worst, error);
                    }
                }
            }
        }

        output.WriteLine($"layer norm: |Δ| / max(1, |y|) ≤ {worst:E2}");
        Assert.True(worst <= 3e-6, $"error {worst:E3}.");
    }

    [Fact]
    public void A_constant_row_gives_the_bias_and_a_non_finite_value_makes_its_row_NaN()
    {
        var weights = LayerNormWeights.Create([2f, -1f, 0.5f], [0.25f, -3f, 7f], 1e-5f);
        float[] x = [4f, 4f, 4f, 1f, float.NegativeInfinity, 2f, 1f, float.NaN, 3f];
        foreach ((string path, Normalise apply) in Paths())
        {
            float[] y = x.ToArray();
            apply(y, 3, weights);
            Assert.Equal([0.25f, -3f, 7f], y[..3]);
            Assert.All(y[3..], v => Assert.True(float.IsNaN(v), path));
        }
    }

    [Fact]
    public void Reads_weight_and_bias_from_safetensors_and_checks_its_arguments()
    {
        byte[] file = SafetensorsWriter.Write(
        [
            new SafetensorsWriter.Tensor("norm.weight", [3], [1f, 2f, 3f]),
            new SafetensorsWriter.Tensor("norm.bias", [3], [-1f, 0f, 1f]),
        ]);
        LayerNormWeights weights = LayerNormWeights.Read(SafetensorsReader.Open(file), "norm", 3, 1e-3f);
        Assert.Equal(3, weights.Features);
        Assert.Equal(1e-3f, weights.Epsilon);
        Assert.Equal([1f, 2f, 3f], weights.Weight.ToArray());
        Assert.Equal([-1f, 0f, 1f], weights.Bias.ToArray());
        Assert.Throws<InvalidDataException>(() => LayerNormWeights.Read(SafetensorsReader.Open(file), "norm", 4, 1e-5f));
        Assert.Throws<InvalidDataException>(() => LayerNormWeights.Read(SafetensorsReader.Open(file), "other", 3, 1e-5f));

        Assert.Throws<ArgumentException>(() => LayerNormWeights.Create([1f, 2f], [1f], 1e-5f));
        Assert.Throws<ArgumentException>(() => LayerNormWeights.Create([], [], 1e-5f));
        foreach ((string path, Normalise apply) in Paths())
        {
            Assert.Throws<ArgumentException>(() => apply(new float[7], 3, weights));
            Assert.Throws<ArgumentException>(() => apply(new float[8], 4, weights));
        }
    }

    /// <summary>Mean and biased variance in double, two passes; y = (x − mean) / √(var + ε)·γ + β.</summary>
    private static double[] Reference(ReadOnlySpan<float> row, LayerNormWeights weights)
    {
        double mean = 0;
        foreach (float v in row)
        {
            mean += v;
        }

        mean /= row.Length;
        double variance = 0;
        foreach (float v in row)
        {
            variance += (v - mean) * (v - mean);
        }

        variance /= row.Length;
        double sigma = Math.Sqrt(variance + weights.Epsilon);
        var y = new double[row.Length];
        for (int i = 0; i < row.Length; i++)
        {
            y[i] = ((row[i] - mean) / sigma * weights.Weight[i]) + weights.Bias[i];
        }

        return y;
    }

    private static LayerNormWeights RandomWeights(Random random, int features, float epsilon)
        => LayerNormWeights.Create(
            KernelPaths.RandomValues(random, features, 2f),
            KernelPaths.RandomValues(random, features, 2f),
            epsilon);

    /// <summary>Rows with their own mean in ±3 and spread in [0.5, 3], like a layer's pre-normalisation outputs.</summary>
    private static float[] RandomRows(Random random, int rows, int features)
    {
        var x = new float[rows * features];
        for (int r = 0; r < rows; r++)
        {
            float mean = (random.NextSingle() - 0.5f) * 6f;
            float spread = 0.5f + (random.NextSingle() * 2.5f);
            for (int f = 0; f < features; f++)
            {
                x[(r * features) + f] = mean + (((random.NextSingle() * 2f) - 1f) * spread);
            }
        }

        return x;
    }
}
