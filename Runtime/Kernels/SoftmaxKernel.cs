using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// Softmax over each row, in place, stable for logits of any size: e^(x − max) / Σ e^(x − max).
/// Exists for generated code, so it is hidden from IntelliSense and may change between versions.
/// </summary>
/// <remarks>
/// The canonical order that every path reproduces: the maximum by compare-and-select (NaN never becomes the
/// maximum, so a NaN input makes its row NaN through the sum, as in PyTorch); the sum in <see cref="Lanes"/>
/// = 16 partial sums, element i going to partial i mod 16 in increasing i, then folded pairwise
/// (partial[j] += partial[j + w] for w = 8, 4, 2, 1); each output divided (not multiplied by a reciprocal)
/// by the total. A 16-lane vector does this natively; the AVX2 path emulates those 16 lanes with two 8-lane
/// halves, the 128-bit path with four quarters. The vector paths find the maximum lane-wise and then across lanes, which can only differ from the
/// scalar order in the sign of a zero maximum; x − (+0) and x − (−0) are equal for every x ≠ ±0, and e^±0 = 1
/// exactly, so no output can tell them apart.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SoftmaxKernel
{
    /// <summary>Partial sums used for the total; fixed so that every path adds in the same order.</summary>
    internal const int Lanes = 16;

    /// <summary>Applies softmax to each row of <paramref name="features"/> values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(Span<float> values, int features)
    {
        if (VectorPaths.Vector512)
        {
            ApplyVector512(values, features);
        }
        else if (VectorPaths.Vector256)
        {
            ApplyVector256(values, features);
        }
        else if (VectorPaths.Vector128)
        {
            ApplyVector128(values, features);
        }
        else
        {
            ApplyScalar(values, features);
        }
    }

    /// <summary>The plain .NET path of <see cref="Apply"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ApplyScalar(Span<float> values, int features)
    {
        CheckRows(values, features);
        for (int start = 0; start < values.Length; start += features)
        {
            RowScalar(values.Slice(start, features));
        }
    }

    /// <summary>
    /// Rows of at most 16 features (a classifier's output): each row is one vector, loaded once and stored once,
    /// and the next row is loaded before this one is stored. The processor orders a masked store before any later
    /// load that its full 64 bytes overlap, so loading row r + 1 after storing row r would make every row wait
    /// for the one before (~40 ns a row, as much as a dense layer here); loaded first, the rows overlap. The
    /// arithmetic is the general loop's, so the results are the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowsInOneVector512(Span<float> values, int features)
    {
        Vector512<float> mask = DenseKernel.LaneMask512(features);
        Vector512<float> negativeInfinity = Vector512.Create(float.NegativeInfinity);
        fixed (float* start = values)
        {
            float* end = start + values.Length;
            // Masked-off lanes read −∞, which never wins the compare.
            Vector512<float> next = start < end ? Avx512F.MaskLoad(start, mask, negativeInfinity) : negativeInfinity;
            for (float* row = start; row < end; row += features)
            {
                Vector512<float> v = next;
                if (row + features < end)
                {
                    next = Avx512F.MaskLoad(row + features, mask, negativeInfinity);
                }

                Avx512F.MaskStore(row, mask, RowInRegister512(v, mask));
            }
        }
    }

    /// <summary>
    /// The fused epilogue of <see cref="DenseKernel.ForwardSoftmax{TShape}"/>: <paramref name="rows"/> accumulators of a
    /// layer of at most 16 outputs (one row each, lanes past the row zero), plus <paramref name="bias"/>, softmax,
    /// masked store to the rows of <paramref name="y"/>, <paramref name="features"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void FinishRows512(Vector512<float>* accumulators, int rows, float* bias, float* y, int features)
    {
        Vector512<float> mask = DenseKernel.LaneMask512(features);
        Vector512<float> b = Vector512.LoadAligned(bias);
        Vector512<float> negativeInfinity = Vector512.Create(float.NegativeInfinity);
        for (int r = 0; r < rows; r++)
        {
            Vector512<float> logits = Vector512.ConditionalSelect(mask, accumulators[r] + b, negativeInfinity);
            Avx512F.MaskStore(y + ((long)r * features), mask, RowInRegister512(logits, mask));
        }
    }

    /// <summary>
    /// Softmax of one row of at most 16 features held in a register: lanes where <paramref name="mask"/> is set
    /// are the row, the others must hold −∞ (they never win the maximum) and come out as +0. The arithmetic of
    /// the general AVX-512 loop, so the same bits; also the fused epilogue of <see cref="DenseKernel.ForwardSoftmax{TShape}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> RowInRegister512(Vector512<float> v, Vector512<float> mask)
    {
        Vector512<float> rowMax = Vector512.Create(MaxOfLanes(v.GetLower().GetLower(), v.GetLower().GetUpper(), v.GetUpper().GetLower(), v.GetUpper().GetUpper()));

        // Lanes past the row take e^0 rather than e^−∞ (whose subnormal intermediate costs a microcode
        // assist), then add +0, which leaves a partial sum (never −0) unchanged, as if never added.
        Vector512<float> exponent = Vector512.ConditionalSelect(mask, v, rowMax) - rowMax;
        Vector512<float> e = Vector512.ConditionalSelect(mask, ExpKernel.Exp(exponent), Vector512<float>.Zero);
        Vector256<float> eight = e.GetLower() + e.GetUpper();
        Vector128<float> four = eight.GetLower() + eight.GetUpper();
        float total = (four.GetElement(0) + four.GetElement(2)) + (four.GetElement(1) + four.GetElement(3));
        return e / Vector512.Create(total);
    }

    /// <summary>The AVX-512 path of <see cref="Apply"/>: one 16-lane vector is the 16 canonical partial sums.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX-512F.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyVector512(Span<float> values, int features)
    {
        ElementwiseKernel.RequireVector512();
        CheckRows(values, features);
        if (features <= Lanes)
        {
            RowsInOneVector512(values, features);
            return;
        }

        int full = features - (features % Lanes);
        Vector512<float> mask = DenseKernel.LaneMask512(features - full);
        Vector512<float> negativeInfinity = Vector512.Create(float.NegativeInfinity);
        fixed (float* start = values)
        {
            for (float* row = start, end = start + values.Length; row < end; row += features)
            {
                // Masked-off lanes read −∞, which never wins the compare.
                Vector512<float> max = negativeInfinity;
                int i = 0;
                for (; i < full; i += Lanes)
                {
                    Vector512<float> v = Vector512.Load(row + i);
                    max = Vector512.ConditionalSelect(Vector512.GreaterThan(v, max), v, max);
                }

                if (i < features)
                {
                    Vector512<float> v = Avx512F.MaskLoad(row + i, mask, negativeInfinity);
                    max = Vector512.ConditionalSelect(Vector512.GreaterThan(v, max), v, max);
                }

                Vector512<float> rowMax = Vector512.Create(MaxOfLanes(max.GetLower().GetLower(), max.GetLower().GetUpper(), max.GetUpper().GetLower(), max.GetUpper().GetUpper()));

                Vector512<float> sum = Vector512<float>.Zero;
                for (i = 0; i < full; i += Lanes)
                {
                    Vector512<float> e = ExpKernel.Exp(Vector512.Load(row + i) - rowMax);
                    e.Store(row + i);
                    sum += e;
                }

                if (i < features)
                {
                    // Lanes past the row add +0, which leaves a partial sum (never −0) unchanged, as if never added.
                    Vector512<float> e = ExpKernel.Exp(Avx512F.MaskLoad(row + i, mask, Vector512<float>.Zero) - rowMax);
                    e = Vector512.ConditionalSelect(mask, e, Vector512<float>.Zero);
                    Avx512F.MaskStore(row + i, mask, e);
                    sum += e;
                }

                // The canonical fold: partial[j] += partial[j + w] for w = 8, 4, 2, 1.
                Vector256<float> eight = sum.GetLower() + sum.GetUpper();
                Vector128<float> four = eight.GetLower() + eight.GetUpper();
                float total = (four.GetElement(0) + four.GetElement(2)) + (four.GetElement(1) + four.GetElement(3));

                Vector512<float> divisor = Vector512.Create(total);
                for (i = 0; i < full; i += Lanes)
                {
                    (Vector512.Load(row + i) / divisor).Store(row + i);
                }

                if (i < features)
                {
                    Avx512F.MaskStore(row + i, mask, Avx512F.MaskLoad(row + i, mask, Vector512<float>.One) / divisor);
                }
            }
        }
    }

    /// <summary>The AVX2 path of <see cref="Apply"/>: two 8-lane halves stand for the 16 canonical partial sums.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX2 or no FMA.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyVector256(Span<float> values, int features)
    {
        ElementwiseKernel.RequireVector256();
        CheckRows(values, features);
        int full = features - (features % Lanes);
        int tail = features - full;
        Vector256<float> lowMask = DenseKernel.LaneMask256(tail);
        Vector256<float> highMask = DenseKernel.LaneMask256(tail - 8);
        Vector256<float> negativeInfinity = Vector256.Create(float.NegativeInfinity);
        fixed (float* start = values)
        {
            for (float* row = start, end = start + values.Length; row < end; row += features)
            {
                Vector256<float> maxLow = negativeInfinity;
                Vector256<float> maxHigh = negativeInfinity;
                int i = 0;
                for (; i < full; i += Lanes)
                {
                    Vector256<float> low = Vector256.Load(row + i);
                    Vector256<float> high = Vector256.Load(row + i + 8);
                    maxLow = Vector256.ConditionalSelect(Vector256.GreaterThan(low, maxLow), low, maxLow);
                    maxHigh = Vector256.ConditionalSelect(Vector256.GreaterThan(high, maxHigh), high, maxHigh);
                }

                if (i < features)
                {
                    // vmaskmovps reads 0 in masked-off lanes; replace it with −∞, which never wins the compare.
                    Vector256<float> low = Vector256.ConditionalSelect(lowMask, Avx.MaskLoad(row + i, lowMask), negativeInfinity);
                    Vector256<float> high = Vector256.ConditionalSelect(highMask, Avx.MaskLoad(row + i + 8, highMask), negativeInfinity);
                    maxLow = Vector256.ConditionalSelect(Vector256.GreaterThan(low, maxLow), low, maxLow);
                    maxHigh = Vector256.ConditionalSelect(Vector256.GreaterThan(high, maxHigh), high, maxHigh);
                }

                Vector256<float> rowMax = Vector256.Create(MaxOfLanes(maxLow.GetLower(), maxLow.GetUpper(), maxHigh.GetLower(), maxHigh.GetUpper()));

                Vector256<float> sumLow = Vector256<float>.Zero;
                Vector256<float> sumHigh = Vector256<float>.Zero;
                for (i = 0; i < full; i += Lanes)
                {
                    Vector256<float> low = ExpKernel.Exp(Vector256.Load(row + i) - rowMax);
                    Vector256<float> high = ExpKernel.Exp(Vector256.Load(row + i + 8) - rowMax);
                    low.Store(row + i);
                    high.Store(row + i + 8);
                    sumLow += low;
                    sumHigh += high;
                }

                if (i < features)
                {
                    Vector256<float> low = ExpKernel.Exp(Avx.MaskLoad(row + i, lowMask) - rowMax);
                    Vector256<float> high = ExpKernel.Exp(Avx.MaskLoad(row + i + 8, highMask) - rowMax);
                    low = Vector256.ConditionalSelect(lowMask, low, Vector256<float>.Zero);
                    high = Vector256.ConditionalSelect(highMask, high, Vector256<float>.Zero);
                    Avx.MaskStore(row + i, lowMask, low);
                    Avx.MaskStore(row + i + 8, highMask, high);
                    sumLow += low;
                    sumHigh += high;
                }

                Vector256<float> eight = sumLow + sumHigh;
                Vector128<float> four = eight.GetLower() + eight.GetUpper();
                float total = (four.GetElement(0) + four.GetElement(2)) + (four.GetElement(1) + four.GetElement(3));

                Vector256<float> divisor = Vector256.Create(total);
                for (i = 0; i < full; i += Lanes)
                {
                    (Vector256.Load(row + i) / divisor).Store(row + i);
                    (Vector256.Load(row + i + 8) / divisor).Store(row + i + 8);
                }

                if (i < features)
                {
                    Avx.MaskStore(row + i, lowMask, Avx.MaskLoad(row + i, lowMask) / divisor);
                    Avx.MaskStore(row + i + 8, highMask, Avx.MaskLoad(row + i + 8, highMask) / divisor);
                }
            }
        }
    }

    /// <summary>
    /// The 128-bit path of <see cref="Apply"/> (ARM64 NEON, or x64 forced to 128 bits): four quarters stand for the 16
    /// canonical partial sums. Without masked loads in the portable API, a row's last partial group of 16 is copied to
    /// a buffer on the stack (−∞ past the row for the maximum, +0 for the sum), computed there and copied back.
    /// Callable on any processor (see <see cref="VectorPaths"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ApplyVector128(Span<float> values, int features)
    {
        CheckRows(values, features);
        int full = features - (features % Lanes);
        int tail = features - full;
        Vector128<int> lane = Vector128.Create(0, 1, 2, 3);
        Vector128<float> mask0 = Vector128.LessThan(lane, Vector128.Create(tail)).AsSingle();
        Vector128<float> mask1 = Vector128.LessThan(lane, Vector128.Create(tail - 4)).AsSingle();
        Vector128<float> mask2 = Vector128.LessThan(lane, Vector128.Create(tail - 8)).AsSingle();
        Vector128<float> mask3 = Vector128.LessThan(lane, Vector128.Create(tail - 12)).AsSingle();
        Vector128<float> negativeInfinity = Vector128.Create(float.NegativeInfinity);
        float* last = stackalloc float[Lanes];
        fixed (float* start = values)
        {
            for (float* row = start, end = start + values.Length; row < end; row += features)
            {
                Vector128<float> max0 = negativeInfinity, max1 = negativeInfinity, max2 = negativeInfinity, max3 = negativeInfinity;
                int i = 0;
                for (; i < full; i += Lanes)
                {
                    max0 = Max(Vector128.Load(row + i), max0);
                    max1 = Max(Vector128.Load(row + i + 4), max1);
                    max2 = Max(Vector128.Load(row + i + 8), max2);
                    max3 = Max(Vector128.Load(row + i + 12), max3);
                }

                if (tail > 0)
                {
                    // Lanes past the row read −∞, which never wins the compare.
                    new Span<float>(last, Lanes).Fill(float.NegativeInfinity);
                    new Span<float>(row + full, tail).CopyTo(new Span<float>(last, Lanes));
                    max0 = Max(Vector128.Load(last), max0);
                    max1 = Max(Vector128.Load(last + 4), max1);
                    max2 = Max(Vector128.Load(last + 8), max2);
                    max3 = Max(Vector128.Load(last + 12), max3);
                }

                Vector128<float> rowMax = Vector128.Create(MaxOfLanes(max0, max1, max2, max3));

                Vector128<float> sum0 = Vector128<float>.Zero, sum1 = Vector128<float>.Zero, sum2 = Vector128<float>.Zero, sum3 = Vector128<float>.Zero;
                for (i = 0; i < full; i += Lanes)
                {
                    sum0 += ExpStore(row + i, rowMax);
                    sum1 += ExpStore(row + i + 4, rowMax);
                    sum2 += ExpStore(row + i + 8, rowMax);
                    sum3 += ExpStore(row + i + 12, rowMax);
                }

                if (tail > 0)
                {
                    // Lanes past the row take e^0 rather than e^−∞ (as the AVX-512 path does), then add +0, which
                    // leaves a partial sum (never −0) unchanged, as if never added.
                    new Span<float>(last, Lanes).Clear();
                    new Span<float>(row + full, tail).CopyTo(new Span<float>(last, Lanes));
                    sum0 += ExpStoreMasked(last, rowMax, mask0);
                    sum1 += ExpStoreMasked(last + 4, rowMax, mask1);
                    sum2 += ExpStoreMasked(last + 8, rowMax, mask2);
                    sum3 += ExpStoreMasked(last + 12, rowMax, mask3);
                }

                // The canonical fold: partial[j] += partial[j + w] for w = 8, 4, 2, 1.
                Vector128<float> four = (sum0 + sum2) + (sum1 + sum3);
                float total = (four.GetElement(0) + four.GetElement(2)) + (four.GetElement(1) + four.GetElement(3));

                Vector128<float> divisor = Vector128.Create(total);
                for (i = 0; i < full; i += 4)
                {
                    (Vector128.Load(row + i) / divisor).Store(row + i);
                }

                if (tail > 0)
                {
                    for (i = 0; i < tail; i += 4)
                    {
                        (Vector128.Load(last + i) / divisor).Store(last + i);
                    }

                    new Span<float>(last, tail).CopyTo(new Span<float>(row + full, tail));
                }
            }
        }

        static Vector128<float> Max(Vector128<float> v, Vector128<float> max) => Vector128.ConditionalSelect(Vector128.GreaterThan(v, max), v, max);

        static Vector128<float> ExpStore(float* at, Vector128<float> rowMax)
        {
            Vector128<float> e = ExpKernel.Exp(Vector128.Load(at) - rowMax);
            e.Store(at);
            return e;
        }

        static Vector128<float> ExpStoreMasked(float* at, Vector128<float> rowMax, Vector128<float> mask)
        {
            Vector128<float> e = Vector128.ConditionalSelect(mask, ExpKernel.Exp(Vector128.ConditionalSelect(mask, Vector128.Load(at), rowMax) - rowMax), Vector128<float>.Zero);
            e.Store(at);
            return e;
        }
    }

    /// <summary>The largest of 16 lane maxima (given as four quarters), by the same compare-and-select.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxOfLanes(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
    {
        Vector128<float> ab = Vector128.ConditionalSelect(Vector128.GreaterThan(b, a), b, a);
        Vector128<float> cd = Vector128.ConditionalSelect(Vector128.GreaterThan(d, c), d, c);
        Vector128<float> four = Vector128.ConditionalSelect(Vector128.GreaterThan(cd, ab), cd, ab);

        // The last three compares as shuffles and selects rather than scalar ?: (which the JIT makes branches,
        // mispredicted half the time on real logits): lane 0 becomes x = max(e1 over e0), lane 2 y = max(e3 over
        // e2), then lane 0 y over x, the same compare in the same order.
        Vector128<float> swapped = Vector128.Shuffle(four, Vector128.Create(1, 0, 3, 2));
        Vector128<float> pairs = Vector128.ConditionalSelect(Vector128.GreaterThan(swapped, four), swapped, four);
        Vector128<float> high = Vector128.Shuffle(pairs, Vector128.Create(2, 3, 0, 1));
        return Vector128.ConditionalSelect(Vector128.GreaterThan(high, pairs), high, pairs).ToScalar();
    }

    internal static void RowScalar(Span<float> row)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < row.Length; i++)
        {
            max = row[i] > max ? row[i] : max;
        }

        Span<float> partial = stackalloc float[Lanes];
        partial.Clear();
        for (int i = 0; i < row.Length; i++)
        {
            float e = ExpKernel.Exp(row[i] - max);
            row[i] = e;
            partial[i % Lanes] += e;
        }

        float total = FoldPartialSums(partial);
        for (int i = 0; i < row.Length; i++)
        {
            row[i] /= total;
        }
    }

    /// <summary>partial[j] += partial[j + w] for w = 8, 4, 2, 1; returns partial[0].</summary>
    internal static float FoldPartialSums(Span<float> partial)
    {
        for (int width = Lanes / 2; width >= 1; width /= 2)
        {
            for (int j = 0; j < width; j++)
            {
                partial[j] += partial[j + width];
            }
        }

        return partial[0];
    }

    internal static void CheckRows(Span<float> values, int features)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        if (values.Length % features != 0)
        {
            throw new ArgumentException($"Expected whole rows of {features} features, got {values.Length} values.", nameof(values));
        }
    }
}
