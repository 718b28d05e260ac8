using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

// WeightFormat.Int8Dynamic: int8 weights (Int8DynamicWeights) times int8 inputs quantised per row when the layer runs,
// summed in int32. The rule is WeightFormat.Int8Dynamic's documentation; here it is, step by step:
//
//   m   = max|x[k]| over the row (found as the largest |x| bit pattern, so a NaN anywhere is seen, whatever the order)
//   m is NaN or ∞:        every output of the row is NaN before the activation (qx = 0, sx = NaN)
//   inv = 127f / m, ∞:    (m = 0, or m so small that 127 / m overflows) qx = 0, sx = 0: the outputs are act(bias)
//   otherwise:            qx[k] = clamp(round-half-to-even(x[k] · inv), −127, 127), sx = m / 127f
//   acc[o] = Σₖ qx[k] · q[o, k]                 int32, exact (K ≤ Int8DynamicWeights.MaxInputs)
//   y[o]   = act((float)acc[o] · (sx · scale[o]) + bias[o])   three float32 roundings, in this order, no FMA
//
// An integer sum is the same in any order, so the paths are free to split and interleave it as suits their
// instructions; only the float steps above must be (and are) the same operations everywhere. Quantising a row is
// a small part of the work (K multiplies and conversions against K × N multiply-adds), done once per row into scratch
// memory on the stack (native memory for very wide layers): nothing on the managed heap.
public static partial class DenseKernel
{
    /// <summary>Rows quantised and computed together: they share each load of the weights.</summary>
    private const int Int8DynamicRowBlock = 4;

    /// <summary>Rows the AVX-VNNI path computes together (3 rows × 2 panels fill the 16 ymm registers).</summary>
    private const int VnniRowBlock = 3;

    /// <summary>
    /// Rows per tile of the AVX-VNNI batch path at most: each pair of panels, in L1, meets every row of a tile, so 32
    /// blocks of 3 rows share each time it is brought from L2.
    /// </summary>
    private const int VnniTileRowsMax = 96;

    /// <summary>Quantised bytes per tile of the AVX-VNNI batch path at most (96 rows of MNIST's 784 inputs): a tile stays in L2.</summary>
    private const int VnniTileBytes = 96 * 1024;

    /// <summary>Scratch bytes kept on the stack at most; wider layers quantise into native memory.</summary>
    private const int Int8DynamicStackBytes = 16 * 1024;

