using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

// The AVX2 + FMA path: the structure of the AVX-512 path with a 16-wide panel held as two ymm halves. Each
// lane still performs the canonical scalar sequence (one FMA per k, in input order), so the bits match.
public static partial class DenseKernel
{
    // Rows in a throughput block: 6 rows × 1 panel = 12 ymm accumulators + 2 weight halves + 1 broadcast =
    // 15 of the 16 ymm registers AVX2 has. 12 independent chains cover the FMA latency (4 cycles × 2 pipes).
    private const int RowsPerBlock256 = 6;

    /// <summary>The AVX2 + FMA path; <see cref="Forward{TShape, TActivation}"/> picks it when 512-bit vectors are not accelerated.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX2 or no FMA.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardVector256<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        if (!Avx2.IsSupported || !Fma.IsSupported)
        {
            throw new PlatformNotSupportedException("The AVX2 dense kernel needs AVX2 and FMA.");
        }

        Check<TShape>(input, output, rows, weights);
        fixed (float* x = input)
        fixed (float* y = output)
        fixed (float* next = upcoming)
        {
            if (rows == 1)
            {
                MatrixVector256<TShape, TActivation>(x, y, weights.Weights, weights.Bias, 0, PanelCount<TShape>());
            }
            else if (rows > 1)
            {
                float* afterLast = UpcomingBlock(next, upcoming.Length, RowsPerBlock256, TShape.Inputs);
                MatrixMatrix256<TShape, TActivation>(x, y, rows, weights.Weights, weights.Bias, afterLast);
            }
        }
    }

    /// <summary>One row: panels [<paramref name="first"/>, <paramref name="end"/>), up to 4 at a time.</summary>
    private static unsafe void MatrixVector256<TShape, TActivation>(float* x, float* y, float* weights, float* bias, int first, int end)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int panel = first;
        for (; panel + 4 <= end; panel += 4)
        {
            SingleRow256<TShape, TActivation, Block4>(x, y, weights, bias, panel);
        }

        switch (end - panel)
        {
            case 1: SingleRow256<TShape, TActivation, Block1>(x, y, weights, bias, panel); break;
            case 2: SingleRow256<TShape, TActivation, Block2>(x, y, weights, bias, panel); break;
            case 3: SingleRow256<TShape, TActivation, Block3>(x, y, weights, bias, panel); break;
            default: break;
        }
    }

    /// <summary>
    /// Two or more rows: blocks of 6 rows × 1 panel, tile by tile and panel by panel; then the last rows % 6 in blocks
    /// shaped for them, or, for a layer too large for L2, with the last tile every 4 panels, while those panels'
    /// weights are still in cache (as on the AVX-512 path). Each block of 6 rows prefetches the input of the next
    /// (the last one <paramref name="afterLast"/>, when not null).
    /// </summary>
    private static unsafe void MatrixMatrix256<TShape, TActivation>(float* x, float* y, int rows, float* weights, float* bias, float* afterLast)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int panelCount = PanelCount<TShape>();
        int blockedRows = rows - (rows % RowsPerBlock256);
        int lastRows = rows - blockedRows;
        float* xLast = x + ((long)blockedRows * k);
        float* yLast = y + ((long)blockedRows * n);
        bool lastRowsAlong = OutgrowsL2<TShape>() && blockedRows > 0;
        int tileRows = Math.Max(RowsPerBlock256, RowTileFloats / k / RowsPerBlock256 * RowsPerBlock256);
        for (int tile = 0; tile < blockedRows; tile += tileRows)
        {
            int tileEnd = Math.Min(blockedRows, tile + tileRows);
            for (int panel = 0; panel < panelCount; panel++)
            {
                for (int row = tile; row < tileEnd; row += RowsPerBlock256)
                {
                    float* xRow = x + ((long)row * k);
                    float* ahead = PrefetchTarget(xRow, row, RowsPerBlock256, blockedRows, k, afterLast);
                    Block256<TShape, TActivation, Block6, Block1>(xRow, y + ((long)row * n), weights, bias, panel, ahead);
                }

                // The last rows every 4 panels: a panel at a time would leave a single row with 2 accumulator chains.
                if (lastRowsAlong && tileEnd == blockedRows && (panel % 4 == 3 || panel == panelCount - 1))
                {
                    LastRows256<TShape, TActivation>(xLast, yLast, lastRows, weights, bias, panel - (panel % 4), panel + 1);
                }
            }
        }

        if (!lastRowsAlong)
        {
            LastRows256<TShape, TActivation>(xLast, yLast, lastRows, weights, bias, 0, panelCount);
        }
    }

    /// <summary>The last rows % 6 (0–5) of a batch, panels [<paramref name="first"/>, <paramref name="end"/>).</summary>
    private static unsafe void LastRows256<TShape, TActivation>(float* x, float* y, int rows, float* weights, float* bias, int first, int end)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        switch (rows)
        {
            case 1: MatrixVector256<TShape, TActivation>(x, y, weights, bias, first, end); break;
            case 2: TwoRows256<TShape, TActivation>(x, y, weights, bias, first, end); break;
            case 3: AllPanels256<TShape, TActivation, Block3>(x, y, weights, bias, first, end); break;
            case 4: AllPanels256<TShape, TActivation, Block4>(x, y, weights, bias, first, end); break;
            case 5: AllPanels256<TShape, TActivation, Block5>(x, y, weights, bias, first, end); break;
            default: break;
        }
    }

    /// <summary><typeparamref name="TRows"/> rows (3–5), panels [<paramref name="first"/>, <paramref name="end"/>) one at a time.</summary>
    private static unsafe void AllPanels256<TShape, TActivation, TRows>(float* x, float* y, float* weights, float* bias, int first, int end)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        for (int panel = first; panel < end; panel++)
        {
            Block256<TShape, TActivation, TRows, Block1>(x, y, weights, bias, panel, null);
        }
    }

    /// <summary>Two rows, panels [<paramref name="first"/>, <paramref name="end"/>) 2 at a time: 8 accumulator chains.</summary>
    private static unsafe void TwoRows256<TShape, TActivation>(float* x, float* y, float* weights, float* bias, int first, int end)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int panel = first;
        for (; panel + 2 <= end; panel += 2)
        {
            Block256<TShape, TActivation, Block2, Block2>(x, y, weights, bias, panel, null);
        }

        if (panel < end)
        {
            Block256<TShape, TActivation, Block2, Block1>(x, y, weights, bias, panel, null);
        }
    }

    /// <summary>
    /// Epilogue of one panel held as two halves: bias, activation, and a store of the 16 outputs of panel
    /// <paramref name="panel"/> of a row; only the valid lanes of a partial last panel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Finish256<TShape, TActivation>(Vector256<float> low, Vector256<float> high, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int offset = panel * DenseWeights.PanelWidth;
        Vector256<float> lowValue = TActivation.Apply(low + Vector256.LoadAligned(bias + offset));
        Vector256<float> highValue = TActivation.Apply(high + Vector256.LoadAligned(bias + offset + 8));
        int valid = TShape.Outputs - offset;
        if (TShape.Outputs % DenseWeights.PanelWidth != 0 && valid < DenseWeights.PanelWidth)
        {
            // Rows are packed N apart: the lanes past N belong to the next row (or lie past the span).
            if (valid >= 8)
            {
                lowValue.Store(row + offset);
                Avx.MaskStore(row + offset + 8, LaneMask256(valid - 8), highValue);
            }
            else
            {
                Avx.MaskStore(row + offset, LaneMask256(valid), lowValue);
            }
        }
        else
        {
            lowValue.Store(row + offset);
            highValue.Store(row + offset + 8);
        }
    }

    /// <summary>All-ones in lanes 0 .. <paramref name="count"/> − 1, zero elsewhere (as vmaskmovps reads it: by sign bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> LaneMask256(int count)
        => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();

    /// <summary>
    /// <typeparamref name="TRows"/> rows × <typeparamref name="TPanels"/> panels of outputs, each 16-wide panel held as two ymm
    /// accumulators (low and high 8 lanes) for the whole K loop.
    /// </summary>
    /// <remarks>
    /// 2 × rows × panels ≤ 12 accumulators plus the panel weights and the broadcast fit the 16 ymm registers of
    /// AVX2. Branches on <c>rows</c> and <c>panels</c> are on JIT-time constants and vanish from the compiled loop.
    /// A full block of 6 rows also prefetches 6 × K floats from <paramref name="ahead"/>; other blocks ignore it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block256<TShape, TActivation, TRows, TPanels>(float* x, float* y, float* weights, float* bias, int panel, float* ahead)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
        where TPanels : struct, IBlockConstant
    {
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int rows = TRows.Value;
        int panels = TPanels.Value;
        long panelStride = (long)k * DenseWeights.PanelWidth;
        Vector256<float> a00L = default, a00H = default, a01L = default, a01H = default;
        Vector256<float> a10L = default, a10H = default, a11L = default, a11H = default;
        Vector256<float> a20L = default, a20H = default, a21L = default, a21H = default;
        Vector256<float> a30L = default, a30H = default, a31L = default, a31H = default;
        Vector256<float> a40L = default, a40H = default, a41L = default, a41H = default;
        Vector256<float> a50L = default, a50H = default, a51L = default, a51H = default;

        float* w = weights + (panel * panelStride);
        float* xEnd = x + k;
        for (float* xk = x; xk < xEnd; xk++, w += DenseWeights.PanelWidth)
        {
            if (rows == RowsPerBlock256)
            {
                // 6 × K floats of the next rows' input into L2, 6 a step (see the AVX-512 block).
                Sse.Prefetch1(ahead);
                ahead += RowsPerBlock256;
            }

            Vector256<float> w0L = Vector256.LoadAligned(w);
            Vector256<float> w0H = Vector256.LoadAligned(w + 8);
            Vector256<float> w1L = panels > 1 ? Vector256.LoadAligned(w + (1 * panelStride)) : default;
            Vector256<float> w1H = panels > 1 ? Vector256.LoadAligned(w + (1 * panelStride) + 8) : default;

            Vector256<float> x0 = Vector256.Create(xk[0]);
            a00L = Vector256.FusedMultiplyAdd(x0, w0L, a00L);
            a00H = Vector256.FusedMultiplyAdd(x0, w0H, a00H);
            if (panels > 1)
            {
                a01L = Vector256.FusedMultiplyAdd(x0, w1L, a01L);
                a01H = Vector256.FusedMultiplyAdd(x0, w1H, a01H);
            }

            if (rows > 1)
            {
                Vector256<float> x1 = Vector256.Create(xk[k]);
                a10L = Vector256.FusedMultiplyAdd(x1, w0L, a10L);
                a10H = Vector256.FusedMultiplyAdd(x1, w0H, a10H);
                if (panels > 1)
                {
                    a11L = Vector256.FusedMultiplyAdd(x1, w1L, a11L);
                    a11H = Vector256.FusedMultiplyAdd(x1, w1H, a11H);
                }
            }

            if (rows > 2)
            {
                Vector256<float> x2 = Vector256.Create(xk[2 * k]);
                a20L = Vector256.FusedMultiplyAdd(x2, w0L, a20L);
                a20H = Vector256.FusedMultiplyAdd(x2, w0H, a20H);
                if (panels > 1)
                {
                    a21L = Vector256.FusedMultiplyAdd(x2, w1L, a21L);
                    a21H = Vector256.FusedMultiplyAdd(x2, w1H, a21H);
                }
            }

            if (rows > 3)
            {
                Vector256<float> x3 = Vector256.Create(xk[3 * k]);
                a30L = Vector256.FusedMultiplyAdd(x3, w0L, a30L);
                a30H = Vector256.FusedMultiplyAdd(x3, w0H, a30H);
                if (panels > 1)
                {
                    a31L = Vector256.FusedMultiplyAdd(x3, w1L, a31L);
                    a31H = Vector256.FusedMultiplyAdd(x3, w1H, a31H);
                }
            }

            if (rows > 4)
            {
                Vector256<float> x4 = Vector256.Create(xk[4 * k]);
                a40L = Vector256.FusedMultiplyAdd(x4, w0L, a40L);
                a40H = Vector256.FusedMultiplyAdd(x4, w0H, a40H);
                if (panels > 1)
                {
                    a41L = Vector256.FusedMultiplyAdd(x4, w1L, a41L);
                    a41H = Vector256.FusedMultiplyAdd(x4, w1H, a41H);
                }
            }

            if (rows > 5)
            {
                Vector256<float> x5 = Vector256.Create(xk[5 * k]);
                a50L = Vector256.FusedMultiplyAdd(x5, w0L, a50L);
                a50H = Vector256.FusedMultiplyAdd(x5, w0H, a50H);
                if (panels > 1)
                {
                    a51L = Vector256.FusedMultiplyAdd(x5, w1L, a51L);
                    a51H = Vector256.FusedMultiplyAdd(x5, w1H, a51H);
                }
            }
        }

        Finish256<TShape, TActivation>(a00L, a00H, bias, y, panel);
        if (panels > 1) { Finish256<TShape, TActivation>(a01L, a01H, bias, y, panel + 1); }

        if (rows > 1)
        {
            Finish256<TShape, TActivation>(a10L, a10H, bias, y + n, panel);
            if (panels > 1) { Finish256<TShape, TActivation>(a11L, a11H, bias, y + n, panel + 1); }
        }

        if (rows > 2)
        {
            Finish256<TShape, TActivation>(a20L, a20H, bias, y + (2 * n), panel);
            if (panels > 1) { Finish256<TShape, TActivation>(a21L, a21H, bias, y + (2 * n), panel + 1); }
        }

        if (rows > 3)
        {
            Finish256<TShape, TActivation>(a30L, a30H, bias, y + (3 * n), panel);
            if (panels > 1) { Finish256<TShape, TActivation>(a31L, a31H, bias, y + (3 * n), panel + 1); }
        }

        if (rows > 4)
        {
            Finish256<TShape, TActivation>(a40L, a40H, bias, y + (4 * n), panel);
            if (panels > 1) { Finish256<TShape, TActivation>(a41L, a41H, bias, y + (4 * n), panel + 1); }
        }

        if (rows > 5)
        {
            Finish256<TShape, TActivation>(a50L, a50H, bias, y + (5 * n), panel);
            if (panels > 1) { Finish256<TShape, TActivation>(a51L, a51H, bias, y + (5 * n), panel + 1); }
        }
    }

    /// <summary>
    /// One row × <typeparamref name="TPanels"/> panels (up to 4): the matrix–vector product, 8 independent ymm
    /// accumulator chains, each weight read straight into its FMA.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SingleRow256<TShape, TActivation, TPanels>(float* x, float* y, float* weights, float* bias, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TPanels : struct, IBlockConstant
    {
        int k = TShape.Inputs;
        int panels = TPanels.Value;
        long panelStride = (long)k * DenseWeights.PanelWidth;
        Vector256<float> a0L = default, a0H = default, a1L = default, a1H = default;
        Vector256<float> a2L = default, a2H = default, a3L = default, a3H = default;

        float* w = weights + (panel * panelStride);
        float* xEnd = x + k;
        for (float* xk = x; xk < xEnd; xk++, w += DenseWeights.PanelWidth)
        {
            Vector256<float> xb = Vector256.Create(xk[0]);
            a0L = Vector256.FusedMultiplyAdd(xb, Vector256.LoadAligned(w), a0L);
            a0H = Vector256.FusedMultiplyAdd(xb, Vector256.LoadAligned(w + 8), a0H);
            if (panels > 1)
            {
                a1L = Vector256.FusedMultiplyAdd(xb, Vector256.LoadAligned(w + (1 * panelStride)), a1L);
                a1H = Vector256.FusedMultiplyAdd(xb, Vector256.LoadAligned(w + (1 * panelStride) + 8), a1H);
            }
            if (panels > 2)
            {
                a2L = Vector256.FusedMultiplyAdd(xb, Vector256.LoadAligned(w + (2 * panelStride)), a2L);
                a2H = Vector256.FusedMultiplyAdd(xb, Vector256.LoadAligned(w + (2 * panelStride) + 8), a2H);
            }
            if (panels > 3)
            {
                a3L = Vector256.FusedMultiplyAdd(xb, Vector256.LoadAligned(w + (3 * panelStride)), a3L);
                a3H = Vector256.FusedMultiplyAdd(xb, Vector256.LoadAligned(w + (3 * panelStride) + 8), a3H);
            }
        }

        Finish256<TShape, TActivation>(a0L, a0H, bias, y, panel);
        if (panels > 1) { Finish256<TShape, TActivation>(a1L, a1H, bias, y, panel + 1); }
        if (panels > 2) { Finish256<TShape, TActivation>(a2L, a2H, bias, y, panel + 2); }
        if (panels > 3) { Finish256<TShape, TActivation>(a3L, a3H, bias, y, panel + 3); }
    }
}
