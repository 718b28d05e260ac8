using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// y = act(conv(x, W) + b) for a block of samples: a direct convolution (no im2col buffer), the work of every
/// <c>Conv1d</c> and <c>Conv2d</c> layer. Samples are row-major (C, H, W), as PyTorch's NCHW; a one-dimensional
/// layer is a two-dimensional one of height 1.
/// </summary>
/// <remarks>
/// <para>
/// The canonical arithmetic, which every instruction-set path reproduces bit for bit: for each output channel o
/// and output position (oh, ow) of each sample, acc = 0; then for each tap of o's weights in PyTorch's order, input
/// channel ic of o's group, then kh, then kw, with input position ih = oh·strideH − padH + kh·dilationH,
/// iw = ow·strideW − padW + kw·dilationW, acc = fma(x, W[o, ic, kh, kw], acc), where x is x[ic, ih, iw] inside the
/// input and +0 in the zero padding (a tap in the padding is an FMA with zero, as on a zero-padded copy of the input);
/// then y = act(acc + b[o]). One accumulator per output walked in one order is what lets the vector paths, the scalar
/// loop, every batch size and every thread count agree exactly.
/// </para>
/// <para>
/// The vector path (<c>ConvolutionKernel.Vectors.cs</c>, one generic kernel for AVX-512, AVX2 and 128-bit vectors,
/// whose width-specific operations are in <c>ConvolutionKernel.Lanes.cs</c>) puts neighbouring output positions of one
/// output row across the lanes. Each sample is first copied into a zero-padded plane per input channel (native memory
/// owned by the call, the input's size plus its border: not an im2col buffer), so every position, border or not, reads
/// its window the same way: one unaligned vector load of the padded row per tap. With a stride along the width the
/// padded row is stored as stride phases (the columns ≡ 0, 1, … mod stride, one after another), so the positions of a
/// vector still read consecutive floats. A layer without padding, stride 1 along the width and rows at least a vector
/// wide reads its input in place. A register block is 4 to 6 vectors of positions (2 with 16 registers; as many as
/// divide the plane's vectors with little repeated) × the <see cref="ConvolutionWeights.BlockWidth"/> output channels
/// of one weight block: per tap, four broadcast weights and one load per vector feed 4 FMAs each, all accumulators
/// independent. On AVX-512, rows of at most 8 or 4 outputs take 256- or 128-bit vectors, which leave fewer lanes idle. The epilogue adds the
/// bias, applies the activation in registers and stores each vector straight into its channel's plane (NCHW); a row
/// wider than a vector ends with a vector that overlaps the one before, so no partial store is needed, and a row
/// narrower than a vector is stored lane by lane.
/// </para>
/// Exists for generated code, which calls it once per layer; not meant to be used directly.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class ConvolutionKernel
{
    /// <summary>
    /// Computes <paramref name="rows"/> samples: <paramref name="input"/> is rows × (C_in, H, W) and
    /// <paramref name="output"/> rows × (C_out, H_out, W_out), both densely packed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
    {
        // Output rows narrower than half a vector take narrower vectors on the same processor (AVX-512 has the
        // 256- and 128-bit forms with all 32 registers): fewer idle lanes, and every width gives the same bits.
        if (VectorPaths.Vector512 && TShape.OutWidth <= Vector128<float>.Count)
        {
            ForwardVector128<TShape, TActivation>(input, output, rows, weights);
        }
        else if (VectorPaths.Vector512 && TShape.OutWidth <= Vector256<float>.Count)
        {
            ForwardVector256<TShape, TActivation>(input, output, rows, weights);
        }
        else if (VectorPaths.Vector512)
        {
            ForwardVector512<TShape, TActivation>(input, output, rows, weights);
        }
        else if (VectorPaths.Vector256)
        {
            ForwardVector256<TShape, TActivation>(input, output, rows, weights);
        }
        else if (VectorPaths.Vector128)
        {
            ForwardVector128<TShape, TActivation>(input, output, rows, weights);
        }
        else
        {
            ForwardScalar<TShape, TActivation>(input, output, rows, weights);
        }
    }

    /// <summary>The plain .NET path: one output at a time, in the canonical order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardScalar<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
    {
        Check<TShape>(input, output, rows, weights);
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
        int inPlane = TShape.InHeight * TShape.InWidth;
        int outPlane = TShape.OutHeight * TShape.OutWidth;
        fixed (float* x0 = input)
        fixed (float* y0 = output)
        {
            for (int r = 0; r < rows; r++)
            {
                float* x = x0 + ((long)r * InputSize<TShape>());
                float* y = y0 + ((long)r * OutputSize<TShape>());
                for (int o = 0; o < TShape.OutChannels; o++)
                {
                    int group = o / outPerGroup;
                    int block = (o % outPerGroup) / ConvolutionWeights.BlockWidth;
                    int lane = (o % outPerGroup) % ConvolutionWeights.BlockWidth;
                    float* w = weights.Block(group, block) + lane;
                    float bias = weights.BlockBias(group, block)[lane];
                    float* xg = x + ((long)group * inPerGroup * inPlane);
                    for (int oh = 0; oh < TShape.OutHeight; oh++)
                    {
                        int ih0 = (oh * TShape.StrideHeight) - TShape.PaddingHeight;
                        for (int ow = 0; ow < TShape.OutWidth; ow++)
                        {
                            int iw0 = (ow * TShape.StrideWidth) - TShape.PaddingWidth;
                            float acc = 0f;
                            int tap = 0;
                            for (int ic = 0; ic < inPerGroup; ic++)
                            {
                                for (int kh = 0; kh < TShape.KernelHeight; kh++)
                                {
                                    int ih = ih0 + (kh * TShape.DilationHeight);
                                    for (int kw = 0; kw < TShape.KernelWidth; kw++, tap++)
                                    {
                                        int iw = iw0 + (kw * TShape.DilationWidth);
                                        float value = (uint)ih < (uint)TShape.InHeight && (uint)iw < (uint)TShape.InWidth
                                            ? xg[((long)ic * inPlane) + (ih * TShape.InWidth) + iw]
                                            : 0f;
                                        acc = MathF.FusedMultiplyAdd(value, w[(long)tap * ConvolutionWeights.BlockWidth], acc);
                                    }
                                }
                            }

                            y[((long)o * outPlane) + (oh * TShape.OutWidth) + ow] = TActivation.Apply(acc + bias);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether the vector path of <paramref name="lanes"/> lanes reads a zero-padded copy of each sample: unless the
    /// layer has no padding, stride 1 along the width and output rows at least a vector wide, when every vector's
    /// window lies inside the input as it is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Padded<TShape>(int lanes)
        where TShape : struct, IConvolutionShape
        => TShape.PaddingHeight != 0 || TShape.PaddingWidth != 0 || TShape.StrideWidth != 1 || TShape.OutWidth < lanes;

    /// <summary>Columns of one stride phase of a padded row: ⌈(W + 2·padW) / strideW⌉.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int PhaseLength<TShape>()
        where TShape : struct, IConvolutionShape
        => (TShape.InWidth + (2 * TShape.PaddingWidth) + TShape.StrideWidth - 1) / TShape.StrideWidth;

    /// <summary>Floats from one padded row to the next: the stride phases of the row, one after another.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int PaddedRowStride<TShape>()
        where TShape : struct, IConvolutionShape
        => TShape.StrideWidth * PhaseLength<TShape>();

    /// <summary>Rows of a padded plane: H + 2·padH.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int PaddedHeight<TShape>()
        where TShape : struct, IConvolutionShape
        => TShape.InHeight + (2 * TShape.PaddingHeight);

    /// <summary>
    /// Floats of the padded copy of one sample, with room after the last row for the lanes a vector narrower than
    /// its row reads past the row's end (read, never stored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long PaddedFloats<TShape>(int lanes)
        where TShape : struct, IConvolutionShape
        => ((long)TShape.InChannels * PaddedHeight<TShape>() * PaddedRowStride<TShape>()) + (2 * lanes);

    /// <summary>
    /// Where tap <paramref name="kw"/> of the output at column 0 reads in a (padded) row: padded column kw·dilationW,
    /// in stride phase (kw·dilationW) mod strideW at index ⌊kw·dilationW / strideW⌋. Output column ow adds ow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ColumnOffset<TShape>(int kw)
        where TShape : struct, IConvolutionShape
        => TShape.StrideWidth == 1
            ? kw * TShape.DilationWidth
            : (kw * TShape.DilationWidth % TShape.StrideWidth * PhaseLength<TShape>()) + (kw * TShape.DilationWidth / TShape.StrideWidth);

    /// <summary>
    /// Zeroes what <see cref="CopyPadded{TShape}"/> does not write in the padded copy of <paramref name="floats"/>
    /// floats: each plane's border and the room after the last row. With a stride along the width the border is spread
    /// over the phases, and the whole copy is cleared.
    /// </summary>
    internal static unsafe void ClearBorder<TShape>(float* plane, long floats)
        where TShape : struct, IConvolutionShape
    {
        if (TShape.StrideWidth != 1)
        {
            NativeMemory.Clear(plane, (nuint)floats * sizeof(float));
            return;
        }

        int rowStride = PaddedRowStride<TShape>();
        int planeStride = PaddedHeight<TShape>() * rowStride;
        int right = rowStride - TShape.PaddingWidth - TShape.InWidth;
        for (int c = 0; c < TShape.InChannels; c++)
        {
            float* p = plane + ((long)c * planeStride);
            NativeMemory.Clear(p, (nuint)(TShape.PaddingHeight * rowStride * sizeof(float)));
            NativeMemory.Clear(p + ((TShape.PaddingHeight + TShape.InHeight) * rowStride), (nuint)(TShape.PaddingHeight * rowStride * sizeof(float)));
            for (int ih = 0; ih < TShape.InHeight; ih++)
            {
                float* row = p + ((ih + TShape.PaddingHeight) * rowStride);
                new Span<float>(row, TShape.PaddingWidth).Clear();
                new Span<float>(row + TShape.PaddingWidth + TShape.InWidth, right).Clear();
            }
        }

        long used = (long)TShape.InChannels * planeStride;
        NativeMemory.Clear(plane + used, (nuint)(floats - used) * sizeof(float));
    }

    /// <summary>
    /// Copies one sample into the inside of its padded planes (the border, zeroed once per call, stays zero):
    /// padded column c of a row goes to stride phase c mod strideW, index ⌊c / strideW⌋.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void CopyPadded<TShape>(float* x, float* plane)
        where TShape : struct, IConvolutionShape
    {
        int rowStride = PaddedRowStride<TShape>();
        int planeStride = PaddedHeight<TShape>() * rowStride;
        for (int c = 0; c < TShape.InChannels; c++)
        {
            for (int ih = 0; ih < TShape.InHeight; ih++)
            {
                float* source = x + (((long)c * TShape.InHeight) + ih) * TShape.InWidth;
                float* row = plane + ((long)c * planeStride) + ((ih + TShape.PaddingHeight) * rowStride);
                if (TShape.StrideWidth == 1)
                {
                    Buffer.MemoryCopy(source, row + TShape.PaddingWidth, TShape.InWidth * sizeof(float), TShape.InWidth * sizeof(float));
                }
                else
                {
                    for (int iw = 0; iw < TShape.InWidth; iw++)
                    {
                        int column = iw + TShape.PaddingWidth;
                        row[(column % TShape.StrideWidth * PhaseLength<TShape>()) + (column / TShape.StrideWidth)] = source[iw];
                    }
                }
            }
        }
    }

    /// <summary>Floats per input sample, a JIT-time constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int InputSize<TShape>()
        where TShape : struct, IConvolutionShape
        => TShape.InChannels * TShape.InHeight * TShape.InWidth;

    /// <summary>Floats per output sample, a JIT-time constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int OutputSize<TShape>()
        where TShape : struct, IConvolutionShape
        => TShape.OutChannels * TShape.OutHeight * TShape.OutWidth;

    /// <summary>
    /// The taps [<paramref name="low"/>, <paramref name="high"/>) of <paramref name="taps"/>, <paramref name="dilation"/>
    /// apart from <paramref name="start"/>, that fall inside an input of <paramref name="size"/>; empty if none do.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ValidTaps(int start, int size, int taps, int dilation, out int low, out int high)
    {
        low = start >= 0 ? 0 : (-start + dilation - 1) / dilation;
        high = start >= size ? 0 : Math.Min(taps, ((size - 1 - start) / dilation) + 1);
        if (high < low)
        {
            high = low;
        }
    }

    /// <summary>Guards every entry point: a kernel never reads or writes outside its spans.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights)
        where TShape : struct, IConvolutionShape
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (rows < 0
            || input.Length < (long)rows * InputSize<TShape>()
            || output.Length < (long)rows * OutputSize<TShape>()
            || weights.OutChannels != TShape.OutChannels
            || weights.Groups != TShape.Groups
            || weights.WeightsPerOutput != TShape.InChannels / TShape.Groups * TShape.KernelHeight * TShape.KernelWidth)
        {
            throw new ArgumentException(
                $"Convolution kernel ({TShape.InChannels}, {TShape.InHeight}, {TShape.InWidth}) → ({TShape.OutChannels}, {TShape.OutHeight}, {TShape.OutWidth}) " +
                $"called with {rows} rows, input length {input.Length}, output length {output.Length} and weights of " +
                $"{weights.OutChannels} channels × {weights.WeightsPerOutput} in {weights.Groups} groups.");
        }
    }
}