    /// <summary>
    /// <see cref="Forward{TShape, TActivation}"/> for <see cref="WeightFormat.Int8Dynamic"/>: each input row quantised
    /// to int8, integer dot products with the int8 weights, then scales, bias and the activation
    /// (the rule is <see cref="WeightFormat.Int8Dynamic"/>'s). <paramref name="upcoming"/> is accepted for the generated
    /// code's sake and not used.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardInt8Dynamic<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        switch (VectorPaths.Int8Dynamic)
        {
            case Int8DotPath.AvxVnni:
                ForwardInt8DynamicAvxVnni<TShape, TActivation>(input, output, rows, weights);
                break;
            case Int8DotPath.Avx512BW:
                ForwardInt8DynamicAvx512BW<TShape, TActivation>(input, output, rows, weights);
                break;
            case Int8DotPath.Vector128:
                ForwardInt8DynamicVector128<TShape, TActivation>(input, output, rows, weights);
                break;
            default:
                ForwardInt8DynamicScalar<TShape, TActivation>(input, output, rows, weights);
                break;
        }
    }

    /// <summary>
    /// <see cref="ForwardSoftmax{TShape}"/> for <see cref="WeightFormat.Int8Dynamic"/>: the dense layer, then the softmax
    /// over each row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardSoftmaxInt8Dynamic<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TShape : struct, IDenseShape
    {
        ForwardInt8Dynamic<TShape, IdentityActivation>(input, output, rows, weights, upcoming);
        SoftmaxKernel.Apply(output[..(rows * TShape.Outputs)], TShape.Outputs);
    }

    /// <summary>The plain .NET path: one output at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    internal static unsafe void ForwardInt8DynamicScalar<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        CheckInt8Dynamic<TShape>(input, output, rows, weights);
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int padded = Int8DynamicWeights.PaddedInputs(k);
        using var scratch = new Int8DynamicScratch(padded, rows: 1, withInt16: false, stackalloc byte[Int8DynamicScratch.StackBytes(padded, rows: 1, withInt16: false)]);
        sbyte* q = (sbyte*)scratch.Bytes;
        float* scales = Int8DynamicWeights.Scales(weights);
        fixed (float* x0 = input)
        fixed (float* y0 = output)
        {
            for (int r = 0; r < rows; r++)
            {
                float* y = y0 + ((long)r * n);
                float sx = QuantizeRowScalar(x0 + ((long)r * k), k, padded, (byte*)q, offset: 0);
                for (int o = 0; o < n; o++)
                {
                    sbyte* lane = Int8DynamicWeights.Panel(weights, o / DenseWeights.PanelWidth) + (o % DenseWeights.PanelWidth * Int8DynamicWeights.QuadWidth);
                    int acc = 0;
                    for (int i = 0; i < k; i++)
                    {
                        acc += q[i] * lane[((long)(i / Int8DynamicWeights.QuadWidth) * Int8DynamicWeights.QuadBytes) + (i % Int8DynamicWeights.QuadWidth)];
                    }

                    y[o] = TActivation.Apply(((float)acc * (sx * scales[o])) + weights.Bias[o]);
                }
            }
        }
    }

    /// <summary>
    /// AVX-VNNI: <c>vpdpbusd</c> multiplies 4 unsigned bytes by 4 signed bytes and adds them into an int32 lane, so the
    /// inputs are stored as qx + 128 and 128 · Σₖ q[o, k] (<see cref="Int8DynamicWeights.Correction(DenseWeights)"/>) is subtracted
    /// at the end. 256-bit registers: a panel is two of them. Three rows or more go through
    /// <see cref="VnniRowTiles{TShape, TActivation}"/> (blocks of 3 rows × 2 panels); one or two rows one at a time,
    /// 4 panels at once, so 8 independent sums hide the instruction's latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    internal static unsafe void ForwardInt8DynamicAvxVnni<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        CheckInt8Dynamic<TShape>(input, output, rows, weights);
        if (!AvxVnni.IsSupported)
        {
            throw new PlatformNotSupportedException("AVX-VNNI is not supported here.");
        }

        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int padded = Int8DynamicWeights.PaddedInputs(k);
        int panels = PanelCount<TShape>();
        fixed (float* x0 = input)
        fixed (float* y0 = output)
        {
            if (rows >= VnniRowBlock)
            {
                VnniRowTiles<TShape, TActivation>(x0, y0, rows, weights);
                return;
            }

            using var scratch = new Int8DynamicScratch(padded, rows: 1, withInt16: false, stackalloc byte[Int8DynamicScratch.StackBytes(padded, rows: 1, withInt16: false)]);
            byte* q0 = scratch.Bytes;
            for (int r = 0; r < rows; r++)
            {
                float* row = x0 + ((long)r * k);
                float s = QuantizeRowForVnni(row, k, padded, q0);
                VnniOneRow<TShape, TActivation>((int*)q0, s, weights, y0 + ((long)r * n), 0, panels);
            }
        }
    }

    /// <summary>
    /// One row, quantised (<paramref name="q"/>: qx + 128 as bytes, read four at a time; scale <paramref name="s"/>),
    /// times panels [<paramref name="first"/>, <paramref name="end"/>): 4 panels at once (8 independent sums hide
    /// <c>vpdpbusd</c>'s latency), the rest one at a time with even and odd quads in two sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void VnniOneRow<TShape, TActivation>(int* q, float s, DenseWeights weights, float* y, int first, int end)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int quads = Int8DynamicWeights.PaddedInputs(TShape.Inputs) / Int8DynamicWeights.QuadWidth;
        long panelBytes = (long)quads * Int8DynamicWeights.QuadBytes;
        float* bias = weights.Bias;
        int p = first;
        for (; p + 4 <= end; p += 4)
        {
            sbyte* w = Int8DynamicWeights.Panel(weights, p);
            Vector256<int> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
            for (int j = 0; j < quads; j++)
            {
                Vector256<byte> x = Vector256.Create(q[j]).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, Vector256.Load(w));
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, x, Vector256.Load(w + 32));
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, Vector256.Load(w + panelBytes));
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, x, Vector256.Load(w + panelBytes + 32));
                a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, Vector256.Load(w + (2 * panelBytes)));
                b2 = AvxVnni.MultiplyWideningAndAdd(b2, x, Vector256.Load(w + (2 * panelBytes) + 32));
                a3 = AvxVnni.MultiplyWideningAndAdd(a3, x, Vector256.Load(w + (3 * panelBytes)));
                b3 = AvxVnni.MultiplyWideningAndAdd(b3, x, Vector256.Load(w + (3 * panelBytes) + 32));
                w += Int8DynamicWeights.QuadBytes;
            }

            FinishVnni<TShape, TActivation>(a0, b0, s, bias, y, p);
            FinishVnni<TShape, TActivation>(a1, b1, s, bias, y, p + 1);
            FinishVnni<TShape, TActivation>(a2, b2, s, bias, y, p + 2);
            FinishVnni<TShape, TActivation>(a3, b3, s, bias, y, p + 3);
        }

        for (; p < end; p++)
        {
            sbyte* w = Int8DynamicWeights.Panel(weights, p);
            Vector256<int> a0 = default, b0 = default, a1 = default, b1 = default;
            int j = 0;
            for (; j + 2 <= quads; j += 2)
            {
                Vector256<byte> x = Vector256.Create(q[j]).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, Vector256.Load(w));
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, x, Vector256.Load(w + 32));
                x = Vector256.Create(q[j + 1]).AsByte();
                a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, Vector256.Load(w + Int8DynamicWeights.QuadBytes));
                b1 = AvxVnni.MultiplyWideningAndAdd(b1, x, Vector256.Load(w + Int8DynamicWeights.QuadBytes + 32));
                w += 2 * Int8DynamicWeights.QuadBytes;
            }

            if (j < quads)
            {
                Vector256<byte> x = Vector256.Create(q[j]).AsByte();
                a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, Vector256.Load(w));
                b0 = AvxVnni.MultiplyWideningAndAdd(b0, x, Vector256.Load(w + 32));
            }

            FinishVnni<TShape, TActivation>(a0 + a1, b0 + b1, s, bias, y, p);
        }
    }

    /// <summary>
    /// AVX-VNNI, <paramref name="rows"/> rows: tile by tile (<see cref="VnniTileRows"/>), every row of the tile quantised
    /// first, then each pair of panels multiplied by the whole tile, 3 rows at a time. A last block of 1 or 2 rows is
    /// made whole with copies of its last row, computed and not stored: cheaper than a second pass over the weights.
    /// </summary>
    /// <remarks>
    /// The order of the loops is what makes this fast. A pair of panels is 32 × K bytes (25 KB at K = 784), so it stays
    /// in L1 while every block of 3 rows of the tile reads it; per 12 <c>vpdpbusd</c> the block then loads 4 weight
    /// vectors from L1 and 3 input quads. Sweeping all the panels for each block of 3 rows instead (the order a single
    /// block needs) reads 128 bytes of weights from L2 per 12 instructions. Integer sums: the order of the loops is free.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    private static unsafe void VnniRowTiles<TShape, TActivation>(float* x0, float* y0, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int padded = Int8DynamicWeights.PaddedInputs(k);
        int panels = PanelCount<TShape>();
        int tileRows = Math.Min((rows + VnniRowBlock - 1) / VnniRowBlock * VnniRowBlock, VnniTileRows(padded));
        using var scratch = new Int8DynamicScratch(padded, tileRows, withInt16: false, stackalloc byte[Int8DynamicScratch.StackBytes(padded, tileRows, withInt16: false)]);
        byte* q0 = scratch.Bytes;
        float* sx = stackalloc float[VnniTileRowsMax];
        for (int tile = 0; tile < rows; tile += tileRows)
        {
            int count = Math.Min(tileRows, rows - tile);
            for (int i = 0; i < count; i++)
            {
                float* x = x0 + ((long)(tile + i) * k);
                byte* q = q0 + ((long)i * padded);
                sx[i] = QuantizeRowForVnni(x, k, padded, q);
            }

            for (int i = count; i % VnniRowBlock != 0; i++)
            {
                new ReadOnlySpan<byte>(q0 + ((long)(count - 1) * padded), padded).CopyTo(new Span<byte>(q0 + ((long)i * padded), padded));
                sx[i] = sx[count - 1];
            }

            float* y = y0 + ((long)tile * n);
            int p = 0;
            for (; p + 2 <= panels; p += 2)
            {
                for (int block = 0; block < count; block += VnniRowBlock)
                {
                    VnniThreeRowsTwoPanels<TShape, TActivation>(q0 + ((long)block * padded), padded, sx + block, weights, y + ((long)block * n), p, count - block);
                }
            }

            if (p < panels)
            {
                for (int block = 0; block < count; block += VnniRowBlock)
                {
                    VnniThreeRowsOnePanel<TShape, TActivation>(q0 + ((long)block * padded), padded, sx + block, weights, y + ((long)block * n), p, count - block);
                }
            }
        }
    }

    /// <summary>
    /// Rows per tile of <see cref="VnniRowTiles{TShape, TActivation}"/>: as many as fit <see cref="VnniTileBytes"/> quantised,
    /// up to <see cref="VnniTileRowsMax"/> (a multiple of 3, at least 3).
    /// </summary>
    private static int VnniTileRows(int padded)
        => Math.Clamp(VnniTileBytes / padded / VnniRowBlock * VnniRowBlock, VnniRowBlock, VnniTileRowsMax);

    /// <summary>
    /// Rows 0–2 at <paramref name="q0"/> (quantised, <paramref name="padded"/> bytes apart) times panels
    /// <paramref name="panel"/> and + 1: 12 sums, enough to keep both ports busy through <c>vpdpbusd</c>'s latency, and
    /// all 16 ymm registers of the VEX encoding in use (12 sums, 3 inputs, a weight). Stores the first
    /// <paramref name="valid"/> rows (3 or more: all three).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void VnniThreeRowsTwoPanels<TShape, TActivation>(byte* q0, int padded, float* sx, DenseWeights weights, float* y, int panel, int valid)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int n = TShape.Outputs;
        int quads = padded / Int8DynamicWeights.QuadWidth;
        long panelBytes = (long)quads * Int8DynamicWeights.QuadBytes;
        int* q1 = (int*)(q0 + padded);
        int* q2 = (int*)(q0 + (2 * padded));
        sbyte* w = Int8DynamicWeights.Panel(weights, panel);
        float* bias = weights.Bias;
        Vector256<int> a0 = default, b0 = default, c0 = default, d0 = default;
        Vector256<int> a1 = default, b1 = default, c1 = default, d1 = default;
        Vector256<int> a2 = default, b2 = default, c2 = default, d2 = default;
        for (int j = 0; j < quads; j++)
        {
            Vector256<byte> x0j = Vector256.Create(((int*)q0)[j]).AsByte();
            Vector256<byte> x1j = Vector256.Create(q1[j]).AsByte();
            Vector256<byte> x2j = Vector256.Create(q2[j]).AsByte();
            Vector256<sbyte> v = Vector256.Load(w);
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, x0j, v);
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, x1j, v);
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, x2j, v);
            v = Vector256.Load(w + 32);
            b0 = AvxVnni.MultiplyWideningAndAdd(b0, x0j, v);
            b1 = AvxVnni.MultiplyWideningAndAdd(b1, x1j, v);
            b2 = AvxVnni.MultiplyWideningAndAdd(b2, x2j, v);
            v = Vector256.Load(w + panelBytes);
            c0 = AvxVnni.MultiplyWideningAndAdd(c0, x0j, v);
            c1 = AvxVnni.MultiplyWideningAndAdd(c1, x1j, v);
            c2 = AvxVnni.MultiplyWideningAndAdd(c2, x2j, v);
            v = Vector256.Load(w + panelBytes + 32);
            d0 = AvxVnni.MultiplyWideningAndAdd(d0, x0j, v);
            d1 = AvxVnni.MultiplyWideningAndAdd(d1, x1j, v);
            d2 = AvxVnni.MultiplyWideningAndAdd(d2, x2j, v);
            w += Int8DynamicWeights.QuadBytes;
        }

        FinishVnni<TShape, TActivation>(a0, b0, sx[0], bias, y, panel);
        FinishVnni<TShape, TActivation>(c0, d0, sx[0], bias, y, panel + 1);
        if (valid > 1)
        {
            FinishVnni<TShape, TActivation>(a1, b1, sx[1], bias, y + n, panel);
            FinishVnni<TShape, TActivation>(c1, d1, sx[1], bias, y + n, panel + 1);
        }

        if (valid > 2)
        {
            FinishVnni<TShape, TActivation>(a2, b2, sx[2], bias, y + (2 * n), panel);
            FinishVnni<TShape, TActivation>(c2, d2, sx[2], bias, y + (2 * n), panel + 1);
        }
    }

    /// <summary>Rows 0–2 at <paramref name="q0"/> times the last panel of an odd count: 6 sums; the first <paramref name="valid"/> rows stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void VnniThreeRowsOnePanel<TShape, TActivation>(byte* q0, int padded, float* sx, DenseWeights weights, float* y, int panel, int valid)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int n = TShape.Outputs;
        int quads = padded / Int8DynamicWeights.QuadWidth;
        int* q1 = (int*)(q0 + padded);
        int* q2 = (int*)(q0 + (2 * padded));
        sbyte* w = Int8DynamicWeights.Panel(weights, panel);
        float* bias = weights.Bias;
        Vector256<int> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default;
        for (int j = 0; j < quads; j++)
        {
            Vector256<sbyte> low = Vector256.Load(w);
            Vector256<sbyte> high = Vector256.Load(w + 32);
            w += Int8DynamicWeights.QuadBytes;
            Vector256<byte> x = Vector256.Create(((int*)q0)[j]).AsByte();
            a0 = AvxVnni.MultiplyWideningAndAdd(a0, x, low);
            b0 = AvxVnni.MultiplyWideningAndAdd(b0, x, high);
            x = Vector256.Create(q1[j]).AsByte();
            a1 = AvxVnni.MultiplyWideningAndAdd(a1, x, low);
            b1 = AvxVnni.MultiplyWideningAndAdd(b1, x, high);
            x = Vector256.Create(q2[j]).AsByte();
            a2 = AvxVnni.MultiplyWideningAndAdd(a2, x, low);
            b2 = AvxVnni.MultiplyWideningAndAdd(b2, x, high);
        }

        FinishVnni<TShape, TActivation>(a0, b0, sx[0], bias, y, panel);
        if (valid > 1)
        {
            FinishVnni<TShape, TActivation>(a1, b1, sx[1], bias, y + n, panel);
        }

        if (valid > 2)
        {
            FinishVnni<TShape, TActivation>(a2, b2, sx[2], bias, y + (2 * n), panel);
        }
    }

    /// <summary>
    /// AVX-512BW: the inputs widened to int16 once per row; per quad, the weights of a panel are sign-extended to int16
    /// (<c>vpmovsxbw</c>, two registers of 8 outputs × 4 inputs) and multiplied by the row's 4 inputs with
    /// <c>vpmaddwd</c>, which adds pairs of products into int32 lanes (at most 2 · 127 · 128: it never saturates).
    /// Each output thus has two lanes, added at the end. The widened weights serve a block of 4 rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    internal static unsafe void ForwardInt8DynamicAvx512BW<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        CheckInt8Dynamic<TShape>(input, output, rows, weights);
        if (!Avx512BW.IsSupported)
        {
            throw new PlatformNotSupportedException("AVX-512BW is not supported here.");
        }

        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int padded = Int8DynamicWeights.PaddedInputs(k);
        int quads = padded / Int8DynamicWeights.QuadWidth;
        int panels = PanelCount<TShape>();
        using var scratch = new Int8DynamicScratch(padded, Int8DynamicRowBlock, withInt16: true, stackalloc byte[Int8DynamicScratch.StackBytes(padded, Int8DynamicRowBlock, withInt16: true)]);
        byte* bytes = scratch.Bytes;
        short* q0 = scratch.Shorts;
        float* sx = stackalloc float[Int8DynamicRowBlock];
        fixed (float* x0 = input)
        fixed (float* y0 = output)
        {
            int r = 0;
            for (; r + Int8DynamicRowBlock <= rows; r += Int8DynamicRowBlock)
            {
                for (int i = 0; i < Int8DynamicRowBlock; i++)
                {
                    sx[i] = QuantizeRow512(x0 + ((long)(r + i) * k), k, padded, bytes, offset: 0);
                    WidenToInt16((sbyte*)bytes, q0 + ((long)i * padded), padded);
                }

                long* q1 = (long*)(q0 + padded);
                long* q2 = (long*)(q0 + (2 * padded));
                long* q3 = (long*)(q0 + (3 * padded));
                float* y = y0 + ((long)r * n);
                for (int p = 0; p < panels; p++)
                {
                    sbyte* w = Int8DynamicWeights.Panel(weights, p);
                    Vector512<int> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
                    for (int j = 0; j < quads; j++)
                    {
                        Vector512<short> low = Avx512BW.ConvertToVector512Int16(Vector256.Load(w));
                        Vector512<short> high = Avx512BW.ConvertToVector512Int16(Vector256.Load(w + 32));
                        w += Int8DynamicWeights.QuadBytes;
                        Vector512<short> x = Vector512.Create(((long*)q0)[j]).AsInt16();
                        a0 += Avx512BW.MultiplyAddAdjacent(low, x);
                        b0 += Avx512BW.MultiplyAddAdjacent(high, x);
                        x = Vector512.Create(q1[j]).AsInt16();
                        a1 += Avx512BW.MultiplyAddAdjacent(low, x);
                        b1 += Avx512BW.MultiplyAddAdjacent(high, x);
                        x = Vector512.Create(q2[j]).AsInt16();
                        a2 += Avx512BW.MultiplyAddAdjacent(low, x);
                        b2 += Avx512BW.MultiplyAddAdjacent(high, x);
                        x = Vector512.Create(q3[j]).AsInt16();
                        a3 += Avx512BW.MultiplyAddAdjacent(low, x);
                        b3 += Avx512BW.MultiplyAddAdjacent(high, x);
                    }

                    Finish512Pairs<TShape, TActivation>(a0, b0, sx[0], weights, y, p);
                    Finish512Pairs<TShape, TActivation>(a1, b1, sx[1], weights, y + n, p);
                    Finish512Pairs<TShape, TActivation>(a2, b2, sx[2], weights, y + (2 * n), p);
                    Finish512Pairs<TShape, TActivation>(a3, b3, sx[3], weights, y + (3 * n), p);
                }
            }

            for (; r < rows; r++)
            {
                float s = QuantizeRow512(x0 + ((long)r * k), k, padded, bytes, offset: 0);
                WidenToInt16((sbyte*)bytes, q0, padded);
                long* q = (long*)q0;
                float* y = y0 + ((long)r * n);
                for (int p = 0; p < panels; p += 2)
                {
                    // Two panels at once (the second may lie past the last: then it is not computed).
                    bool pair = p + 1 < panels;
                    sbyte* w = Int8DynamicWeights.Panel(weights, p);
                    long panelBytes = (long)quads * Int8DynamicWeights.QuadBytes;
                    Vector512<int> a0 = default, b0 = default, a1 = default, b1 = default;
                    if (pair)
                    {
                        for (int j = 0; j < quads; j++)
                        {
                            Vector512<short> x = Vector512.Create(q[j]).AsInt16();
                            a0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w)), x);
                            b0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + 32)), x);
                            a1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + panelBytes)), x);
                            b1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + panelBytes + 32)), x);
                            w += Int8DynamicWeights.QuadBytes;
                        }

                        Finish512Pairs<TShape, TActivation>(a0, b0, s, weights, y, p);
                        Finish512Pairs<TShape, TActivation>(a1, b1, s, weights, y, p + 1);
                    }
                    else
                    {
                        int j = 0;
                        for (; j + 2 <= quads; j += 2)
                        {
                            a0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w)), Vector512.Create(q[j]).AsInt16());
                            b0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + 32)), Vector512.Create(q[j]).AsInt16());
                            a1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + Int8DynamicWeights.QuadBytes)), Vector512.Create(q[j + 1]).AsInt16());
                            b1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + Int8DynamicWeights.QuadBytes + 32)), Vector512.Create(q[j + 1]).AsInt16());
                            w += 2 * Int8DynamicWeights.QuadBytes;
                        }

                        if (j < quads)
                        {
                            a0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w)), Vector512.Create(q[j]).AsInt16());
                            b0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + 32)), Vector512.Create(q[j]).AsInt16());
                        }

                        Finish512Pairs<TShape, TActivation>(a0 + a1, b0 + b1, s, weights, y, p);
                    }
                }
            }
        }
    }

    /// <summary>
    /// 128-bit vectors: ARM64's <c>sdot</c> (<see cref="Dp"/>) multiplies 4 signed bytes by 4 and adds them into an int32
    /// lane, one instruction for 4 outputs × 4 inputs; elsewhere (x64 told to prefer 128-bit vectors, ARM64 without
    /// the dot-product extension) the bytes are widened to int16, multiplied exactly and widened again to int32.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    [SkipLocalsInit]
    internal static unsafe void ForwardInt8DynamicVector128<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        CheckInt8Dynamic<TShape>(input, output, rows, weights);
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        int padded = Int8DynamicWeights.PaddedInputs(k);
        int quads = padded / Int8DynamicWeights.QuadWidth;
        int panels = PanelCount<TShape>();
        using var scratch = new Int8DynamicScratch(padded, rows: 1, withInt16: false, stackalloc byte[Int8DynamicScratch.StackBytes(padded, rows: 1, withInt16: false)]);
        int* q = (int*)scratch.Bytes;
        fixed (float* x0 = input)
        fixed (float* y0 = output)
        {
            for (int r = 0; r < rows; r++)
            {
                float s = QuantizeRow128(x0 + ((long)r * k), k, padded, (byte*)q, offset: 0);
                float* y = y0 + ((long)r * n);
                for (int p = 0; p < panels; p++)
                {
                    sbyte* w = Int8DynamicWeights.Panel(weights, p);
                    if (Dp.IsSupported)
                    {
                        Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
                        for (int j = 0; j < quads; j++)
                        {
                            Vector128<sbyte> x = Vector128.Create(q[j]).AsSByte();
                            a0 = Dp.DotProduct(a0, Vector128.Load(w), x);
                            a1 = Dp.DotProduct(a1, Vector128.Load(w + 16), x);
                            a2 = Dp.DotProduct(a2, Vector128.Load(w + 32), x);
                            a3 = Dp.DotProduct(a3, Vector128.Load(w + 48), x);
                            w += Int8DynamicWeights.QuadBytes;
                        }

                        Finish128<TShape, TActivation>(a0, s, weights, y, p, 0);
                        Finish128<TShape, TActivation>(a1, s, weights, y, p, 1);
                        Finish128<TShape, TActivation>(a2, s, weights, y, p, 2);
                        Finish128<TShape, TActivation>(a3, s, weights, y, p, 3);
                    }
                    else
                    {
                        for (int quarter = 0; quarter < 4; quarter++)
                        {
                            // Four outputs: one int32 vector each, holding the partial sums of inputs k ≡ 0, 1, 2, 3 (mod 4).
                            sbyte* v = w + (16 * quarter);
                            Vector128<int> s0 = default, s1 = default, s2 = default, s3 = default;
                            for (int j = 0; j < quads; j++)
                            {
                                Vector128<short> x = Vector128.WidenLower(Vector128.Create(q[j]).AsSByte());
                                Vector128<sbyte> packed = Vector128.Load(v);
                                Vector128<short> low = Vector128.WidenLower(packed) * x;
                                Vector128<short> high = Vector128.WidenUpper(packed) * x;
                                s0 += Vector128.WidenLower(low);
                                s1 += Vector128.WidenUpper(low);
                                s2 += Vector128.WidenLower(high);
                                s3 += Vector128.WidenUpper(high);
                                v += Int8DynamicWeights.QuadBytes;
                            }

                            Finish128<TShape, TActivation>(
                                Vector128.Create(Vector128.Sum(s0), Vector128.Sum(s1), Vector128.Sum(s2), Vector128.Sum(s3)), s, weights, y, p, quarter);
                        }
                    }
                }
            }
        }
    }

    /// <summary>The VNNI epilogue: the correction for the offset inputs, then the float steps of the rule, 16 outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void FinishVnni<TShape, TActivation>(Vector256<int> low, Vector256<int> high, float sx, float* layerBias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        // From the bias pointer and the shape's panel count (a constant): the caller reads the weights object once.
        int offset = panel * DenseWeights.PanelWidth;
        int* correction = Int8DynamicWeights.Correction(layerBias, PanelCount<TShape>()) + offset;
        float* scales = Int8DynamicWeights.Scales(layerBias, PanelCount<TShape>()) + offset;
        float* bias = layerBias + offset;
        Vector256<float> rowScale = Vector256.Create(sx);
        Vector256<float> lowValue = TActivation.Apply(
            (Vector256.ConvertToSingle(low - Vector256.LoadAligned(correction)) * (rowScale * Vector256.LoadAligned(scales))) + Vector256.LoadAligned(bias));
        Vector256<float> highValue = TActivation.Apply(
            (Vector256.ConvertToSingle(high - Vector256.LoadAligned(correction + 8)) * (rowScale * Vector256.LoadAligned(scales + 8))) + Vector256.LoadAligned(bias + 8));
        int valid = TShape.Outputs - offset;
        if (TShape.Outputs % DenseWeights.PanelWidth != 0 && valid < DenseWeights.PanelWidth)
        {
            StoreLanes(row + offset, lowValue, valid);
            StoreLanes(row + offset + 8, highValue, valid - 8);
        }
        else
        {
            lowValue.Store(row + offset);
            highValue.Store(row + offset + 8);
        }
    }

    /// <summary>The AVX-512BW epilogue: each output's two pair sums added, then the float steps of the rule, 16 outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Finish512Pairs<TShape, TActivation>(Vector512<int> low, Vector512<int> high, float sx, DenseWeights weights, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        // low holds outputs 0..7 as lane pairs (2o, 2o + 1), high outputs 8..15: the even lanes of both, then the odd.
        Vector512<int> even = Avx512F.PermuteVar16x32x2(low, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), high);
        Vector512<int> odd = Avx512F.PermuteVar16x32x2(low, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), high);
        int offset = panel * DenseWeights.PanelWidth;
        float* scales = Int8DynamicWeights.Scales(weights) + offset;
        Vector512<float> value = TActivation.Apply(
            (Vector512.ConvertToSingle(even + odd) * (Vector512.Create(sx) * Vector512.LoadAligned(scales))) + Vector512.LoadAligned(weights.Bias + offset));
        int valid = TShape.Outputs - offset;
        if (TShape.Outputs % DenseWeights.PanelWidth != 0 && valid < DenseWeights.PanelWidth)
        {
            Avx512F.MaskStore(row + offset, LaneMask512(valid), value);
        }
        else
        {
            value.Store(row + offset);
        }
    }

    /// <summary>The 128-bit epilogue: the float steps of the rule for 4 outputs (quarter of a panel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Finish128<TShape, TActivation>(Vector128<int> sums, float sx, DenseWeights weights, float* row, int panel, int quarter)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int offset = (panel * DenseWeights.PanelWidth) + (4 * quarter);
        float* scales = Int8DynamicWeights.Scales(weights) + offset;
        Vector128<float> value = TActivation.Apply(
            (Vector128.ConvertToSingle(sums) * (Vector128.Create(sx) * Vector128.LoadAligned(scales))) + Vector128.LoadAligned(weights.Bias + offset));
        int valid = TShape.Outputs - offset;
        if (TShape.Outputs % DenseWeights.PanelWidth != 0 && valid < 4)
        {
            StoreLanes(row + offset, value, valid);
        }
        else
        {
            value.Store(row + offset);
        }
    }

    /// <summary>Stores the first <paramref name="count"/> lanes (none if it is 0 or less).</summary>
    private static unsafe void StoreLanes(float* target, Vector256<float> value, int count)
    {
        for (int i = 0; i < Math.Min(count, Vector256<float>.Count); i++)
        {
            target[i] = value.GetElement(i);
        }
    }

    /// <summary>Stores the first <paramref name="count"/> lanes (none if it is 0 or less).</summary>
    private static unsafe void StoreLanes(float* target, Vector128<float> value, int count)
    {
        for (int i = 0; i < Math.Min(count, Vector128<float>.Count); i++)
        {
            target[i] = value.GetElement(i);
        }
    }

    /// <summary>
    /// The row's scale and its first step: the largest |x| as a bit pattern (|x|'s bits order as |x| does, and every
    /// NaN's lie above ∞'s), whatever the order it is looked for in. Returns true if the row can be quantised, with
    /// <paramref name="inv"/> = 127 / m and <paramref name="sx"/> = m / 127; else false, with <paramref name="sx"/> NaN
    /// (a NaN or ∞ in the row) or 0 (m = 0, or 127 / m overflows).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool RowScale(uint maxBits, out float inv, out float sx)
    {
        if (maxBits >= 0x7F80_0000u)
        {
            inv = 0f;
            sx = float.NaN;
            return false;
        }

        float m = BitConverter.UInt32BitsToSingle(maxBits);
        inv = Int8DynamicWeights.Limit / m;
        if (float.IsPositiveInfinity(inv))
        {
            sx = 0f;
            return false;
        }

        sx = m / Int8DynamicWeights.Limit;
        return true;
    }

    /// <summary>One input: clamp(round-half-to-even(x · inv), −127, 127), as a byte with <paramref name="offset"/> added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte QuantizeScalar(float x, float inv, int offset)
    {
        float rounded = MathF.Round(x * inv, MidpointRounding.ToEven);
        int q = (int)Math.Clamp(rounded, -Int8DynamicWeights.Limit, Int8DynamicWeights.Limit);
        return (byte)(q + offset);
    }

    /// <summary>
    /// Quantises a row of <paramref name="k"/> inputs into <paramref name="padded"/> bytes (qx + <paramref name="offset"/>;
    /// the padding is qx = 0) and returns sx (the rule above), one input at a time.
    /// </summary>
    private static unsafe float QuantizeRowScalar(float* x, int k, int padded, byte* q, int offset)
    {
        uint maxBits = 0;
        for (int i = 0; i < k; i++)
        {
            maxBits = Math.Max(maxBits, BitConverter.SingleToUInt32Bits(x[i]) & 0x7FFF_FFFFu);
        }

        return QuantizeRowTail(x, k, padded, q, offset, maxBits, start: 0);
    }

    /// <summary>
    /// The row's largest |x| as a bit pattern (|x|'s bits order as |x| does, and every NaN's lie above ∞'s), with the
    /// widest vectors the processor accelerates: a maximum of integers is the same whatever the order it is taken in,
    /// so the quantisers of every width share this one. Reduced in registers, two chains at 512 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe uint LargestMagnitudeBits(float* x, int k)
    {
        int i = 0;
        Vector128<uint> largest;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<uint> magnitude = Vector512.Create(0x7FFF_FFFFu);
            Vector512<uint> even = Vector512<uint>.Zero, odd = Vector512<uint>.Zero;
            for (; i + 32 <= k; i += 32)
            {
                even = Vector512.Max(even, Vector512.Load((uint*)x + i) & magnitude);
                odd = Vector512.Max(odd, Vector512.Load((uint*)x + i + 16) & magnitude);
            }

            if (i + 16 <= k)
            {
                even = Vector512.Max(even, Vector512.Load((uint*)x + i) & magnitude);
                i += 16;
            }

            Vector512<uint> both = Vector512.Max(even, odd);
            Vector256<uint> half = Vector256.Max(both.GetLower(), both.GetUpper());
            largest = Vector128.Max(half.GetLower(), half.GetUpper());
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<uint> magnitude = Vector256.Create(0x7FFF_FFFFu);
            Vector256<uint> half = Vector256<uint>.Zero;
            for (; i + 8 <= k; i += 8)
            {
                half = Vector256.Max(half, Vector256.Load((uint*)x + i) & magnitude);
            }

            largest = Vector128.Max(half.GetLower(), half.GetUpper());
        }
        else
        {
            Vector128<uint> magnitude = Vector128.Create(0x7FFF_FFFFu);
            largest = Vector128<uint>.Zero;
            for (; i + 4 <= k; i += 4)
            {
                largest = Vector128.Max(largest, Vector128.Load((uint*)x + i) & magnitude);
            }
        }

        largest = Vector128.Max(largest, Vector128.Shuffle(largest, Vector128.Create(2u, 3u, 0u, 1u)));
        largest = Vector128.Max(largest, Vector128.Shuffle(largest, Vector128.Create(1u, 0u, 3u, 2u)));
        uint maxBits = largest.ToScalar();
        for (; i < k; i++)
        {
            maxBits = Math.Max(maxBits, BitConverter.SingleToUInt32Bits(x[i]) & 0x7FFF_FFFFu);
        }

        return maxBits;
    }

    /// <summary>The scale from <paramref name="maxBits"/>, and the inputs from <paramref name="start"/> on, one at a time.</summary>
    private static unsafe float QuantizeRowTail(float* x, int k, int padded, byte* q, int offset, uint maxBits, int start)
    {
        if (!RowScale(maxBits, out float inv, out float sx))
        {
            new Span<byte>(q, padded).Fill((byte)offset);
            return sx;
        }

        for (int i = start; i < k; i++)
        {
            q[i] = QuantizeScalar(x[i], inv, offset);
        }

        new Span<byte>(q + k, padded - k).Fill((byte)offset);
        return sx;
    }

    /// <summary>A row quantised for the AVX-VNNI path (qx + 128), with 512-bit vectors where AVX-512BW is, else 256-bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float QuantizeRowForVnni(float* x, int k, int padded, byte* q)
        => Avx512BW.IsSupported ? QuantizeRow512(x, k, padded, q, offset: 128) : QuantizeRow256(x, k, padded, q, offset: 128);

    /// <summary>
    /// <see cref="QuantizeRowScalar"/> with 512-bit vectors (AVX-512BW): the largest magnitude from
    /// <see cref="LargestMagnitudeBits"/>, then 64 inputs at a time scaled, rounded (<c>vcvtps2dq</c>: to nearest, ties to even, the rounding
    /// mode .NET runs with), packed to bytes with two rounds of saturating packs and put back in order with one
    /// permutation: a third of the instructions of narrowing each vector alone.
    /// </summary>
    /// <remarks>
    /// The packs need no clamp: |x| ≤ m, so |x · inv| ≤ m · (127 / m) rounded twice ≤ 127 · (1 + 2⁻²⁴)², which is below
    /// 127 + 2⁻¹⁷ (the float after 127) and rounds to 127 at most. The clamp of the rule never changes a value; the
    /// packs' saturation would apply it anyway. The offset (0 or 128) is added as a flip of the top bit, the same thing
    /// for a byte.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float QuantizeRow512(float* x, int k, int padded, byte* q, int offset)
    {
        uint maxBits = LargestMagnitudeBits(x, k);
        if (!RowScale(maxBits, out float inv, out float sx))
        {
            return QuantizeRowTail(x, k, padded, q, offset, maxBits, start: 0);
        }

        Vector512<float> scale = Vector512.Create(inv);
        Vector512<byte> flip = Vector512.Create((byte)offset);

        // After the packs, each 128-bit lane L holds 4 bytes of each source vector in turn: dword 4L + t has source t's
        // inputs 4L..4L + 3. This puts source t's 16 bytes (dwords 4t..4t + 3) back together.
        Vector512<int> order = Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        int i = 0;
        for (; i + 64 <= k; i += 64)
        {
            Vector512<int> a = Avx512F.ConvertToVector512Int32(Vector512.Load(x + i) * scale);
            Vector512<int> b = Avx512F.ConvertToVector512Int32(Vector512.Load(x + i + 16) * scale);
            Vector512<int> c = Avx512F.ConvertToVector512Int32(Vector512.Load(x + i + 32) * scale);
            Vector512<int> d = Avx512F.ConvertToVector512Int32(Vector512.Load(x + i + 48) * scale);
            Vector512<sbyte> packed = Avx512BW.PackSignedSaturate(Avx512BW.PackSignedSaturate(a, b), Avx512BW.PackSignedSaturate(c, d));
            (Avx512F.PermuteVar16x32(packed.AsInt32(), order).AsByte() ^ flip).Store(q + i);
        }

        Vector512<int> limit = Vector512.Create(Int8DynamicWeights.Limit);
        Vector512<int> shift = Vector512.Create(offset);
        for (; i + 16 <= k; i += 16)
        {
            Vector512<int> rounded = Avx512F.ConvertToVector512Int32(Vector512.Load(x + i) * scale);
            Vector512<int> clamped = Vector512.Min(Vector512.Max(rounded, -limit), limit) + shift;
            Avx512F.ConvertToVector128Byte(clamped).Store(q + i);
        }

        return i == padded ? sx : QuantizeRowTail(x, k, padded, q, offset, maxBits, start: i);
    }

    /// <summary><see cref="QuantizeRowScalar"/> with 256-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float QuantizeRow256(float* x, int k, int padded, byte* q, int offset)
    {
        uint maxBits = LargestMagnitudeBits(x, k);
        if (!RowScale(maxBits, out float inv, out _))
        {
            return QuantizeRowTail(x, k, padded, q, offset, maxBits, start: 0);
        }

        Vector256<float> scale = Vector256.Create(inv);
        Vector256<int> limit = Vector256.Create(Int8DynamicWeights.Limit);
        Vector256<int> shift = Vector256.Create(offset);
        int i = 0;
        for (; i + 32 <= k; i += 32)
        {
            // vcvtps2dq rounds to nearest, ties to even (the default rounding mode .NET runs with).
            Vector256<int> q0 = Vector256.Min(Vector256.Max(Avx.ConvertToVector256Int32(Vector256.Load(x + i) * scale), -limit), limit) + shift;
            Vector256<int> q1 = Vector256.Min(Vector256.Max(Avx.ConvertToVector256Int32(Vector256.Load(x + i + 8) * scale), -limit), limit) + shift;
            Vector256<int> q2 = Vector256.Min(Vector256.Max(Avx.ConvertToVector256Int32(Vector256.Load(x + i + 16) * scale), -limit), limit) + shift;
            Vector256<int> q3 = Vector256.Min(Vector256.Max(Avx.ConvertToVector256Int32(Vector256.Load(x + i + 24) * scale), -limit), limit) + shift;
            Vector256.Narrow(Vector256.Narrow(q0.AsUInt32(), q1.AsUInt32()), Vector256.Narrow(q2.AsUInt32(), q3.AsUInt32())).Store(q + i);
        }

        return QuantizeRowTail(x, k, padded, q, offset, maxBits, start: i);
    }

    /// <summary><see cref="QuantizeRowScalar"/> with 128-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float QuantizeRow128(float* x, int k, int padded, byte* q, int offset)
    {
        uint maxBits = LargestMagnitudeBits(x, k);
        if (!RowScale(maxBits, out float inv, out _))
        {
            return QuantizeRowTail(x, k, padded, q, offset, maxBits, start: 0);
        }

        Vector128<float> scale = Vector128.Create(inv);
        Vector128<float> limit = Vector128.Create((float)Int8DynamicWeights.Limit);
        Vector128<int> shift = Vector128.Create(offset);
        int i = 0;
        for (; i + 16 <= k; i += 16)
        {
            // Round (ties to even), clamp in float (exact: the values are whole), convert (exact).
            Vector128<int> q0 = Vector128.ConvertToInt32(Vector128.Clamp(Vector128.Round(Vector128.Load(x + i) * scale), -limit, limit)) + shift;
            Vector128<int> q1 = Vector128.ConvertToInt32(Vector128.Clamp(Vector128.Round(Vector128.Load(x + i + 4) * scale), -limit, limit)) + shift;
            Vector128<int> q2 = Vector128.ConvertToInt32(Vector128.Clamp(Vector128.Round(Vector128.Load(x + i + 8) * scale), -limit, limit)) + shift;
            Vector128<int> q3 = Vector128.ConvertToInt32(Vector128.Clamp(Vector128.Round(Vector128.Load(x + i + 12) * scale), -limit, limit)) + shift;
            Vector128.Narrow(Vector128.Narrow(q0.AsUInt32(), q1.AsUInt32()), Vector128.Narrow(q2.AsUInt32(), q3.AsUInt32())).Store(q + i);
        }

        return QuantizeRowTail(x, k, padded, q, offset, maxBits, start: i);
    }

    /// <summary>Sign-extends <paramref name="count"/> (a multiple of 4) bytes to int16.</summary>
    private static unsafe void WidenToInt16(sbyte* source, short* target, int count)
    {
        int i = 0;
        for (; i + 32 <= count; i += 32)
        {
            Avx512BW.ConvertToVector512Int16(Vector256.Load(source + i)).Store(target + i);
        }

        for (; i < count; i++)
        {
            target[i] = source[i];
        }
    }

    /// <summary>Guards every Int8Dynamic entry point: the spans, the shape and the format of the weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckInt8Dynamic<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
    {
        Check<TShape>(input, output, rows, weights);
        if (!weights.DynamicActivations)
        {
            throw new ArgumentException("The weights were not packed as WeightFormat.Int8Dynamic: pack and call in the same weight format.", nameof(weights));
        }
    }

    /// <summary>
    /// Where a call quantises its rows: <c>rows</c> × padded K bytes, then, if asked (the AVX-512BW path), the same as
    /// int16, 64-byte aligned; on the caller's stack up to <see cref="Int8DynamicStackBytes"/>, else in native memory
    /// freed on dispose. Never the managed heap.
    /// </summary>
    private readonly unsafe ref struct Int8DynamicScratch
    {
        private readonly void* _native;

        public Int8DynamicScratch(int padded, int rows, bool withInt16, Span<byte> stack)
        {
            nuint bytes = ByteCount(padded, rows, withInt16);
            if (stack.Length >= (int)bytes + 64)
            {
                _native = null;
                byte* start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(stack));
                Bytes = (byte*)(((nint)start + 63) & ~(nint)63);
            }
            else
            {
                _native = NativeMemory.AlignedAlloc(bytes, 64);
                Bytes = (byte*)_native;
            }

            Shorts = withInt16 ? (short*)(Bytes + ((long)rows * padded)) : null;
        }

        /// <summary>The bytes: rows × padded K.</summary>
        public byte* Bytes { get; }

        /// <summary>The int16 inputs: rows × padded K, after the bytes; null unless asked for.</summary>
        public short* Shorts { get; }

        /// <summary>Bytes to ask of the stack: all of it with room to align, or nothing if that is too much.</summary>
        public static int StackBytes(int padded, int rows, bool withInt16)
        {
            nuint bytes = ByteCount(padded, rows, withInt16) + 64;
            return bytes <= Int8DynamicStackBytes ? (int)bytes : 0;
        }

        public void Dispose()
        {
            if (_native != null)
            {
                NativeMemory.AlignedFree(_native);
            }
        }

        private static nuint ByteCount(int padded, int rows, bool withInt16) => (nuint)rows * (nuint)padded * (withInt16 ? 3u : 1u);
    }
}
