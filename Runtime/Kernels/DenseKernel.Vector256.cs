using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

// The AVX2 + FMA path: the structure of the AVX-512 path (DenseKernel.Vector512.cs: the same methods, in the same
// order, with the same comments), with a 16-wide panel held as two ymm halves and register blocks sized for 16 ymm
// registers. Each lane still performs the canonical scalar sequence (one FMA per k, in input order), so the bits
// match. Only the AVX-512 path has PanelRange512 (ParallelColumns runs there) and Panels512 (its column blocks
// have 1–3 panels; here they have 1).
public static partial class DenseKernel
{
    /// <summary>The AVX2 + FMA path; <see cref="Forward{TShape, TActivation}"/> picks it when 512-bit vectors are not accelerated.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX2 or no FMA.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardVector256<TFormat, TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TFormat : struct, IWeightFormat
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
                MatrixVector256<TFormat, TShape, TActivation>(x, y, weights.PackedPanels, weights.Bias, 0, PanelCount<TShape>());
            }
            else if (rows > 1)
            {
                float* afterLast = UpcomingBlock(next, upcoming.Length, KernelTuning.RowBlock256, TShape.Inputs);
                MatrixMatrix256<TFormat, TShape, TActivation>(x, y, rows, weights.PackedPanels, weights.Bias, afterLast);
            }
        }
    }

    /// <summary>
    /// One row: panels [<paramref name="first"/>, <paramref name="end"/>), <see cref="KernelTuning.SingleRowPanels"/> at a
    /// time, then the rest in one block shaped for them.
    /// </summary>
    private static unsafe void MatrixVector256<TFormat, TShape, TActivation>(float* x, float* y, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int panel = first;
        for (; panel + KernelTuning.SingleRowPanels <= end; panel += KernelTuning.SingleRowPanels)
        {
            SingleRow256<TFormat, TShape, TActivation, Block4>(x, y, weights, bias, panel);
        }

        switch (end - panel)
        {
            case 1: SingleRow256<TFormat, TShape, TActivation, Block1>(x, y, weights, bias, panel); break;
            case 2: SingleRow256<TFormat, TShape, TActivation, Block2>(x, y, weights, bias, panel); break;
            case 3: SingleRow256<TFormat, TShape, TActivation, Block3>(x, y, weights, bias, panel); break;
            default: break;
        }
    }

    /// <summary>
    /// Two or more rows: blocks of 6 rows, tile by tile, each tile swept one column block (1 panel) at a
    /// time; then the last rows % 6 in blocks shaped for them. Each block of 6 rows prefetches the input of the
    /// next (the last one <paramref name="afterLast"/>, when not null), so that input read from memory arrives while
    /// the block before it computes.
    /// </summary>
    /// <remarks>
    /// The last rows sweep the weights again: from L2 for a layer that fits there, cheaply and with the kernels best
    /// shaped for a few rows. A layer too large for L2 would be read from L3 twice, so there the last rows go through
    /// the column blocks with the last tile, every 4 panels (a panel at a time would leave a single row with 2
    /// accumulator chains), while their weights are still in cache. (AVX2, batch 7 of a 1024-wide network: 53–54 →
    /// 44–45 µs.)
    /// </remarks>
    private static unsafe void MatrixMatrix256<TFormat, TShape, TActivation>(float* x, float* y, int rows, byte* weights, float* bias, float* afterLast)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int panelCount = PanelCount<TShape>();
        int blockedRows = rows - (rows % KernelTuning.RowBlock256);
        int lastRows = rows - blockedRows;
        float* xLast = x + ((long)blockedRows * k);
        float* yLast = y + ((long)blockedRows * n);
        bool lastRowsAlong = OutgrowsL2<TFormat, TShape>() && blockedRows > 0;
        int tileRows = Math.Max(KernelTuning.RowBlock256, KernelTuning.InputTileFloats / k / KernelTuning.RowBlock256 * KernelTuning.RowBlock256);
        for (int tile = 0; tile < blockedRows; tile += tileRows)
        {
            int tileEnd = Math.Min(blockedRows, tile + tileRows);
            for (int panel = 0; panel < panelCount; panel++)
            {
                for (int row = tile; row < tileEnd; row += KernelTuning.RowBlock256)
                {
                    float* xRow = x + ((long)row * k);
                    float* ahead = PrefetchTarget(xRow, row, KernelTuning.RowBlock256, blockedRows, k, afterLast);
                    Block256<TFormat, TShape, TActivation, Block6, Block1>(xRow, y + ((long)row * n), weights, bias, panel, ahead);
                }

                if (lastRowsAlong && tileEnd == blockedRows && (panel % 4 == 3 || panel == panelCount - 1))
                {
                    LastRows256<TFormat, TShape, TActivation>(xLast, yLast, lastRows, weights, bias, panel - (panel % 4), panel + 1);
                }
            }
        }

        if (!lastRowsAlong)
        {
            LastRows256<TFormat, TShape, TActivation>(xLast, yLast, lastRows, weights, bias, 0, panelCount);
        }
    }

    /// <summary>The last rows % 6 (0–5) of a batch, panels [<paramref name="first"/>, <paramref name="end"/>).</summary>
    private static unsafe void LastRows256<TFormat, TShape, TActivation>(float* x, float* y, int rows, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        switch (rows)
        {
            case 1: MatrixVector256<TFormat, TShape, TActivation>(x, y, weights, bias, first, end); break;
            case 2: TwoRows256<TFormat, TShape, TActivation>(x, y, weights, bias, first, end); break;
            case 3: AllPanels256<TFormat, TShape, TActivation, Block3>(x, y, weights, bias, first, end); break;
            case 4: AllPanels256<TFormat, TShape, TActivation, Block4>(x, y, weights, bias, first, end); break;
            case 5: AllPanels256<TFormat, TShape, TActivation, Block5>(x, y, weights, bias, first, end); break;
            default: break;
        }
    }

    /// <summary><typeparamref name="TRows"/> rows, panels [<paramref name="first"/>, <paramref name="end"/>).</summary>
    private static unsafe void AllPanels256<TFormat, TShape, TActivation, TRows>(float* x, float* y, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        for (int panel = first; panel < end; panel++)
        {
            Block256<TFormat, TShape, TActivation, TRows, Block1>(x, y, weights, bias, panel, null);
        }
    }

    /// <summary>Two rows, panels [<paramref name="first"/>, <paramref name="end"/>) 2 at a time: 8 accumulator chains, enough to keep both FMA pipes busy.</summary>
    private static unsafe void TwoRows256<TFormat, TShape, TActivation>(float* x, float* y, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int panel = first;
        for (; panel + 2 <= end; panel += 2)
        {
            Block256<TFormat, TShape, TActivation, Block2, Block2>(x, y, weights, bias, panel, null);
        }

        if (panel < end)
        {
            Block256<TFormat, TShape, TActivation, Block2, Block1>(x, y, weights, bias, panel, null);
        }
    }

    /// <summary>All-ones in lanes 0 .. <paramref name="count"/> − 1, zero elsewhere (vmaskmovps reads the sign bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> LaneMask256(int count)
        => Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();

    /// <summary>
    /// <typeparamref name="TRows"/> rows × <typeparamref name="TPanels"/> panels of outputs, each accumulator held in
    /// two ymm registers (low and high 8 lanes) for the whole K loop. Per k: two loads per panel
    /// (<see cref="IWeightFormat.Load256"/>), one broadcast per row, 2 × rows × panels FMAs; then the format's epilogue
    /// (<see cref="IWeightFormat.Finish256{TShape, TActivation}"/>).
    /// </summary>
    /// <remarks>
    /// 2 × rows × panels stays ≤ 12 (plus ≤ 4 panel halves and the broadcast: ≤ 16 registers). Branches on
    /// <c>rows</c> and <c>panels</c> are on JIT-time constants and vanish from the compiled loop.
    /// A full block of 6 rows also prefetches, into L2, 6 × K floats from <paramref name="ahead"/>: 6 a step,
    /// one instruction a step. Other blocks ignore it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block256<TFormat, TShape, TActivation, TRows, TPanels>(float* x, float* y, byte* weights, float* bias, int panel, float* ahead)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
        where TPanels : struct, IBlockConstant
    {
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int rows = TRows.Value;
        int panels = TPanels.Value;
        int step = TFormat.StepBytes;
        long panelStride = (long)k * step;
        Vector256<float> a00L = default, a00H = default, a01L = default, a01H = default;
        Vector256<float> a10L = default, a10H = default, a11L = default, a11H = default;
        Vector256<float> a20L = default, a20H = default, a21L = default, a21H = default;
        Vector256<float> a30L = default, a30H = default, a31L = default, a31H = default;
        Vector256<float> a40L = default, a40H = default, a41L = default, a41H = default;
        Vector256<float> a50L = default, a50H = default, a51L = default, a51H = default;

        byte* w = weights + (panel * panelStride);
        float* xEnd = x + k;
        int perIteration = StepPart.InputsPerIteration<TFormat>();
        for (float* xk = x; xk < xEnd; xk += perIteration, w += perIteration * step)
        {
            if (rows == KernelTuning.RowBlock256)
            {
                Sse.Prefetch1(ahead);
                ahead += KernelTuning.RowBlock256 * perIteration;
            }

            // Loads as statements, not as arms of a conditional expression (see the AVX-512 block).
            int part = StepPart.First<TFormat, TShape>(xk, xEnd);
            Vector256<float> w0L = TFormat.Load256(w, 0, part);
            Vector256<float> w0H = TFormat.Load256(w, 1, part);
            Vector256<float> w1L = default, w1H = default;
            if (panels > 1) { w1L = TFormat.Load256(w + (1 * panelStride), 0, part); }
            if (panels > 1) { w1H = TFormat.Load256(w + (1 * panelStride), 1, part); }

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

            if (part == StepPart.Low)
            {
                // A format that pairs inputs: the double step's second input (see the AVX-512 block).
                w0L = TFormat.Load256(w, 0, StepPart.High);
                w0H = TFormat.Load256(w, 1, StepPart.High);
                if (panels > 1) { w1L = TFormat.Load256(w + (1 * panelStride), 0, StepPart.High); }
                if (panels > 1) { w1H = TFormat.Load256(w + (1 * panelStride), 1, StepPart.High); }

                Vector256<float> second0 = Vector256.Create(xk[1]);
                a00L = Vector256.FusedMultiplyAdd(second0, w0L, a00L);
                a00H = Vector256.FusedMultiplyAdd(second0, w0H, a00H);
                if (panels > 1)
                {
                    a01L = Vector256.FusedMultiplyAdd(second0, w1L, a01L);
                    a01H = Vector256.FusedMultiplyAdd(second0, w1H, a01H);
                }

                if (rows > 1)
                {
                    Vector256<float> second1 = Vector256.Create(xk[k + 1]);
                    a10L = Vector256.FusedMultiplyAdd(second1, w0L, a10L);
                    a10H = Vector256.FusedMultiplyAdd(second1, w0H, a10H);
                    if (panels > 1)
                    {
                        a11L = Vector256.FusedMultiplyAdd(second1, w1L, a11L);
                        a11H = Vector256.FusedMultiplyAdd(second1, w1H, a11H);
                    }
                }

                if (rows > 2)
                {
                    Vector256<float> second2 = Vector256.Create(xk[2 * k + 1]);
                    a20L = Vector256.FusedMultiplyAdd(second2, w0L, a20L);
                    a20H = Vector256.FusedMultiplyAdd(second2, w0H, a20H);
                    if (panels > 1)
                    {
                        a21L = Vector256.FusedMultiplyAdd(second2, w1L, a21L);
                        a21H = Vector256.FusedMultiplyAdd(second2, w1H, a21H);
                    }
                }

                if (rows > 3)
                {
                    Vector256<float> second3 = Vector256.Create(xk[3 * k + 1]);
                    a30L = Vector256.FusedMultiplyAdd(second3, w0L, a30L);
                    a30H = Vector256.FusedMultiplyAdd(second3, w0H, a30H);
                    if (panels > 1)
                    {
                        a31L = Vector256.FusedMultiplyAdd(second3, w1L, a31L);
                        a31H = Vector256.FusedMultiplyAdd(second3, w1H, a31H);
                    }
                }

                if (rows > 4)
                {
                    Vector256<float> second4 = Vector256.Create(xk[4 * k + 1]);
                    a40L = Vector256.FusedMultiplyAdd(second4, w0L, a40L);
                    a40H = Vector256.FusedMultiplyAdd(second4, w0H, a40H);
                    if (panels > 1)
                    {
                        a41L = Vector256.FusedMultiplyAdd(second4, w1L, a41L);
                        a41H = Vector256.FusedMultiplyAdd(second4, w1H, a41H);
                    }
                }

                if (rows > 5)
                {
                    Vector256<float> second5 = Vector256.Create(xk[5 * k + 1]);
                    a50L = Vector256.FusedMultiplyAdd(second5, w0L, a50L);
                    a50H = Vector256.FusedMultiplyAdd(second5, w0H, a50H);
                    if (panels > 1)
                    {
                        a51L = Vector256.FusedMultiplyAdd(second5, w1L, a51L);
                        a51H = Vector256.FusedMultiplyAdd(second5, w1H, a51H);
                    }
                }
            }
        }

        TFormat.Finish256<TShape, TActivation>(a00L, a00H, bias, y, panel);
        if (panels > 1) { TFormat.Finish256<TShape, TActivation>(a01L, a01H, bias, y, panel + 1); }

        if (rows > 1)
        {
            TFormat.Finish256<TShape, TActivation>(a10L, a10H, bias, y + n, panel);
            if (panels > 1) { TFormat.Finish256<TShape, TActivation>(a11L, a11H, bias, y + n, panel + 1); }
        }

        if (rows > 2)
        {
            TFormat.Finish256<TShape, TActivation>(a20L, a20H, bias, y + (2 * n), panel);
            if (panels > 1) { TFormat.Finish256<TShape, TActivation>(a21L, a21H, bias, y + (2 * n), panel + 1); }
        }

        if (rows > 3)
        {
            TFormat.Finish256<TShape, TActivation>(a30L, a30H, bias, y + (3 * n), panel);
            if (panels > 1) { TFormat.Finish256<TShape, TActivation>(a31L, a31H, bias, y + (3 * n), panel + 1); }
        }

        if (rows > 4)
        {
            TFormat.Finish256<TShape, TActivation>(a40L, a40H, bias, y + (4 * n), panel);
            if (panels > 1) { TFormat.Finish256<TShape, TActivation>(a41L, a41H, bias, y + (4 * n), panel + 1); }
        }

        if (rows > 5)
        {
            TFormat.Finish256<TShape, TActivation>(a50L, a50H, bias, y + (5 * n), panel);
            if (panels > 1) { TFormat.Finish256<TShape, TActivation>(a51L, a51H, bias, y + (5 * n), panel + 1); }
        }
    }

    /// <summary>
    /// One row × <typeparamref name="TPanels"/> panels (up to 4): the matrix–vector product. Each weight is used once,
    /// so it goes straight from memory into the FMA; the independent accumulators (up to 8 ymm chains) hide the FMA
    /// latency while the panels stream from cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SingleRow256<TFormat, TShape, TActivation, TPanels>(float* x, float* y, byte* weights, float* bias, int panel)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TPanels : struct, IBlockConstant
    {
        int k = TShape.Inputs;
        int panels = TPanels.Value;
        int step = TFormat.StepBytes;
        long panelStride = (long)k * step;
        Vector256<float> a0L = default, a0H = default, a1L = default, a1H = default;
        Vector256<float> a2L = default, a2H = default, a3L = default, a3H = default;

        byte* w = weights + (panel * panelStride);
        float* xEnd = x + k;
        int perIteration = StepPart.InputsPerIteration<TFormat>();
        for (float* xk = x; xk < xEnd; xk += perIteration, w += perIteration * step)
        {
            int part = StepPart.First<TFormat, TShape>(xk, xEnd);
            Vector256<float> xb = Vector256.Create(xk[0]);
            a0L = Vector256.FusedMultiplyAdd(xb, TFormat.Load256(w, 0, part), a0L);
            a0H = Vector256.FusedMultiplyAdd(xb, TFormat.Load256(w, 1, part), a0H);
            if (panels > 1)
            {
                a1L = Vector256.FusedMultiplyAdd(xb, TFormat.Load256(w + (1 * panelStride), 0, part), a1L);
                a1H = Vector256.FusedMultiplyAdd(xb, TFormat.Load256(w + (1 * panelStride), 1, part), a1H);
            }
            if (panels > 2)
            {
                a2L = Vector256.FusedMultiplyAdd(xb, TFormat.Load256(w + (2 * panelStride), 0, part), a2L);
                a2H = Vector256.FusedMultiplyAdd(xb, TFormat.Load256(w + (2 * panelStride), 1, part), a2H);
            }
            if (panels > 3)
            {
                a3L = Vector256.FusedMultiplyAdd(xb, TFormat.Load256(w + (3 * panelStride), 0, part), a3L);
                a3H = Vector256.FusedMultiplyAdd(xb, TFormat.Load256(w + (3 * panelStride), 1, part), a3H);
            }
            if (part == StepPart.Low)
            {
                // A format that pairs inputs: the double step's second input, from the same bytes, FMAs after the first's.
                Vector256<float> xb1 = Vector256.Create(xk[1]);
                a0L = Vector256.FusedMultiplyAdd(xb1, TFormat.Load256(w, 0, StepPart.High), a0L);
                a0H = Vector256.FusedMultiplyAdd(xb1, TFormat.Load256(w, 1, StepPart.High), a0H);
                if (panels > 1)
                {
                    a1L = Vector256.FusedMultiplyAdd(xb1, TFormat.Load256(w + (1 * panelStride), 0, StepPart.High), a1L);
                    a1H = Vector256.FusedMultiplyAdd(xb1, TFormat.Load256(w + (1 * panelStride), 1, StepPart.High), a1H);
                }
                if (panels > 2)
                {
                    a2L = Vector256.FusedMultiplyAdd(xb1, TFormat.Load256(w + (2 * panelStride), 0, StepPart.High), a2L);
                    a2H = Vector256.FusedMultiplyAdd(xb1, TFormat.Load256(w + (2 * panelStride), 1, StepPart.High), a2H);
                }
                if (panels > 3)
                {
                    a3L = Vector256.FusedMultiplyAdd(xb1, TFormat.Load256(w + (3 * panelStride), 0, StepPart.High), a3L);
                    a3H = Vector256.FusedMultiplyAdd(xb1, TFormat.Load256(w + (3 * panelStride), 1, StepPart.High), a3H);
                }
            }
        }

        TFormat.Finish256<TShape, TActivation>(a0L, a0H, bias, y, panel);
        if (panels > 1) { TFormat.Finish256<TShape, TActivation>(a1L, a1H, bias, y, panel + 1); }
        if (panels > 2) { TFormat.Finish256<TShape, TActivation>(a2L, a2H, bias, y, panel + 2); }
        if (panels > 3) { TFormat.Finish256<TShape, TActivation>(a3L, a3H, bias, y, panel + 3); }
    }
}
