using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// Layer normalisation over each row, in place, like PyTorch's <c>nn.LayerNorm(features)</c>:
/// y = (x − mean) / √(var + ε) · weight + bias, with the mean and the biased variance of the row.
/// For generated code; hidden from IntelliSense.
/// </summary>
/// <remarks>
/// <para>
/// The canonical order that every path reproduces, so the bits depend neither on the instruction set nor on the
/// batch size or threads (each row is computed on its own):
/// </para>
/// <list type="number">
/// <item>sum: <see cref="Lanes"/> = 16 partial sums from +0, element i added to partial i mod 16 in increasing
/// i, folded pairwise (partial[j] += partial[j + w] for w = 8, 4, 2, 1, as <see cref="SoftmaxKernel"/> does);
/// mean = sum / features (a division, not a multiplication by a reciprocal);</item>
/// <item>d = x − mean; the squares summed the same way, each as partial = fma(d, d, partial);
/// var = that sum / features (two passes: no cancellation between Σx² and mean²);</item>
/// <item>σ = √(var + ε), correctly rounded on every path; y = fma(d / σ, weight, bias).</item>
/// </list>
/// <para>
/// A 16-lane vector holds the 16 partials natively; the AVX2 path uses two 8-lane halves and the 128-bit path
/// four quarters. Lanes past the end of a row add +0 to their partial, which leaves it unchanged (a partial sum
/// that starts at +0 is never −0). A row whose mean is not finite (a NaN or ±∞ in it, or a sum beyond float.MaxValue)
/// becomes <see cref="float.NaN"/> in every element, as PyTorch gives NaN there: written as that one NaN, so that
/// no output depends on which of two NaN operands an addition returns (x86 returns the first, and the JIT may swap
/// the operands of an add). A finite mean with squares beyond float.MaxValue gives σ = +∞ and y = bias. The vector paths
/// read and write only inside the row (masked loads and stores, or a copy of the last partial vector on the
/// stack for the 128-bit path).
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LayerNormKernel
{
    /// <summary>Partial sums used for the mean and the variance; fixed so that every path adds in the same order.</summary>
    internal const int Lanes = 16;

    /// <summary>Normalises each row of <paramref name="features"/> values in place.</summary>
    /// <param name="values">Row-major rows, a whole number of them.</param>
    /// <param name="features">Values per row; must equal <paramref name="weights"/>' <see cref="LayerNormWeights.Features"/>.</param>
    /// <param name="weights">γ, β and ε.</param>
    /// <exception cref="ArgumentException">The span is not whole rows, or the widths differ.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(Span<float> values, int features, LayerNormWeights weights)
    {
        if (VectorPaths.Vector512)
        {
            ApplyVector512(values, features, weights);
        }
        else if (VectorPaths.Vector256)
        {
            ApplyVector256(values, features, weights);
        }
        else if (VectorPaths.Vector128)
        {
            ApplyVector128(values, features, weights);
        }
        else
        {
            ApplyScalar(values, features, weights);
        }
    }

    /// <summary>The plain .NET path of <see cref="Apply"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ApplyScalar(Span<float> values, int features, LayerNormWeights weights)
    {
        CheckRows(values, features, weights);
        ReadOnlySpan<float> weight = weights.Weight;
        ReadOnlySpan<float> bias = weights.Bias;
        Span<float> partial = stackalloc float[Lanes];
        for (int start = 0; start < values.Length; start += features)
        {
            Span<float> row = values.Slice(start, features);
            partial.Clear();
            for (int i = 0; i < row.Length; i++)
            {
                partial[i % Lanes] += row[i];
            }

            float mean = SoftmaxKernel.FoldPartialSums(partial) / features;
            if (!float.IsFinite(mean))
            {
                row.Fill(float.NaN);
                continue;
            }

            partial.Clear();
            for (int i = 0; i < row.Length; i++)
            {
                float d = row[i] - mean;
                partial[i % Lanes] = MathF.FusedMultiplyAdd(d, d, partial[i % Lanes]);
            }

            float sigma = StandardDeviation(SoftmaxKernel.FoldPartialSums(partial), features, weights.Epsilon);
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = MathF.FusedMultiplyAdd((row[i] - mean) / sigma, weight[i], bias[i]);
            }
        }
    }

    /// <summary>The AVX-512 path of <see cref="Apply"/>.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX-512F.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyVector512(Span<float> values, int features, LayerNormWeights weights)
    {
        ElementwiseKernel.RequireVector512();
        CheckRows(values, features, weights);
        int full = features - (features % Lanes);
        Vector512<float> mask = DenseKernel.LaneMask512(features - full);
        fixed (float* start = values)
        fixed (float* weight = weights.PaddedWeight)
        fixed (float* bias = weights.PaddedBias)
        {
            for (float* row = start, end = start + values.Length; row < end; row += features)
            {
                Vector512<float> sum = Vector512<float>.Zero;
                int i = 0;
                for (; i < full; i += Lanes)
                {
                    sum += Vector512.Load(row + i);
                }

                if (i < features)
                {
                    sum += Avx512F.MaskLoad(row + i, mask, Vector512<float>.Zero);
                }

                float rowMean = Fold(sum.GetLower().GetLower(), sum.GetLower().GetUpper(), sum.GetUpper().GetLower(), sum.GetUpper().GetUpper()) / features;
                if (!float.IsFinite(rowMean))
                {
                    new Span<float>(row, features).Fill(float.NaN);
                    continue;
                }

                Vector512<float> mean = Vector512.Create(rowMean);

                Vector512<float> squares = Vector512<float>.Zero;
                for (i = 0; i < full; i += Lanes)
                {
                    Vector512<float> d = Vector512.Load(row + i) - mean;
                    squares = Vector512.FusedMultiplyAdd(d, d, squares);
                }

                if (i < features)
                {
                    Vector512<float> d = Vector512.ConditionalSelect(mask, Avx512F.MaskLoad(row + i, mask, Vector512<float>.Zero) - mean, Vector512<float>.Zero);
                    squares = Vector512.FusedMultiplyAdd(d, d, squares);
                }

                float sumOfSquares = Fold(squares.GetLower().GetLower(), squares.GetLower().GetUpper(), squares.GetUpper().GetLower(), squares.GetUpper().GetUpper());
                Vector512<float> sigma = Vector512.Create(StandardDeviation(sumOfSquares, features, weights.Epsilon));
                for (i = 0; i < full; i += Lanes)
                {
                    Vector512.FusedMultiplyAdd((Vector512.Load(row + i) - mean) / sigma, Vector512.Load(weight + i), Vector512.Load(bias + i)).Store(row + i);
                }

                if (i < features)
                {
                    Vector512<float> x = Avx512F.MaskLoad(row + i, mask, Vector512<float>.Zero);
                    Avx512F.MaskStore(row + i, mask, Vector512.FusedMultiplyAdd((x - mean) / sigma, Vector512.Load(weight + i), Vector512.Load(bias + i)));
                }
            }
        }
    }

    /// <summary>The AVX2 path of <see cref="Apply"/>: two 8-lane halves stand for the 16 canonical partial sums.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX2 or no FMA.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyVector256(Span<float> values, int features, LayerNormWeights weights)
    {
        ElementwiseKernel.RequireVector256();
        CheckRows(values, features, weights);
        int full = features - (features % Lanes);
        int tail = features - full;
        Vector256<float> lowMask = DenseKernel.LaneMask256(tail);
        Vector256<float> highMask = DenseKernel.LaneMask256(tail - 8);
        fixed (float* start = values)
        fixed (float* weight = weights.PaddedWeight)
        fixed (float* bias = weights.PaddedBias)
        {
            for (float* row = start, end = start + values.Length; row < end; row += features)
            {
                Vector256<float> sumLow = Vector256<float>.Zero;
                Vector256<float> sumHigh = Vector256<float>.Zero;
                int i = 0;
                for (; i < full; i += Lanes)
                {
                    sumLow += Vector256.Load(row + i);
                    sumHigh += Vector256.Load(row + i + 8);
                }

                if (i < features)
                {
                    // vmaskmovps reads +0 in masked-off lanes.
                    sumLow += Avx.MaskLoad(row + i, lowMask);
                    sumHigh += Avx.MaskLoad(row + i + 8, highMask);
                }

                float rowMean = Fold(sumLow.GetLower(), sumLow.GetUpper(), sumHigh.GetLower(), sumHigh.GetUpper()) / features;
                if (!float.IsFinite(rowMean))
                {
                    new Span<float>(row, features).Fill(float.NaN);
                    continue;
                }

                Vector256<float> mean = Vector256.Create(rowMean);

                Vector256<float> squaresLow = Vector256<float>.Zero;
                Vector256<float> squaresHigh = Vector256<float>.Zero;
                for (i = 0; i < full; i += Lanes)
                {
                    Vector256<float> low = Vector256.Load(row + i) - mean;
                    Vector256<float> high = Vector256.Load(row + i + 8) - mean;
                    squaresLow = Vector256.FusedMultiplyAdd(low, low, squaresLow);
                    squaresHigh = Vector256.FusedMultiplyAdd(high, high, squaresHigh);
                }

                if (i < features)
                {
                    Vector256<float> low = Vector256.ConditionalSelect(lowMask, Avx.MaskLoad(row + i, lowMask) - mean, Vector256<float>.Zero);
                    Vector256<float> high = Vector256.ConditionalSelect(highMask, Avx.MaskLoad(row + i + 8, highMask) - mean, Vector256<float>.Zero);
                    squaresLow = Vector256.FusedMultiplyAdd(low, low, squaresLow);
                    squaresHigh = Vector256.FusedMultiplyAdd(high, high, squaresHigh);
                }

                float sumOfSquares = Fold(squaresLow.GetLower(), squaresLow.GetUpper(), squaresHigh.GetLower(), squaresHigh.GetUpper());
                Vector256<float> sigma = Vector256.Create(StandardDeviation(sumOfSquares, features, weights.Epsilon));
                for (i = 0; i < full; i += 8)
                {
                    Vector256.FusedMultiplyAdd((Vector256.Load(row + i) - mean) / sigma, Vector256.Load(weight + i), Vector256.Load(bias + i)).Store(row + i);
                }

                if (i < features)
                {
                    Avx.MaskStore(row + i, lowMask, Vector256.FusedMultiplyAdd((Avx.MaskLoad(row + i, lowMask) - mean) / sigma, Vector256.Load(weight + i), Vector256.Load(bias + i)));
                    Avx.MaskStore(row + i + 8, highMask, Vector256.FusedMultiplyAdd((Avx.MaskLoad(row + i + 8, highMask) - mean) / sigma, Vector256.Load(weight + i + 8), Vector256.Load(bias + i + 8)));
                }
            }
        }
    }

    /// <summary>
    /// The 128-bit path of <see cref="Apply"/> (ARM64 NEON, or x64 forced to 128 bits; callable on any processor): four quarters stand for the
    /// 16 canonical partial sums. Without masked loads in the portable API, a row's last partial vector is copied
    /// to a zeroed buffer on the stack, computed there and copied back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyVector128(Span<float> values, int features, LayerNormWeights weights)
    {
        CheckRows(values, features, weights);
        int full = features - (features % Lanes);
        int tail = features - full;
        Vector128<int> lane = Vector128.Create(0, 1, 2, 3);
        Vector128<float> mask0 = Vector128.LessThan(lane, Vector128.Create(tail)).AsSingle();
        Vector128<float> mask1 = Vector128.LessThan(lane, Vector128.Create(tail - 4)).AsSingle();
        Vector128<float> mask2 = Vector128.LessThan(lane, Vector128.Create(tail - 8)).AsSingle();
        Vector128<float> mask3 = Vector128.LessThan(lane, Vector128.Create(tail - 12)).AsSingle();
        float* last = stackalloc float[Lanes];
        fixed (float* start = values)
        fixed (float* weight = weights.PaddedWeight)
        fixed (float* bias = weights.PaddedBias)
        {
            for (float* row = start, end = start + values.Length; row < end; row += features)
            {
                if (tail > 0)
                {
                    new Span<float>(last, Lanes).Clear();
                    new Span<float>(row + full, tail).CopyTo(new Span<float>(last, Lanes));
                }

                Vector128<float> sum0 = Vector128<float>.Zero;
                Vector128<float> sum1 = Vector128<float>.Zero;
                Vector128<float> sum2 = Vector128<float>.Zero;
                Vector128<float> sum3 = Vector128<float>.Zero;
                for (int i = 0; i < full; i += Lanes)
                {
                    sum0 += Vector128.Load(row + i);
                    sum1 += Vector128.Load(row + i + 4);
                    sum2 += Vector128.Load(row + i + 8);
                    sum3 += Vector128.Load(row + i + 12);
                }

                if (tail > 0)
                {
                    sum0 += Vector128.Load(last);
                    sum1 += Vector128.Load(last + 4);
                    sum2 += Vector128.Load(last + 8);
                    sum3 += Vector128.Load(last + 12);
                }

                float rowMean = Fold(sum0, sum1, sum2, sum3) / features;
                if (!float.IsFinite(rowMean))
                {
                    new Span<float>(row, features).Fill(float.NaN);
                    continue;
                }

                Vector128<float> mean = Vector128.Create(rowMean);

                Vector128<float> squares0 = Vector128<float>.Zero;
                Vector128<float> squares1 = Vector128<float>.Zero;
                Vector128<float> squares2 = Vector128<float>.Zero;
                Vector128<float> squares3 = Vector128<float>.Zero;
                for (int i = 0; i < full; i += Lanes)
                {
                    squares0 = SquareAdd(Vector128.Load(row + i) - mean, squares0);
                    squares1 = SquareAdd(Vector128.Load(row + i + 4) - mean, squares1);
                    squares2 = SquareAdd(Vector128.Load(row + i + 8) - mean, squares2);
                    squares3 = SquareAdd(Vector128.Load(row + i + 12) - mean, squares3);
                }

                if (tail > 0)
                {
                    squares0 = SquareAdd(Vector128.ConditionalSelect(mask0, Vector128.Load(last) - mean, Vector128<float>.Zero), squares0);
                    squares1 = SquareAdd(Vector128.ConditionalSelect(mask1, Vector128.Load(last + 4) - mean, Vector128<float>.Zero), squares1);
                    squares2 = SquareAdd(Vector128.ConditionalSelect(mask2, Vector128.Load(last + 8) - mean, Vector128<float>.Zero), squares2);
                    squares3 = SquareAdd(Vector128.ConditionalSelect(mask3, Vector128.Load(last + 12) - mean, Vector128<float>.Zero), squares3);
                }

                float sumOfSquares = Fold(squares0, squares1, squares2, squares3);
                Vector128<float> sigma = Vector128.Create(StandardDeviation(sumOfSquares, features, weights.Epsilon));
                for (int i = 0; i < full; i += 4)
                {
                    Vector128.FusedMultiplyAdd((Vector128.Load(row + i) - mean) / sigma, Vector128.Load(weight + i), Vector128.Load(bias + i)).Store(row + i);
                }

                if (tail > 0)
                {
                    for (int i = 0; i < tail; i += 4)
                    {
                        Vector128.FusedMultiplyAdd((Vector128.Load(last + i) - mean) / sigma, Vector128.Load(weight + full + i), Vector128.Load(bias + full + i)).Store(last + i);
                    }

                    new Span<float>(last, tail).CopyTo(new Span<float>(row + full, tail));
                }
            }
        }
    }

    /// <summary>
    /// The canonical fold of 16 partial sums given as four quarters (lanes 0–3, 4–7, 8–11, 12–15): partial[j] +=
    /// partial[j + w] for w = 8, 4, 2, 1, i.e. <see cref="SoftmaxKernel.FoldPartialSums"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector128<float> q0, Vector128<float> q1, Vector128<float> q2, Vector128<float> q3)
    {
        Vector128<float> four = (q0 + q2) + (q1 + q3);
        return (four.GetElement(0) + four.GetElement(2)) + (four.GetElement(1) + four.GetElement(3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SquareAdd(Vector128<float> d, Vector128<float> partial) => Vector128.FusedMultiplyAdd(d, d, partial);

    /// <summary>√(Σd² / features + ε), the same scalar operations for every path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float StandardDeviation(float sumOfSquares, int features, float epsilon) => MathF.Sqrt((sumOfSquares / features) + epsilon);

    private static void CheckRows(Span<float> values, int features, LayerNormWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        if (features != weights.Features)
        {
            throw new ArgumentException($"The weights are for rows of {weights.Features} features, not {features}.", nameof(features));
        }

        if (values.Length % features != 0)
        {
            throw new ArgumentException($"Expected whole rows of {features} features, got {values.Length} values.", nameof(values));
        }
    }
}
