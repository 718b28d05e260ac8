using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

// The AVX-512 path. Each output keeps its own accumulator, updated once per k in input order with one
// FMA, so every lane performs exactly the canonical scalar sequence; the speed comes only from keeping many
// such accumulators (rows × panels) in the 32 zmm registers at once and reusing each loaded weight vector
// across all rows of a block and each broadcast input across all panels of a block.
public static partial class DenseKernel
{
    /// <summary>The AVX-512 path; <see cref="Forward{TShape, TActivation}"/> picks it when 512-bit vectors are accelerated.</summary>
    /// <exception cref="PlatformNotSupportedException">The processor has no AVX-512F.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardVector512<TFormat, TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        if (!Avx512F.IsSupported)
        {
            throw new PlatformNotSupportedException("The AVX-512 dense kernel needs AVX-512F.");
        }

        Check<TShape>(input, output, rows, weights);
        fixed (float* x = input)
        fixed (float* y = output)
        fixed (float* next = upcoming)
        {
            if ((OutgrowsL2<TFormat, TShape>() || ParallelColumns.WorthSplittingInL2<TFormat, TShape>())
                && rows is > 0 and <= ParallelColumns.MaximumRows && ParallelColumns.Splits(OutgrowsL2<TFormat, TShape>())
                && ParallelColumns.TryForward<TFormat, TShape, TActivation>(x, y, rows, weights))
            {
                // ForwardParallel with a few rows: this layer's panels were shared among the cores.
                return;
            }

            if (rows == 1)
            {
                MatrixVector512<TFormat, TShape, TActivation>(x, y, weights.PackedPanels, weights.Bias, 0, PanelCount<TShape>());
            }
            else if (rows > 1)
            {
                float* afterLast = UpcomingBlock(next, upcoming.Length, KernelTuning.RowBlock512, TShape.Inputs);
                MatrixMatrix512<TFormat, TShape, TActivation>(x, y, rows, weights.PackedPanels, weights.Bias, afterLast);
            }
        }
    }

    /// <summary>
    /// <typeparamref name="TRows"/> rows (1–8), panels [<paramref name="first"/>, <paramref name="end"/>) only: a core's
    /// share of a layer in <see cref="ParallelColumns"/>, computed by the same routines as a whole layer's single row,
    /// block of 8 rows or last rows % 8. (AVX-512 only: <see cref="ParallelColumns"/> runs only on this path.)
    /// </summary>
    internal static unsafe void PanelRange512<TFormat, TShape, TActivation, TRows>(float* x, float* y, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        if (TRows.Value == 1)
        {
            MatrixVector512<TFormat, TShape, TActivation>(x, y, weights, bias, first, end);
        }
        else
        {
            // A block of 8 rows prefetches some input as it goes: here its own, already in cache (there is no next block).
            AllPanels512<TFormat, TShape, TActivation, TRows>(x, y, weights, bias, first, end, ahead: x);
        }
    }

    /// <summary>
    /// One row: panels [<paramref name="first"/>, <paramref name="end"/>), <see cref="KernelTuning.SingleRowPanels"/> at a
    /// time, then the rest in one block shaped for them.
    /// </summary>
    private static unsafe void MatrixVector512<TFormat, TShape, TActivation>(float* x, float* y, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int panel = first;
        if (TFormat.PairsInputs)
        {
            // A pair is two FMAs in a row on each accumulator: with 4 panels, FMA latency (4 chains, 4 cycles) would
            // bound the loop as tightly as its instructions do; 8 chains leave the instructions as the only bound.
            for (; panel + (2 * KernelTuning.SingleRowPanels) <= end; panel += 2 * KernelTuning.SingleRowPanels)
            {
                SingleRow512<TFormat, TShape, TActivation, Block8>(x, y, weights, bias, panel);
            }
        }

        for (; panel + KernelTuning.SingleRowPanels <= end; panel += KernelTuning.SingleRowPanels)
        {
            SingleRow512<TFormat, TShape, TActivation, Block4>(x, y, weights, bias, panel);
        }

        switch (end - panel)
        {
            case 1: SingleRow512<TFormat, TShape, TActivation, Block1>(x, y, weights, bias, panel); break;
            case 2: SingleRow512<TFormat, TShape, TActivation, Block2>(x, y, weights, bias, panel); break;
            case 3: SingleRow512<TFormat, TShape, TActivation, Block3>(x, y, weights, bias, panel); break;
            default: break;
        }
    }

    /// <summary>
    /// Two or more rows: blocks of 8 rows, tile by tile, each tile swept one column block (≤ 3 panels) at a
    /// time; then the last rows % 8 in blocks shaped for them. Each block of 8 rows prefetches the input of the
    /// next (the last one <paramref name="afterLast"/>, when not null), so that input read from memory arrives while
    /// the block before it computes.
    /// </summary>
    /// <remarks>
    /// The last rows sweep the weights again: from L2 for a layer that fits there, cheaply and with the kernels best
    /// shaped for a few rows. A layer too large for L2 would be read from L3 twice (a 1024-wide network's batch of 9
    /// took 1.3× as long per row as 8 rows), so there the last rows go through each column block with the last
    /// tile, while its weights are still in cache. (In L2 that costs more than it saves: a lone row in 3-panel
    /// blocks has only 3 accumulator chains; MNIST's batch 9 took 1.26× batch 64's time per row, 1.09–1.18× without.)
    /// </remarks>
    private static unsafe void MatrixMatrix512<TFormat, TShape, TActivation>(float* x, float* y, int rows, byte* weights, float* bias, float* afterLast)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        if (WidensColumnBlocks<TFormat, TShape>() && rows >= 2 * KernelTuning.RowBlock512)
        {
            // A narrow format's column block, widened once to float32 for every 8-row block of a tile: native memory (a
            // caller's thread may have a small stack), 64-byte aligned, freed before returning.
            byte* widened = (byte*)NativeMemory.AlignedAlloc((nuint)WidenedBlockBytes<TShape>(), 64);
            try
            {
                MatrixMatrix512<TFormat, TShape, TActivation>(x, y, rows, weights, bias, afterLast, widened);
            }
            finally
            {
                NativeMemory.AlignedFree(widened);
            }

            return;
        }

        MatrixMatrix512<TFormat, TShape, TActivation>(x, y, rows, weights, bias, afterLast, widened: null);
    }

    /// <summary>
    /// <see cref="MatrixMatrix512{TFormat, TShape, TActivation}(float*, float*, int, byte*, float*, float*)"/>; with
    /// <paramref name="widened"/> (room for one column block as float32), each column block of a narrow format is widened
    /// there once and read as float32 by every 8-row block of the tile.
    /// </summary>
    private static unsafe void MatrixMatrix512<TFormat, TShape, TActivation>(float* x, float* y, int rows, byte* weights, float* bias, float* afterLast, byte* widened)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int panelCount = PanelCount<TShape>();
        int blockedRows = rows - (rows % KernelTuning.RowBlock512);
        int lastRows = rows - blockedRows;
        float* xLast = x + ((long)blockedRows * k);
        float* yLast = y + ((long)blockedRows * n);
        bool lastRowsAlong = OutgrowsL2<TFormat, TShape>() && blockedRows > 0;
        int tileRows = Math.Max(KernelTuning.RowBlock512, KernelTuning.InputTileFloats / k / KernelTuning.RowBlock512 * KernelTuning.RowBlock512);
        long widenedStride = (long)k * WidenedWeights<TFormat>.StepBytes;
        for (int tile = 0; tile < blockedRows; tile += tileRows)
        {
            int tileEnd = Math.Min(blockedRows, tile + tileRows);
            int chunk;
            for (int panel = 0; panel < panelCount; panel += chunk)
            {
                chunk = PanelChunk(panelCount - panel);
                if (WidensColumnBlocks<TFormat, TShape>() && widened != null)
                {
                    WidenPanels<TFormat, TShape>(weights, panel, chunk, widened);

                    // Block512 finds panel p at weights + p × stride: this base puts panel `panel` at the scratch.
                    byte* widenedBase = widened - (panel * widenedStride);
                    for (int row = tile; row < tileEnd; row += KernelTuning.RowBlock512)
                    {
                        float* xRow = x + ((long)row * k);
                        float* ahead = PrefetchTarget(xRow, row, KernelTuning.RowBlock512, blockedRows, k, afterLast);
                        Panels512<WidenedWeights<TFormat>, TShape, TActivation, Block8>(xRow, y + ((long)row * n), widenedBase, bias, panel, chunk, ahead);
                    }
                }
                else
                {
                    for (int row = tile; row < tileEnd; row += KernelTuning.RowBlock512)
                    {
                        float* xRow = x + ((long)row * k);
                        float* ahead = PrefetchTarget(xRow, row, KernelTuning.RowBlock512, blockedRows, k, afterLast);
                        Panels512<TFormat, TShape, TActivation, Block8>(xRow, y + ((long)row * n), weights, bias, panel, chunk, ahead);
                    }
                }

                if (lastRowsAlong && tileEnd == blockedRows)
                {
                    LastRows512<TFormat, TShape, TActivation>(xLast, yLast, lastRows, weights, bias, panel, panel + chunk);
                }
            }
        }

        if (!lastRowsAlong)
        {
            LastRows512<TFormat, TShape, TActivation>(xLast, yLast, lastRows, weights, bias, 0, panelCount);
        }
    }

    /// <summary>
    /// True for a narrow format (int8) whose column block, widened to float32, stays small enough to stay in
    /// cache beside the rows (<see cref="KernelTuning.WidenedBlockBytes"/>): a JIT-time constant. Widening int8 is a
    /// sign-extension and a conversion per 16 weights on the ports the FMAs use; once per block of columns it is shared
    /// by every 8-row block of a tile instead of repeated for each.
    /// </summary>
    /// <remarks>
    /// Not for bfloat16 in pairs, whose widening is one instruction per 16 weights: MNIST's batch 64 (blocks of 32 rows)
    /// took 0.80× float32's speed widened into the scratch (storing 64 bytes per 16 weights and reading them back costs
    /// more than it saves) and 0.88–0.89× widened in the 8-row blocks, 1 instruction per 8 FMAs (best of 400
    /// alternating bursts, load average 25–38).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool WidensColumnBlocks<TFormat, TShape>()
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        => TFormat.ElementBytes < sizeof(float) && !TFormat.PairsInputs && WidenedBlockBytes<TShape>() <= KernelTuning.WidenedBlockBytes;

    /// <summary>Bytes of one widened column block: <see cref="KernelTuning.PanelBlock512"/> panels of K float32 steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WidenedBlockBytes<TShape>()
        where TShape : struct, IDenseShape
        => KernelTuning.PanelBlock512 * TShape.Inputs * DenseWeights.PanelWidth * sizeof(float);

    /// <summary>Widens panels [<paramref name="panel"/>, + <paramref name="count"/>) to float32 at <paramref name="target"/>, panel after panel, one float32 step per input.</summary>
    private static unsafe void WidenPanels<TFormat, TShape>(byte* weights, int panel, int count, byte* target)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
    {
        int perIteration = StepPart.InputsPerIteration<TFormat>();
        long panelBytes = (long)TShape.Inputs * TFormat.StepBytes;
        float* destination = (float*)target;
        for (int p = panel; p < panel + count; p++)
        {
            // From each panel's start: the last input of an odd K, taken alone, would leave the source a step too far.
            byte* source = weights + (p * panelBytes);
            for (int input = 0; input < TShape.Inputs; input += perIteration, source += perIteration * TFormat.StepBytes)
            {
                int part = StepPart.First<TFormat, TShape>(input);
                TFormat.Load512(source, part).StoreAligned(destination);
                destination += DenseWeights.PanelWidth;
                if (part == StepPart.Low)
                {
                    TFormat.Load512(source, StepPart.High).StoreAligned(destination);
                    destination += DenseWeights.PanelWidth;
                }
            }
        }
    }

    /// <summary>The last rows % 8 (0–7) of a batch, panels [<paramref name="first"/>, <paramref name="end"/>).</summary>
    private static unsafe void LastRows512<TFormat, TShape, TActivation>(float* x, float* y, int rows, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        switch (rows)
        {
            case 1: MatrixVector512<TFormat, TShape, TActivation>(x, y, weights, bias, first, end); break;
            case 2: TwoRows512<TFormat, TShape, TActivation>(x, y, weights, bias, first, end); break;
            case 3: AllPanels512<TFormat, TShape, TActivation, Block3>(x, y, weights, bias, first, end); break;
            case 4: AllPanels512<TFormat, TShape, TActivation, Block4>(x, y, weights, bias, first, end); break;
            case 5: AllPanels512<TFormat, TShape, TActivation, Block5>(x, y, weights, bias, first, end); break;
            case 6: AllPanels512<TFormat, TShape, TActivation, Block6>(x, y, weights, bias, first, end); break;
            case 7: AllPanels512<TFormat, TShape, TActivation, Block7>(x, y, weights, bias, first, end); break;
            default: break;
        }
    }

    /// <summary>
    /// Panels per column block for the blocked kernels: <see cref="KernelTuning.PanelBlock512"/>, except that the last 4
    /// go as 2 + 2 rather than 3 + 1, so that no block is left with a single accumulator chain per row.
    /// </summary>
    private static int PanelChunk(int remaining) => remaining is 4 or 2 ? 2 : Math.Min(KernelTuning.PanelBlock512, remaining);

    /// <summary><typeparamref name="TRows"/> rows, panels [<paramref name="first"/>, <paramref name="end"/>).</summary>
    private static unsafe void AllPanels512<TFormat, TShape, TActivation, TRows>(float* x, float* y, byte* weights, float* bias, int first, int end, float* ahead = null)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        int chunk;
        for (int panel = first; panel < end; panel += chunk)
        {
            chunk = PanelChunk(end - panel);
            Panels512<TFormat, TShape, TActivation, TRows>(x, y, weights, bias, panel, chunk, ahead);
        }
    }

    /// <summary>Two rows, panels [<paramref name="first"/>, <paramref name="end"/>) 4 at a time: 8 accumulator chains, enough to keep both FMA pipes busy.</summary>
    private static unsafe void TwoRows512<TFormat, TShape, TActivation>(float* x, float* y, byte* weights, float* bias, int first, int end)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int panel = first;
        for (; panel + 4 <= end; panel += 4)
        {
            Block512<TFormat, TShape, TActivation, Block2, Block4>(x, y, weights, bias, panel, null);
        }

        Panels512<TFormat, TShape, TActivation, Block2>(x, y, weights, bias, panel, end - panel);
    }

    /// <summary>Dispatches a block of <typeparamref name="TRows"/> rows × <paramref name="count"/> (0–3) panels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Panels512<TFormat, TShape, TActivation, TRows>(float* x, float* y, byte* weights, float* bias, int panel, int count, float* ahead = null)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        switch (count)
        {
            case 1: Block512<TFormat, TShape, TActivation, TRows, Block1>(x, y, weights, bias, panel, ahead); break;
            case 2: Block512<TFormat, TShape, TActivation, TRows, Block2>(x, y, weights, bias, panel, ahead); break;
            case 3: Block512<TFormat, TShape, TActivation, TRows, Block3>(x, y, weights, bias, panel, ahead); break;
            default: break;
        }
    }

    /// <summary>All-ones in lanes 0 .. <paramref name="count"/> − 1, zero elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> LaneMask512(int count)
        => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>
    /// <typeparamref name="TRows"/> rows × <typeparamref name="TPanels"/> panels of outputs, each accumulator held in a
    /// zmm register for the whole K loop. Per k: one load per panel (<see cref="IWeightFormat.Load512"/>), one broadcast
    /// per row, rows × panels FMAs; then the format's epilogue (<see cref="IWeightFormat.Finish512{TShape, TActivation}"/>).
    /// </summary>
    /// <remarks>
    /// Rows × panels stays ≤ 24 (plus ≤ 4 panel weights and the broadcast: ≤ 32 registers). Branches on
    /// <c>rows</c> and <c>panels</c> are on JIT-time constants and vanish from the compiled loop.
    /// A full block of 8 rows also prefetches, into L2, 8 × K floats from <paramref name="ahead"/>: 8 a step
    /// (half a cache line), one instruction in the ~12 cycles a step takes. Other blocks ignore it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block512<TFormat, TShape, TActivation, TRows, TPanels>(float* x, float* y, byte* weights, float* bias, int panel, float* ahead)
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
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a43 = default;
        Vector512<float> a50 = default, a51 = default, a52 = default, a53 = default;
        Vector512<float> a60 = default, a61 = default, a62 = default, a63 = default;
        Vector512<float> a70 = default, a71 = default, a72 = default, a73 = default;

        byte* w = weights + (panel * panelStride);
        float* xEnd = x + k;
        int perIteration = StepPart.InputsPerIteration<TFormat>();
        for (float* xk = x; xk < xEnd; xk += perIteration, w += perIteration * step)
        {
            if (rows == KernelTuning.RowBlock512)
            {
                Sse.Prefetch1(ahead);
                ahead += KernelTuning.RowBlock512 * perIteration;
            }

            // Loads as statements, not as arms of a conditional expression: the JIT cannot inline a call there, and
            // the temporaries it would need instead change how the whole block is register-allocated.
            int part = StepPart.First<TFormat, TShape>(xk, xEnd);
            Vector512<float> w0 = TFormat.Load512(w, part);
            Vector512<float> w1 = default, w2 = default, w3 = default;
            if (panels > 1) { w1 = TFormat.Load512(w + (1 * panelStride), part); }
            if (panels > 2) { w2 = TFormat.Load512(w + (2 * panelStride), part); }
            if (panels > 3) { w3 = TFormat.Load512(w + (3 * panelStride), part); }

            Vector512<float> x0 = Vector512.Create(xk[0]);
            a00 = Vector512.FusedMultiplyAdd(x0, w0, a00);
            if (panels > 1) { a01 = Vector512.FusedMultiplyAdd(x0, w1, a01); }
            if (panels > 2) { a02 = Vector512.FusedMultiplyAdd(x0, w2, a02); }
            if (panels > 3) { a03 = Vector512.FusedMultiplyAdd(x0, w3, a03); }

            if (rows > 1)
            {
                Vector512<float> x1 = Vector512.Create(xk[k]);
                a10 = Vector512.FusedMultiplyAdd(x1, w0, a10);
                if (panels > 1) { a11 = Vector512.FusedMultiplyAdd(x1, w1, a11); }
                if (panels > 2) { a12 = Vector512.FusedMultiplyAdd(x1, w2, a12); }
                if (panels > 3) { a13 = Vector512.FusedMultiplyAdd(x1, w3, a13); }
            }

            if (rows > 2)
            {
                Vector512<float> x2 = Vector512.Create(xk[2 * k]);
                a20 = Vector512.FusedMultiplyAdd(x2, w0, a20);
                if (panels > 1) { a21 = Vector512.FusedMultiplyAdd(x2, w1, a21); }
                if (panels > 2) { a22 = Vector512.FusedMultiplyAdd(x2, w2, a22); }
                if (panels > 3) { a23 = Vector512.FusedMultiplyAdd(x2, w3, a23); }
            }

            if (rows > 3)
            {
                Vector512<float> x3 = Vector512.Create(xk[3 * k]);
                a30 = Vector512.FusedMultiplyAdd(x3, w0, a30);
                if (panels > 1) { a31 = Vector512.FusedMultiplyAdd(x3, w1, a31); }
                if (panels > 2) { a32 = Vector512.FusedMultiplyAdd(x3, w2, a32); }
                if (panels > 3) { a33 = Vector512.FusedMultiplyAdd(x3, w3, a33); }
            }

            if (rows > 4)
            {
                Vector512<float> x4 = Vector512.Create(xk[4 * k]);
                a40 = Vector512.FusedMultiplyAdd(x4, w0, a40);
                if (panels > 1) { a41 = Vector512.FusedMultiplyAdd(x4, w1, a41); }
                if (panels > 2) { a42 = Vector512.FusedMultiplyAdd(x4, w2, a42); }
                if (panels > 3) { a43 = Vector512.FusedMultiplyAdd(x4, w3, a43); }
            }

            if (rows > 5)
            {
                Vector512<float> x5 = Vector512.Create(xk[5 * k]);
                a50 = Vector512.FusedMultiplyAdd(x5, w0, a50);
                if (panels > 1) { a51 = Vector512.FusedMultiplyAdd(x5, w1, a51); }
                if (panels > 2) { a52 = Vector512.FusedMultiplyAdd(x5, w2, a52); }
                if (panels > 3) { a53 = Vector512.FusedMultiplyAdd(x5, w3, a53); }
            }

            if (rows > 6)
            {
                Vector512<float> x6 = Vector512.Create(xk[6 * k]);
                a60 = Vector512.FusedMultiplyAdd(x6, w0, a60);
                if (panels > 1) { a61 = Vector512.FusedMultiplyAdd(x6, w1, a61); }
                if (panels > 2) { a62 = Vector512.FusedMultiplyAdd(x6, w2, a62); }
                if (panels > 3) { a63 = Vector512.FusedMultiplyAdd(x6, w3, a63); }
            }

            if (rows > 7)
            {
                Vector512<float> x7 = Vector512.Create(xk[7 * k]);
                a70 = Vector512.FusedMultiplyAdd(x7, w0, a70);
                if (panels > 1) { a71 = Vector512.FusedMultiplyAdd(x7, w1, a71); }
                if (panels > 2) { a72 = Vector512.FusedMultiplyAdd(x7, w2, a72); }
                if (panels > 3) { a73 = Vector512.FusedMultiplyAdd(x7, w3, a73); }
            }

            if (part == StepPart.Low)
            {
                // A format that pairs inputs: the second input of the double step, each accumulator's next FMA in
                // input order, from the same bytes (only for such a format: elsewhere part is Whole, a constant).
                w0 = TFormat.Load512(w, StepPart.High);
                if (panels > 1) { w1 = TFormat.Load512(w + (1 * panelStride), StepPart.High); }
                if (panels > 2) { w2 = TFormat.Load512(w + (2 * panelStride), StepPart.High); }
                if (panels > 3) { w3 = TFormat.Load512(w + (3 * panelStride), StepPart.High); }

                Vector512<float> second0 = Vector512.Create(xk[1]);
                a00 = Vector512.FusedMultiplyAdd(second0, w0, a00);
                if (panels > 1) { a01 = Vector512.FusedMultiplyAdd(second0, w1, a01); }
                if (panels > 2) { a02 = Vector512.FusedMultiplyAdd(second0, w2, a02); }
                if (panels > 3) { a03 = Vector512.FusedMultiplyAdd(second0, w3, a03); }

                if (rows > 1)
                {
                    Vector512<float> second1 = Vector512.Create(xk[k + 1]);
                    a10 = Vector512.FusedMultiplyAdd(second1, w0, a10);
                    if (panels > 1) { a11 = Vector512.FusedMultiplyAdd(second1, w1, a11); }
                    if (panels > 2) { a12 = Vector512.FusedMultiplyAdd(second1, w2, a12); }
                    if (panels > 3) { a13 = Vector512.FusedMultiplyAdd(second1, w3, a13); }
                }

                if (rows > 2)
                {
                    Vector512<float> second2 = Vector512.Create(xk[2 * k + 1]);
                    a20 = Vector512.FusedMultiplyAdd(second2, w0, a20);
                    if (panels > 1) { a21 = Vector512.FusedMultiplyAdd(second2, w1, a21); }
                    if (panels > 2) { a22 = Vector512.FusedMultiplyAdd(second2, w2, a22); }
                    if (panels > 3) { a23 = Vector512.FusedMultiplyAdd(second2, w3, a23); }
                }

                if (rows > 3)
                {
                    Vector512<float> second3 = Vector512.Create(xk[3 * k + 1]);
                    a30 = Vector512.FusedMultiplyAdd(second3, w0, a30);
                    if (panels > 1) { a31 = Vector512.FusedMultiplyAdd(second3, w1, a31); }
                    if (panels > 2) { a32 = Vector512.FusedMultiplyAdd(second3, w2, a32); }
                    if (panels > 3) { a33 = Vector512.FusedMultiplyAdd(second3, w3, a33); }
                }

                if (rows > 4)
                {
                    Vector512<float> second4 = Vector512.Create(xk[4 * k + 1]);
                    a40 = Vector512.FusedMultiplyAdd(second4, w0, a40);
                    if (panels > 1) { a41 = Vector512.FusedMultiplyAdd(second4, w1, a41); }
                    if (panels > 2) { a42 = Vector512.FusedMultiplyAdd(second4, w2, a42); }
                    if (panels > 3) { a43 = Vector512.FusedMultiplyAdd(second4, w3, a43); }
                }

                if (rows > 5)
                {
                    Vector512<float> second5 = Vector512.Create(xk[5 * k + 1]);
                    a50 = Vector512.FusedMultiplyAdd(second5, w0, a50);
                    if (panels > 1) { a51 = Vector512.FusedMultiplyAdd(second5, w1, a51); }
                    if (panels > 2) { a52 = Vector512.FusedMultiplyAdd(second5, w2, a52); }
                    if (panels > 3) { a53 = Vector512.FusedMultiplyAdd(second5, w3, a53); }
                }

                if (rows > 6)
                {
                    Vector512<float> second6 = Vector512.Create(xk[6 * k + 1]);
                    a60 = Vector512.FusedMultiplyAdd(second6, w0, a60);
                    if (panels > 1) { a61 = Vector512.FusedMultiplyAdd(second6, w1, a61); }
                    if (panels > 2) { a62 = Vector512.FusedMultiplyAdd(second6, w2, a62); }
                    if (panels > 3) { a63 = Vector512.FusedMultiplyAdd(second6, w3, a63); }
                }

                if (rows > 7)
                {
                    Vector512<float> second7 = Vector512.Create(xk[7 * k + 1]);
                    a70 = Vector512.FusedMultiplyAdd(second7, w0, a70);
                    if (panels > 1) { a71 = Vector512.FusedMultiplyAdd(second7, w1, a71); }
                    if (panels > 2) { a72 = Vector512.FusedMultiplyAdd(second7, w2, a72); }
                    if (panels > 3) { a73 = Vector512.FusedMultiplyAdd(second7, w3, a73); }
                }
            }
        }

        if (typeof(TActivation) == typeof(SoftmaxEpilogue))
        {
            // ForwardSoftmax: one panel, each row whole in its accumulator. The rows go to the softmax through
            // full-width stores to this block (which the processor forwards to the loads that follow), not
            // through masked stores to the output (which it does not). The softmax adds the bias itself, so only
            // float32 weights take this path (ForwardSoftmax); a format whose Finish does more would not.
            Vector512<float>* logits = stackalloc Vector512<float>[KernelTuning.RowBlock512];
            logits[0] = a00;
            if (rows > 1) { logits[1] = a10; }
            if (rows > 2) { logits[2] = a20; }
            if (rows > 3) { logits[3] = a30; }
            if (rows > 4) { logits[4] = a40; }
            if (rows > 5) { logits[5] = a50; }
            if (rows > 6) { logits[6] = a60; }
            if (rows > 7) { logits[7] = a70; }
            SoftmaxKernel.FinishRows512(logits, rows, bias, y, n);
            return;
        }

        TFormat.Finish512<TShape, TActivation>(a00, bias, y, panel);
        if (panels > 1) { TFormat.Finish512<TShape, TActivation>(a01, bias, y, panel + 1); }
        if (panels > 2) { TFormat.Finish512<TShape, TActivation>(a02, bias, y, panel + 2); }
        if (panels > 3) { TFormat.Finish512<TShape, TActivation>(a03, bias, y, panel + 3); }

        if (rows > 1)
        {
            TFormat.Finish512<TShape, TActivation>(a10, bias, y + n, panel);
            if (panels > 1) { TFormat.Finish512<TShape, TActivation>(a11, bias, y + n, panel + 1); }
            if (panels > 2) { TFormat.Finish512<TShape, TActivation>(a12, bias, y + n, panel + 2); }
            if (panels > 3) { TFormat.Finish512<TShape, TActivation>(a13, bias, y + n, panel + 3); }
        }

        if (rows > 2)
        {
            TFormat.Finish512<TShape, TActivation>(a20, bias, y + (2 * n), panel);
            if (panels > 1) { TFormat.Finish512<TShape, TActivation>(a21, bias, y + (2 * n), panel + 1); }
            if (panels > 2) { TFormat.Finish512<TShape, TActivation>(a22, bias, y + (2 * n), panel + 2); }
            if (panels > 3) { TFormat.Finish512<TShape, TActivation>(a23, bias, y + (2 * n), panel + 3); }
        }

        if (rows > 3)
        {
            TFormat.Finish512<TShape, TActivation>(a30, bias, y + (3 * n), panel);
            if (panels > 1) { TFormat.Finish512<TShape, TActivation>(a31, bias, y + (3 * n), panel + 1); }
            if (panels > 2) { TFormat.Finish512<TShape, TActivation>(a32, bias, y + (3 * n), panel + 2); }
            if (panels > 3) { TFormat.Finish512<TShape, TActivation>(a33, bias, y + (3 * n), panel + 3); }
        }

        if (rows > 4)
        {
            TFormat.Finish512<TShape, TActivation>(a40, bias, y + (4 * n), panel);
            if (panels > 1) { TFormat.Finish512<TShape, TActivation>(a41, bias, y + (4 * n), panel + 1); }
            if (panels > 2) { TFormat.Finish512<TShape, TActivation>(a42, bias, y + (4 * n), panel + 2); }
            if (panels > 3) { TFormat.Finish512<TShape, TActivation>(a43, bias, y + (4 * n), panel + 3); }
        }

        if (rows > 5)
        {
            TFormat.Finish512<TShape, TActivation>(a50, bias, y + (5 * n), panel);
            if (panels > 1) { TFormat.Finish512<TShape, TActivation>(a51, bias, y + (5 * n), panel + 1); }
            if (panels > 2) { TFormat.Finish512<TShape, TActivation>(a52, bias, y + (5 * n), panel + 2); }
            if (panels > 3) { TFormat.Finish512<TShape, TActivation>(a53, bias, y + (5 * n), panel + 3); }
        }

        if (rows > 6)
        {
            TFormat.Finish512<TShape, TActivation>(a60, bias, y + (6 * n), panel);
            if (panels > 1) { TFormat.Finish512<TShape, TActivation>(a61, bias, y + (6 * n), panel + 1); }
            if (panels > 2) { TFormat.Finish512<TShape, TActivation>(a62, bias, y + (6 * n), panel + 2); }
            if (panels > 3) { TFormat.Finish512<TShape, TActivation>(a63, bias, y + (6 * n), panel + 3); }
        }

        if (rows > 7)
        {
            TFormat.Finish512<TShape, TActivation>(a70, bias, y + (7 * n), panel);
            if (panels > 1) { TFormat.Finish512<TShape, TActivation>(a71, bias, y + (7 * n), panel + 1); }
            if (panels > 2) { TFormat.Finish512<TShape, TActivation>(a72, bias, y + (7 * n), panel + 2); }
            if (panels > 3) { TFormat.Finish512<TShape, TActivation>(a73, bias, y + (7 * n), panel + 3); }
        }
    }

    /// <summary>
    /// One row × <typeparamref name="TPanels"/> panels (up to 8; 8 only for a format that pairs inputs): the matrix–vector product. Each weight is used once,
    /// so it goes straight from memory into the FMA; the independent accumulators hide the FMA latency
    /// while the panels stream from cache.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SingleRow512<TFormat, TShape, TActivation, TPanels>(float* x, float* y, byte* weights, float* bias, int panel)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TPanels : struct, IBlockConstant
    {
        int k = TShape.Inputs;
        int panels = TPanels.Value;
        int step = TFormat.StepBytes;
        long panelStride = (long)k * step;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> a4 = default, a5 = default, a6 = default, a7 = default;

        byte* w = weights + (panel * panelStride);
        float* xEnd = x + k;
        int perIteration = StepPart.InputsPerIteration<TFormat>();
        for (float* xk = x; xk < xEnd; xk += perIteration, w += perIteration * step)
        {
            int part = StepPart.First<TFormat, TShape>(xk, xEnd);
            Vector512<float> xb = Vector512.Create(xk[0]);
            a0 = Vector512.FusedMultiplyAdd(xb, TFormat.Load512(w, part), a0);
            if (panels > 1) { a1 = Vector512.FusedMultiplyAdd(xb, TFormat.Load512(w + (1 * panelStride), part), a1); }
            if (panels > 2) { a2 = Vector512.FusedMultiplyAdd(xb, TFormat.Load512(w + (2 * panelStride), part), a2); }
            if (panels > 3) { a3 = Vector512.FusedMultiplyAdd(xb, TFormat.Load512(w + (3 * panelStride), part), a3); }
            if (panels > 4) { a4 = Vector512.FusedMultiplyAdd(xb, TFormat.Load512(w + (4 * panelStride), part), a4); }
            if (panels > 5) { a5 = Vector512.FusedMultiplyAdd(xb, TFormat.Load512(w + (5 * panelStride), part), a5); }
            if (panels > 6) { a6 = Vector512.FusedMultiplyAdd(xb, TFormat.Load512(w + (6 * panelStride), part), a6); }
            if (panels > 7) { a7 = Vector512.FusedMultiplyAdd(xb, TFormat.Load512(w + (7 * panelStride), part), a7); }
            if (part == StepPart.Low)
            {
                // A format that pairs inputs: the double step's second input, from the same bytes, FMAs after the first's.
                Vector512<float> xb1 = Vector512.Create(xk[1]);
                a0 = Vector512.FusedMultiplyAdd(xb1, TFormat.Load512(w, StepPart.High), a0);
                if (panels > 1) { a1 = Vector512.FusedMultiplyAdd(xb1, TFormat.Load512(w + (1 * panelStride), StepPart.High), a1); }
                if (panels > 2) { a2 = Vector512.FusedMultiplyAdd(xb1, TFormat.Load512(w + (2 * panelStride), StepPart.High), a2); }
                if (panels > 3) { a3 = Vector512.FusedMultiplyAdd(xb1, TFormat.Load512(w + (3 * panelStride), StepPart.High), a3); }
                if (panels > 4) { a4 = Vector512.FusedMultiplyAdd(xb1, TFormat.Load512(w + (4 * panelStride), StepPart.High), a4); }
                if (panels > 5) { a5 = Vector512.FusedMultiplyAdd(xb1, TFormat.Load512(w + (5 * panelStride), StepPart.High), a5); }
                if (panels > 6) { a6 = Vector512.FusedMultiplyAdd(xb1, TFormat.Load512(w + (6 * panelStride), StepPart.High), a6); }
                if (panels > 7) { a7 = Vector512.FusedMultiplyAdd(xb1, TFormat.Load512(w + (7 * panelStride), StepPart.High), a7); }
            }
        }

        if (typeof(TActivation) == typeof(SoftmaxEpilogue))
        {
            // A copy: taking a0's own address would keep it in memory through the whole loop above.
            Vector512<float> row = a0;
            SoftmaxKernel.FinishRows512(&row, 1, bias, y, TShape.Outputs);
            return;
        }

        TFormat.Finish512<TShape, TActivation>(a0, bias, y, panel);
        if (panels > 1) { TFormat.Finish512<TShape, TActivation>(a1, bias, y, panel + 1); }
        if (panels > 2) { TFormat.Finish512<TShape, TActivation>(a2, bias, y, panel + 2); }
        if (panels > 3) { TFormat.Finish512<TShape, TActivation>(a3, bias, y, panel + 3); }
        if (panels > 4) { TFormat.Finish512<TShape, TActivation>(a4, bias, y, panel + 4); }
        if (panels > 5) { TFormat.Finish512<TShape, TActivation>(a5, bias, y, panel + 5); }
        if (panels > 6) { TFormat.Finish512<TShape, TActivation>(a6, bias, y, panel + 6); }
        if (panels > 7) { TFormat.Finish512<TShape, TActivation>(a7, bias, y, panel + 7); }
    }
}
