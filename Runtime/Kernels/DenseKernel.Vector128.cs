using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

// The 128-bit path: ARM64 NEON, and x64 with FMA when .NET prefers 128-bit vectors. The structure of the AVX2 path
// (DenseKernel.Vector256.cs: the same methods, in the same order), with a 16-wide panel held as four 4-lane quarters.
// Each lane still performs the canonical scalar sequence (one FMA per k, in input order), so the bits match every
// other path. The register blocks differ by architecture, decided by AdvSimd.IsSupported (a JIT-time constant):
// ARM64 has 32 vector registers and holds a whole panel for 6 rows (24 accumulators); x64 has 16 and takes a panel in
// two halves of 2 quarters (12 accumulators). Blocking only decides which accumulators live at once, never a sum.
public static partial class DenseKernel
{
    /// <summary>
    /// The 128-bit path; <see cref="Forward{TShape, TActivation}"/> picks it on ARM64, and on x64 when 256-bit vectors
    /// are not accelerated but FMA is (<c>DOTNET_PreferredVectorBitWidth=128</c>). It runs, with the same bits, on any
    /// processor (the tests call it directly), but is fast only with FMA in hardware (see <see cref="VectorPaths"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardVector128<TFormat, TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        Check<TShape>(input, output, rows, weights);
        fixed (float* x = input)
        fixed (float* y = output)
        fixed (float* next = upcoming)
        {
            if (rows == 1)
            {
                MatrixVector128<TFormat, TShape, TActivation>(x, y, weights.PackedPanels, weights.Bias, 0, PanelCount<TShape>());
            }
            else if (rows > 1)
            {
                float* afterLast = UpcomingBlock(next, upcoming.Length, KernelTuning.RowBlock128, TShape.Inputs);
                MatrixMatrix128<TFormat, TShape, TActivation>(x, y, rows, weights.PackedPanels, weights.Bias, afterLast);
            }
        }
    }

    /// <summary>
    /// One row: panels [<paramref name="first"/>, <paramref name="end"/>), 4 at a time on ARM64 (16 accumulators of
    /// its 32 registers) and 2 on x64 (8 of 16), then the rest.
    /// </summary>
    private static unsafe void MatrixVector128<TFormat, TShape, TActivation>(float* x, float* y, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int panel = first;
        if (AdvSimd.IsSupported)
        {
            for (; panel + KernelTuning.SingleRowPanels <= end; panel += KernelTuning.SingleRowPanels)
            {
                SingleRow128<TFormat, TShape, TActivation, Block4>(x, y, weights, bias, panel);
            }
        }

        for (; panel + 2 <= end; panel += 2)
        {
            SingleRow128<TFormat, TShape, TActivation, Block2>(x, y, weights, bias, panel);
        }

        if (panel < end)
        {
            SingleRow128<TFormat, TShape, TActivation, Block1>(x, y, weights, bias, panel);
        }
    }

    /// <summary>
    /// Two or more rows: blocks of 6 rows, tile by tile, each tile swept one panel at a time; then the last rows % 6
    /// in blocks shaped for them, as the AVX2 path does (and, for a layer too large for L2, with the last tile every 4
    /// panels). On x64 each block of 6 rows prefetches the input of the next (the last one
    /// <paramref name="afterLast"/>, when not null); .NET has no prefetch instruction for ARM64.
    /// </summary>
    private static unsafe void MatrixMatrix128<TFormat, TShape, TActivation>(float* x, float* y, int rows, byte* weights, float* bias, float* afterLast)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int panelCount = PanelCount<TShape>();
        int blockedRows = rows - (rows % KernelTuning.RowBlock128);
        int lastRows = rows - blockedRows;
        float* xLast = x + ((long)blockedRows * k);
        float* yLast = y + ((long)blockedRows * n);
        bool lastRowsAlong = OutgrowsL2<TFormat, TShape>() && blockedRows > 0;
        int tileRows = Math.Max(KernelTuning.RowBlock128, KernelTuning.InputTileFloats / k / KernelTuning.RowBlock128 * KernelTuning.RowBlock128);
        for (int tile = 0; tile < blockedRows; tile += tileRows)
        {
            int tileEnd = Math.Min(blockedRows, tile + tileRows);
            for (int panel = 0; panel < panelCount; panel++)
            {
                for (int row = tile; row < tileEnd; row += KernelTuning.RowBlock128)
                {
                    float* xRow = x + ((long)row * k);
                    float* ahead = PrefetchTarget(xRow, row, KernelTuning.RowBlock128, blockedRows, k, afterLast);
                    Panel128<TFormat, TShape, TActivation, Block6>(xRow, y + ((long)row * n), weights, bias, panel, ahead);
                }

                if (lastRowsAlong && tileEnd == blockedRows && (panel % 4 == 3 || panel == panelCount - 1))
                {
                    LastRows128<TFormat, TShape, TActivation>(xLast, yLast, lastRows, weights, bias, panel - (panel % 4), panel + 1);
                }
            }
        }

        if (!lastRowsAlong)
        {
            LastRows128<TFormat, TShape, TActivation>(xLast, yLast, lastRows, weights, bias, 0, panelCount);
        }
    }

    /// <summary>The last rows % 6 (0–5) of a batch, panels [<paramref name="first"/>, <paramref name="end"/>).</summary>
    private static unsafe void LastRows128<TFormat, TShape, TActivation>(float* x, float* y, int rows, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        switch (rows)
        {
            case 1: MatrixVector128<TFormat, TShape, TActivation>(x, y, weights, bias, first, end); break;
            case 2: AllPanels128<TFormat, TShape, TActivation, Block2>(x, y, weights, bias, first, end); break;
            case 3: AllPanels128<TFormat, TShape, TActivation, Block3>(x, y, weights, bias, first, end); break;
            case 4: AllPanels128<TFormat, TShape, TActivation, Block4>(x, y, weights, bias, first, end); break;
            case 5: AllPanels128<TFormat, TShape, TActivation, Block5>(x, y, weights, bias, first, end); break;
            default: break;
        }
    }

    /// <summary><typeparamref name="TRows"/> rows, panels [<paramref name="first"/>, <paramref name="end"/>).</summary>
    private static unsafe void AllPanels128<TFormat, TShape, TActivation, TRows>(float* x, float* y, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        for (int panel = first; panel < end; panel++)
        {
            Panel128<TFormat, TShape, TActivation, TRows>(x, y, weights, bias, panel, null);
        }
    }

    /// <summary>
    /// <typeparamref name="TRows"/> rows × one panel: the whole panel in one block where the registers hold it (ARM64;
    /// on x64 up to 2 rows: 8 accumulators + 4 weight quarters), otherwise in two blocks of 2 quarters each, the second
    /// skipped when it lies wholly past N.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Panel128<TFormat, TShape, TActivation, TRows>(float* x, float* y, byte* weights, float* bias, int panel, float* ahead)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        if (AdvSimd.IsSupported || TRows.Value <= 2)
        {
            Block128<TFormat, TShape, TActivation, TRows, Block0, Block4>(x, y, weights, bias, panel, ahead);
        }
        else
        {
            Block128<TFormat, TShape, TActivation, TRows, Block0, Block2>(x, y, weights, bias, panel, ahead);
            if (TShape.Outputs % DenseWeights.PanelWidth == 0 || (panel * DenseWeights.PanelWidth) + 8 < TShape.Outputs)
            {
                Block128<TFormat, TShape, TActivation, TRows, Block2, Block2>(x, y, weights, bias, panel, ahead);
            }
        }
    }

    /// <summary>
    /// <typeparamref name="TRows"/> rows × <typeparamref name="TQuarters"/> quarters of one panel, from quarter
    /// <typeparamref name="TFirstQuarter"/> on, each accumulator held in one register for the whole K loop. Per k: one
    /// load per quarter (<see cref="IWeightFormat.Load128"/>), one broadcast per row, rows × quarters FMAs; then the
    /// format's epilogue (<see cref="IWeightFormat.Finish128{TShape, TActivation}"/>).
    /// </summary>
    /// <remarks>
    /// Rows × quarters stays ≤ 24 on ARM64 (plus 4 quarters and the broadcast: 29 of 32 registers) and ≤ 12 on x64
    /// (plus 2 and the broadcast: 15 of 16); see <see cref="KernelTuning.RowBlock128"/>. Branches on the type
    /// arguments are on JIT-time constants and vanish from the compiled loop. On x64 a full block of 6 rows also
    /// prefetches, into L2, 6 × K floats from <paramref name="ahead"/>, 6 a step; other blocks ignore it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block128<TFormat, TShape, TActivation, TRows, TFirstQuarter, TQuarters>(float* x, float* y, byte* weights, float* bias, int panel, float* ahead)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
        where TFirstQuarter : struct, IBlockConstant
        where TQuarters : struct, IBlockConstant
    {
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int rows = TRows.Value;
        int q = TFirstQuarter.Value;
        int quarters = TQuarters.Value;
        int step = TFormat.StepBytes;
        long panelStride = (long)k * step;
        Vector128<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector128<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector128<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector128<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector128<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector128<float> a50 = default, a51 = default, a52 = default, a53 = default;

        byte* w = weights + (panel * panelStride);
        float* xEnd = x + k;
        int perIteration = StepPart.InputsPerIteration<TFormat>();
        for (float* xk = x; xk < xEnd; xk += perIteration, w += perIteration * step)
        {
            if (Sse.IsSupported && rows == KernelTuning.RowBlock128)
            {
                Sse.Prefetch1(ahead);
                ahead += KernelTuning.RowBlock128 * perIteration;
            }

            // Loads as statements, not as arms of a conditional expression (see the AVX-512 block).
            int part = StepPart.First<TFormat, TShape>(xk, xEnd);
            Vector128<float> w0 = TFormat.Load128(w, q, part);
            Vector128<float> w1 = default, w2 = default, w3 = default;
            if (quarters > 1) { w1 = TFormat.Load128(w, q + 1, part); }
            if (quarters > 2) { w2 = TFormat.Load128(w, q + 2, part); }
            if (quarters > 3) { w3 = TFormat.Load128(w, q + 3, part); }

            Vector128<float> x0 = Vector128.Create(xk[0]);
            a00 = Vector128.FusedMultiplyAdd(x0, w0, a00);
            if (quarters > 1) { a01 = Vector128.FusedMultiplyAdd(x0, w1, a01); }
            if (quarters > 2) { a02 = Vector128.FusedMultiplyAdd(x0, w2, a02); }
            if (quarters > 3) { a03 = Vector128.FusedMultiplyAdd(x0, w3, a03); }

            if (rows > 1)
            {
                Vector128<float> x1 = Vector128.Create(xk[k]);
                a10 = Vector128.FusedMultiplyAdd(x1, w0, a10);
                if (quarters > 1) { a11 = Vector128.FusedMultiplyAdd(x1, w1, a11); }
                if (quarters > 2) { a12 = Vector128.FusedMultiplyAdd(x1, w2, a12); }
                if (quarters > 3) { a13 = Vector128.FusedMultiplyAdd(x1, w3, a13); }
            }

            if (rows > 2)
            {
                Vector128<float> x2 = Vector128.Create(xk[2 * k]);
                a20 = Vector128.FusedMultiplyAdd(x2, w0, a20);
                if (quarters > 1) { a21 = Vector128.FusedMultiplyAdd(x2, w1, a21); }
                if (quarters > 2) { a22 = Vector128.FusedMultiplyAdd(x2, w2, a22); }
                if (quarters > 3) { a23 = Vector128.FusedMultiplyAdd(x2, w3, a23); }
            }

            if (rows > 3)
            {
                Vector128<float> x3 = Vector128.Create(xk[3 * k]);
                a30 = Vector128.FusedMultiplyAdd(x3, w0, a30);
                if (quarters > 1) { a31 = Vector128.FusedMultiplyAdd(x3, w1, a31); }
                if (quarters > 2) { a32 = Vector128.FusedMultiplyAdd(x3, w2, a32); }
                if (quarters > 3) { a33 = Vector128.FusedMultiplyAdd(x3, w3, a33); }
            }

            if (rows > 4)
            {
                Vector128<float> x4 = Vector128.Create(xk[4 * k]);
                a40 = Vector128.FusedMultiplyAdd(x4, w0, a40);
                if (quarters > 1) { a41 = Vector128.FusedMultiplyAdd(x4, w1, a41); }
                if (quarters > 2) { a42 = Vector128.FusedMultiplyAdd(x4, w2, a42); }
                if (quarters > 3) { a43 = Vector128.FusedMultiplyAdd(x4, w3, a43); }
            }

            if (rows > 5)
            {
                Vector128<float> x5 = Vector128.Create(xk[5 * k]);
                a50 = Vector128.FusedMultiplyAdd(x5, w0, a50);
                if (quarters > 1) { a51 = Vector128.FusedMultiplyAdd(x5, w1, a51); }
                if (quarters > 2) { a52 = Vector128.FusedMultiplyAdd(x5, w2, a52); }
                if (quarters > 3) { a53 = Vector128.FusedMultiplyAdd(x5, w3, a53); }
            }

            if (part == StepPart.Low)
            {
                // A format that pairs inputs: the double step's second input (see the AVX-512 block).
                w0 = TFormat.Load128(w, q, StepPart.High);
                if (quarters > 1) { w1 = TFormat.Load128(w, q + 1, StepPart.High); }
                if (quarters > 2) { w2 = TFormat.Load128(w, q + 2, StepPart.High); }
                if (quarters > 3) { w3 = TFormat.Load128(w, q + 3, StepPart.High); }

                Vector128<float> second0 = Vector128.Create(xk[1]);
                a00 = Vector128.FusedMultiplyAdd(second0, w0, a00);
                if (quarters > 1) { a01 = Vector128.FusedMultiplyAdd(second0, w1, a01); }
                if (quarters > 2) { a02 = Vector128.FusedMultiplyAdd(second0, w2, a02); }
                if (quarters > 3) { a03 = Vector128.FusedMultiplyAdd(second0, w3, a03); }

                if (rows > 1)
                {
                    Vector128<float> second1 = Vector128.Create(xk[k + 1]);
                    a10 = Vector128.FusedMultiplyAdd(second1, w0, a10);
                    if (quarters > 1) { a11 = Vector128.FusedMultiplyAdd(second1, w1, a11); }
                    if (quarters > 2) { a12 = Vector128.FusedMultiplyAdd(second1, w2, a12); }
                    if (quarters > 3) { a13 = Vector128.FusedMultiplyAdd(second1, w3, a13); }
                }

                if (rows > 2)
                {
                    Vector128<float> second2 = Vector128.Create(xk[2 * k + 1]);
                    a20 = Vector128.FusedMultiplyAdd(second2, w0, a20);
                    if (quarters > 1) { a21 = Vector128.FusedMultiplyAdd(second2, w1, a21); }
                    if (quarters > 2) { a22 = Vector128.FusedMultiplyAdd(second2, w2, a22); }
                    if (quarters > 3) { a23 = Vector128.FusedMultiplyAdd(second2, w3, a23); }
                }

                if (rows > 3)
                {
                    Vector128<float> second3 = Vector128.Create(xk[3 * k + 1]);
                    a30 = Vector128.FusedMultiplyAdd(second3, w0, a30);
                    if (quarters > 1) { a31 = Vector128.FusedMultiplyAdd(second3, w1, a31); }
                    if (quarters > 2) { a32 = Vector128.FusedMultiplyAdd(second3, w2, a32); }
                    if (quarters > 3) { a33 = Vector128.FusedMultiplyAdd(second3, w3, a33); }
                }

                if (rows > 4)
                {
                    Vector128<float> second4 = Vector128.Create(xk[4 * k + 1]);
                    a40 = Vector128.FusedMultiplyAdd(second4, w0, a40);
                    if (quarters > 1) { a41 = Vector128.FusedMultiplyAdd(second4, w1, a41); }
                    if (quarters > 2) { a42 = Vector128.FusedMultiplyAdd(second4, w2, a42); }
                    if (quarters > 3) { a43 = Vector128.FusedMultiplyAdd(second4, w3, a43); }
                }

                if (rows > 5)
                {
                    Vector128<float> second5 = Vector128.Create(xk[5 * k + 1]);
                    a50 = Vector128.FusedMultiplyAdd(second5, w0, a50);
                    if (quarters > 1) { a51 = Vector128.FusedMultiplyAdd(second5, w1, a51); }
                    if (quarters > 2) { a52 = Vector128.FusedMultiplyAdd(second5, w2, a52); }
                    if (quarters > 3) { a53 = Vector128.FusedMultiplyAdd(second5, w3, a53); }
                }
            }
        }

        FinishRow128<TFormat, TShape, TActivation, TFirstQuarter, TQuarters>(a00, a01, a02, a03, bias, y, panel);
        if (rows > 1) { FinishRow128<TFormat, TShape, TActivation, TFirstQuarter, TQuarters>(a10, a11, a12, a13, bias, y + n, panel); }
        if (rows > 2) { FinishRow128<TFormat, TShape, TActivation, TFirstQuarter, TQuarters>(a20, a21, a22, a23, bias, y + (2 * n), panel); }
        if (rows > 3) { FinishRow128<TFormat, TShape, TActivation, TFirstQuarter, TQuarters>(a30, a31, a32, a33, bias, y + (3 * n), panel); }
        if (rows > 4) { FinishRow128<TFormat, TShape, TActivation, TFirstQuarter, TQuarters>(a40, a41, a42, a43, bias, y + (4 * n), panel); }
        if (rows > 5) { FinishRow128<TFormat, TShape, TActivation, TFirstQuarter, TQuarters>(a50, a51, a52, a53, bias, y + (5 * n), panel); }
    }

    /// <summary>The epilogue of one row's <typeparamref name="TQuarters"/> accumulators, from quarter <typeparamref name="TFirstQuarter"/> of <paramref name="panel"/> on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void FinishRow128<TFormat, TShape, TActivation, TFirstQuarter, TQuarters>(
        Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3, float* bias, float* y, int panel)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TFirstQuarter : struct, IBlockConstant
        where TQuarters : struct, IBlockConstant
    {
        int q = TFirstQuarter.Value;
        TFormat.Finish128<TShape, TActivation>(a0, bias, y, panel, q);
        if (TQuarters.Value > 1) { TFormat.Finish128<TShape, TActivation>(a1, bias, y, panel, q + 1); }
        if (TQuarters.Value > 2) { TFormat.Finish128<TShape, TActivation>(a2, bias, y, panel, q + 2); }
        if (TQuarters.Value > 3) { TFormat.Finish128<TShape, TActivation>(a3, bias, y, panel, q + 3); }
    }

    /// <summary>
    /// One row × <typeparamref name="TPanels"/> panels (up to 4): the matrix–vector product. Each weight is used once,
    /// so it goes straight from memory into the FMA; the 4 × panels independent accumulators hide the FMA latency while
    /// the panels stream from cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SingleRow128<TFormat, TShape, TActivation, TPanels>(float* x, float* y, byte* weights, float* bias, int panel)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TPanels : struct, IBlockConstant
    {
        int k = TShape.Inputs;
        int panels = TPanels.Value;
        int step = TFormat.StepBytes;
        long panelStride = (long)k * step;
        Vector128<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector128<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector128<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector128<float> a30 = default, a31 = default, a32 = default, a33 = default;

        byte* w = weights + (panel * panelStride);
        float* xEnd = x + k;
        int perIteration = StepPart.InputsPerIteration<TFormat>();
        for (float* xk = x; xk < xEnd; xk += perIteration, w += perIteration * step)
        {
            int part = StepPart.First<TFormat, TShape>(xk, xEnd);
            Vector128<float> xb = Vector128.Create(xk[0]);
            a00 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w, 0, part), a00);
            a01 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w, 1, part), a01);
            a02 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w, 2, part), a02);
            a03 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w, 3, part), a03);
            if (panels > 1)
            {
                byte* w1 = w + (1 * panelStride);
                a10 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w1, 0, part), a10);
                a11 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w1, 1, part), a11);
                a12 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w1, 2, part), a12);
                a13 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w1, 3, part), a13);
            }

            if (panels > 2)
            {
                byte* w2 = w + (2 * panelStride);
                a20 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w2, 0, part), a20);
                a21 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w2, 1, part), a21);
                a22 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w2, 2, part), a22);
                a23 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w2, 3, part), a23);
            }

            if (panels > 3)
            {
                byte* w3 = w + (3 * panelStride);
                a30 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w3, 0, part), a30);
                a31 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w3, 1, part), a31);
                a32 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w3, 2, part), a32);
                a33 = Vector128.FusedMultiplyAdd(xb, TFormat.Load128(w3, 3, part), a33);
            }

            if (part == StepPart.Low)
            {
                // A format that pairs inputs: the double step's second input, from the same bytes, FMAs after the first's.
                Vector128<float> xb1 = Vector128.Create(xk[1]);
                a00 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(w, 0, StepPart.High), a00);
                a01 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(w, 1, StepPart.High), a01);
                a02 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(w, 2, StepPart.High), a02);
                a03 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(w, 3, StepPart.High), a03);
                if (panels > 1)
                {
                    byte* h1 = w + (1 * panelStride);
                    a10 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h1, 0, StepPart.High), a10);
                    a11 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h1, 1, StepPart.High), a11);
                    a12 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h1, 2, StepPart.High), a12);
                    a13 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h1, 3, StepPart.High), a13);
                }

                if (panels > 2)
                {
                    byte* h2 = w + (2 * panelStride);
                    a20 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h2, 0, StepPart.High), a20);
                    a21 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h2, 1, StepPart.High), a21);
                    a22 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h2, 2, StepPart.High), a22);
                    a23 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h2, 3, StepPart.High), a23);
                }

                if (panels > 3)
                {
                    byte* h3 = w + (3 * panelStride);
                    a30 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h3, 0, StepPart.High), a30);
                    a31 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h3, 1, StepPart.High), a31);
                    a32 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h3, 2, StepPart.High), a32);
                    a33 = Vector128.FusedMultiplyAdd(xb1, TFormat.Load128(h3, 3, StepPart.High), a33);
                }
            }
        }

        FinishRow128<TFormat, TShape, TActivation, Block0, Block4>(a00, a01, a02, a03, bias, y, panel);
        if (panels > 1) { FinishRow128<TFormat, TShape, TActivation, Block0, Block4>(a10, a11, a12, a13, bias, y, panel + 1); }
        if (panels > 2) { FinishRow128<TFormat, TShape, TActivation, Block0, Block4>(a20, a21, a22, a23, bias, y, panel + 2); }
        if (panels > 3) { FinishRow128<TFormat, TShape, TActivation, Block0, Block4>(a30, a31, a32, a33, bias, y, panel + 3); }
    }
}
