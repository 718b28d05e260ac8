using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

// The vector path of ConvolutionKernel, written once for every width: IConvolutionLanes (ConvolutionKernel.Lanes.cs)
// supplies the loads, the FMA and the epilogue of AVX-512, AVX2 or 128-bit vectors.
public static partial class ConvolutionKernel
{
    /// <summary>The AVX-512 path of <see cref="Forward{TShape, TActivation}"/>.</summary>
    internal static void ForwardVector512<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
        => ForwardVectors<TShape, TActivation, System.Runtime.Intrinsics.Vector512<float>, ConvolutionLanes512>(input, output, rows, weights);

    /// <summary>The AVX2 path of <see cref="Forward{TShape, TActivation}"/>.</summary>
    internal static void ForwardVector256<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
        => ForwardVectors<TShape, TActivation, System.Runtime.Intrinsics.Vector256<float>, ConvolutionLanes256>(input, output, rows, weights);

    /// <summary>The 128-bit path (ARM64 NEON; callable on x64 for tests) of <see cref="Forward{TShape, TActivation}"/>.</summary>
    internal static void ForwardVector128<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
        => ForwardVectors<TShape, TActivation, System.Runtime.Intrinsics.Vector128<float>, ConvolutionLanes128>(input, output, rows, weights);

    /// <summary>
    /// The vector path: each sample's input copied into a zero-padded plane (unless it needs no padding, see
    /// <see cref="Padded{TShape}"/>), then register blocks of <see cref="BlockVectors{TShape, TVector, TLanes}"/> vectors
    /// of output positions × <see cref="ConvolutionWeights.BlockWidth"/> output channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardVectors<TShape, TActivation, TVector, TLanes>(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
        where TVector : struct
        where TLanes : struct, IConvolutionLanes<TVector>
    {
        Check<TShape>(input, output, rows, weights);
        if (rows == 0)
        {
            return;
        }

        int lanes = TLanes.Count;
        int blockVectors = BlockVectors<TShape, TVector, TLanes>();
        bool padded = Padded<TShape>(lanes);
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
        int outPlane = TShape.OutHeight * TShape.OutWidth;
        int rowStride = padded ? PaddedRowStride<TShape>() : TShape.InWidth;
        int planeStride = padded ? PaddedHeight<TShape>() * rowStride : TShape.InHeight * TShape.InWidth;

        // A row of outputs is ⌈OW / lanes⌉ vectors; the last starts at OW − lanes, overlapping the one before (its
        // positions are computed twice, to the same bits). A row narrower than a vector is one partial vector.
        int rowVectors = TShape.OutWidth >= lanes ? (TShape.OutWidth + lanes - 1) / lanes : 1;
        int count = Math.Min(lanes, TShape.OutWidth);
        int vectors = TShape.OutHeight * rowVectors;

        int* inputOffsets = stackalloc int[blockVectors];
        int* outputOffsets = stackalloc int[blockVectors];
        float* tile = stackalloc float[blockVectors * ConvolutionWeights.BlockWidth * lanes];
        long paddedFloats = padded ? PaddedFloats<TShape>(lanes) : 0;
        float* plane = padded ? (float*)NativeMemory.AlignedAlloc((nuint)paddedFloats * sizeof(float), 64) : null;
        try
        {
            if (padded)
            {
                ClearBorder<TShape>(plane, paddedFloats);
            }

            fixed (float* x0 = input)
            fixed (float* y0 = output)
            {
                for (int r = 0; r < rows; r++)
                {
                    float* x = x0 + ((long)r * InputSize<TShape>());
                    float* y = y0 + ((long)r * OutputSize<TShape>());
                    if (padded)
                    {
                        CopyPadded<TShape>(x, plane);
                        x = plane;
                    }

                    float* next = r + 1 < rows ? x0 + ((long)(r + 1) * InputSize<TShape>()) : null;
                    for (int first = 0; first < vectors; first += blockVectors)
                    {
                        if (padded && next is not null)
                        {
                            PrefetchPart(next, InputSize<TShape>(), first / blockVectors, (vectors + blockVectors - 1) / blockVectors);
                        }

                        // A block past the last vector repeats the last one: the same outputs, stored again.
                        for (int j = 0; j < blockVectors; j++)
                        {
                            int v = Math.Min(first + j, vectors - 1);
                            int oh = v / rowVectors;
                            int ow = Math.Min((v % rowVectors) * lanes, TShape.OutWidth - count);
                            inputOffsets[j] = (oh * TShape.StrideHeight * rowStride) + ow;
                            outputOffsets[j] = (oh * TShape.OutWidth) + ow;
                        }

                        for (int group = 0; group < TShape.Groups; group++)
                        {
                            float* xg = x + ((long)group * inPerGroup * planeStride);
                            for (int block = 0; block < weights.BlocksPerGroup; block++)
                            {
                                int firstChannel = block * ConvolutionWeights.BlockWidth;
                                int channels = Math.Min(ConvolutionWeights.BlockWidth, outPerGroup - firstChannel);
                                float* yc = y + ((long)((group * outPerGroup) + firstChannel) * outPlane);
                                Block<TShape, TActivation, TVector, TLanes>(
                                    xg, inputOffsets, planeStride, rowStride, weights.Block(group, block), weights.BlockBias(group, block),
                                    yc, outputOffsets, channels, count, tile);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            if (padded)
            {
                NativeMemory.AlignedFree(plane);
            }
        }
    }

    /// <summary>
    /// Vectors of positions per register block for this layer, a constant when the kernel is compiled: all of a
    /// plane's vectors if they fit in one block; else <typeparamref name="TLanes"/>.PositionVectors (6 with 32
    /// registers) unless the last block of a plane would repeat more than an eighth of the plane's vectors, then 5 or 4,
    /// whichever repeats fewer (an 8 × 8 plane of 8-lane rows is 2 blocks of 4, not 2 of 6).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BlockVectors<TShape, TVector, TLanes>()
        where TShape : struct, IConvolutionShape
        where TVector : struct
        where TLanes : struct, IConvolutionLanes<TVector>
    {
        int lanes = TLanes.Count;
        int vectors = TShape.OutHeight * (TShape.OutWidth >= lanes ? (TShape.OutWidth + lanes - 1) / lanes : 1);
        int most = TLanes.PositionVectors;
        if (vectors <= most || most < 6)
        {
            return Math.Min(vectors, most);
        }

        int repeated6 = (6 - (vectors % 6)) % 6;
        int repeated5 = (5 - (vectors % 5)) % 5;
        int repeated4 = (4 - (vectors % 4)) % 4;
        return repeated6 * 8 <= vectors ? 6 : repeated5 <= repeated4 ? 5 : 4;
    }

    /// <summary>
    /// One register block: <see cref="BlockVectors{TShape, TVector, TLanes}"/> vectors of output positions (input and output
    /// offsets in <paramref name="inputOffsets"/> and <paramref name="outputOffsets"/>) × the 4 output channels of one
    /// weight block, one accumulator each, every tap in the canonical order; then the epilogue, vector stores into
    /// each channel's plane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block<TShape, TActivation, TVector, TLanes>(
        float* x, int* inputOffsets, int planeStride, int rowStride, float* w, float* bias,
        float* y, int* outputOffsets, int channels, int count, float* tile)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
        where TVector : struct
        where TLanes : struct, IConvolutionLanes<TVector>
    {
        int n = BlockVectors<TShape, TVector, TLanes>();
        float* p0 = x + inputOffsets[0];
        float* p1 = n > 1 ? x + inputOffsets[1] : p0;
        float* p2 = n > 2 ? x + inputOffsets[2] : p0;
        float* p3 = n > 3 ? x + inputOffsets[3] : p0;
        float* p4 = n > 4 ? x + inputOffsets[4] : p0;
        float* p5 = n > 5 ? x + inputOffsets[5] : p0;
        TVector a0 = TLanes.Zero, a1 = TLanes.Zero, a2 = TLanes.Zero, a3 = TLanes.Zero, a4 = TLanes.Zero, a5 = TLanes.Zero;
        TVector b0 = TLanes.Zero, b1 = TLanes.Zero, b2 = TLanes.Zero, b3 = TLanes.Zero, b4 = TLanes.Zero, b5 = TLanes.Zero;
        TVector c0 = TLanes.Zero, c1 = TLanes.Zero, c2 = TLanes.Zero, c3 = TLanes.Zero, c4 = TLanes.Zero, c5 = TLanes.Zero;
        TVector d0 = TLanes.Zero, d1 = TLanes.Zero, d2 = TLanes.Zero, d3 = TLanes.Zero, d4 = TLanes.Zero, d5 = TLanes.Zero;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        for (int ic = 0; ic < inPerGroup; ic++)
        {
            for (int kh = 0; kh < TShape.KernelHeight; kh++)
            {
                nint row = ((nint)ic * planeStride) + ((nint)kh * TShape.DilationHeight * rowStride);
                for (int kw = 0; kw < TShape.KernelWidth; kw++)
                {
                    nint offset = row + ColumnOffset<TShape>(kw);
                    TVector w0 = TLanes.Broadcast(w);
                    TVector w1 = TLanes.Broadcast(w + 1);
                    TVector w2 = TLanes.Broadcast(w + 2);
                    TVector w3 = TLanes.Broadcast(w + 3);
                    w += ConvolutionWeights.BlockWidth;
                    TVector v = TLanes.Load(p0 + offset);
                    a0 = TLanes.FusedMultiplyAdd(v, w0, a0);
                    b0 = TLanes.FusedMultiplyAdd(v, w1, b0);
                    c0 = TLanes.FusedMultiplyAdd(v, w2, c0);
                    d0 = TLanes.FusedMultiplyAdd(v, w3, d0);
                    if (n > 1)
                    {
                        v = TLanes.Load(p1 + offset);
                        a1 = TLanes.FusedMultiplyAdd(v, w0, a1);
                        b1 = TLanes.FusedMultiplyAdd(v, w1, b1);
                        c1 = TLanes.FusedMultiplyAdd(v, w2, c1);
                        d1 = TLanes.FusedMultiplyAdd(v, w3, d1);
                    }

                    if (n > 2)
                    {
                        v = TLanes.Load(p2 + offset);
                        a2 = TLanes.FusedMultiplyAdd(v, w0, a2);
                        b2 = TLanes.FusedMultiplyAdd(v, w1, b2);
                        c2 = TLanes.FusedMultiplyAdd(v, w2, c2);
                        d2 = TLanes.FusedMultiplyAdd(v, w3, d2);
                    }

                    if (n > 3)
                    {
                        v = TLanes.Load(p3 + offset);
                        a3 = TLanes.FusedMultiplyAdd(v, w0, a3);
                        b3 = TLanes.FusedMultiplyAdd(v, w1, b3);
                        c3 = TLanes.FusedMultiplyAdd(v, w2, c3);
                        d3 = TLanes.FusedMultiplyAdd(v, w3, d3);
                    }

                    if (n > 4)
                    {
                        v = TLanes.Load(p4 + offset);
                        a4 = TLanes.FusedMultiplyAdd(v, w0, a4);
                        b4 = TLanes.FusedMultiplyAdd(v, w1, b4);
                        c4 = TLanes.FusedMultiplyAdd(v, w2, c4);
                        d4 = TLanes.FusedMultiplyAdd(v, w3, d4);
                    }

                    if (n > 5)
                    {
                        v = TLanes.Load(p5 + offset);
                        a5 = TLanes.FusedMultiplyAdd(v, w0, a5);
                        b5 = TLanes.FusedMultiplyAdd(v, w1, b5);
                        c5 = TLanes.FusedMultiplyAdd(v, w2, c5);
                        d5 = TLanes.FusedMultiplyAdd(v, w3, d5);
                    }
                }
            }
        }

        // The accumulators leave the registers here, before the epilogue: an activation or a partial store that calls
        // out would otherwise make the register allocator keep them on the stack through the whole tap loop.
        int lanes = TLanes.Count;
        TLanes.Store(a0, tile);
        TLanes.Store(b0, tile + lanes);
        TLanes.Store(c0, tile + (2 * lanes));
        TLanes.Store(d0, tile + (3 * lanes));
        if (n > 1)
        {
            TLanes.Store(a1, tile + (4 * lanes));
            TLanes.Store(b1, tile + (5 * lanes));
            TLanes.Store(c1, tile + (6 * lanes));
            TLanes.Store(d1, tile + (7 * lanes));
        }

        if (n > 2)
        {
            TLanes.Store(a2, tile + (8 * lanes));
            TLanes.Store(b2, tile + (9 * lanes));
            TLanes.Store(c2, tile + (10 * lanes));
            TLanes.Store(d2, tile + (11 * lanes));
        }

        if (n > 3)
        {
            TLanes.Store(a3, tile + (12 * lanes));
            TLanes.Store(b3, tile + (13 * lanes));
            TLanes.Store(c3, tile + (14 * lanes));
            TLanes.Store(d3, tile + (15 * lanes));
        }

        if (n > 4)
        {
            TLanes.Store(a4, tile + (16 * lanes));
            TLanes.Store(b4, tile + (17 * lanes));
            TLanes.Store(c4, tile + (18 * lanes));
            TLanes.Store(d4, tile + (19 * lanes));
        }

        if (n > 5)
        {
            TLanes.Store(a5, tile + (20 * lanes));
            TLanes.Store(b5, tile + (21 * lanes));
            TLanes.Store(c5, tile + (22 * lanes));
            TLanes.Store(d5, tile + (23 * lanes));
        }

        Finish<TShape, TActivation, TVector, TLanes>(tile, bias, y, outputOffsets, channels, count);
    }

    /// <summary>
    /// The epilogue of a register block whose accumulators are in <paramref name="tile"/> (vector j of channel c at
    /// (4j + c) · lanes): act(acc + bias) stored into each of the <paramref name="channels"/> channels' planes.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Finish<TShape, TActivation, TVector, TLanes>(float* tile, float* bias, float* y, int* outputOffsets, int channels, int count)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
        where TVector : struct
        where TLanes : struct, IConvolutionLanes<TVector>
    {
        int lanes = TLanes.Count;
        int outPlane = TShape.OutHeight * TShape.OutWidth;
        for (int c = 0; c < channels; c++)
        {
            float* plane = y + ((long)c * outPlane);
            for (int j = 0; j < BlockVectors<TShape, TVector, TLanes>(); j++)
            {
                float* accumulator = tile + ((((j * ConvolutionWeights.BlockWidth) + c) * lanes));
                TLanes.Finish<TActivation>(TLanes.Load(accumulator), bias[c], plane + outputOffsets[j], count, accumulator);
            }
        }
    }

    /// <summary>
    /// Asks for part <paramref name="part"/> of <paramref name="parts"/> of the next sample's input
    /// (<paramref name="floats"/> floats at <paramref name="next"/>) to be brought into the L2 cache while this sample
    /// is computed, so that its copy into the padded planes does not wait on memory at a large batch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchPart(float* next, int floats, int part, int parts)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        const int LineFloats = 16;
        int lines = (floats + LineFloats - 1) / LineFloats;
        int perPart = (lines + parts - 1) / parts;
        int end = Math.Min(lines, (part + 1) * perPart);
        for (int line = part * perPart; line < end; line++)
        {
            Sse.Prefetch1(next + ((long)line * LineFloats));
        }
    }

    /// <summary>The first <paramref name="count"/> lanes of <paramref name="value"/> to <paramref name="destination"/>, through <paramref name="tile"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void StorePartial<TVector>(TVector value, float* destination, int count, float* tile)
        where TVector : struct
    {
        Unsafe.WriteUnaligned(tile, value);
        for (int i = 0; i < count; i++)
        {
            destination[i] = tile[i];
        }
    }
}
