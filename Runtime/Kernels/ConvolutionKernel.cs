using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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
/// channel ic of o's group, then kh, then kw, whose input position ih = oh·strideH − padH + kh·dilationH,
/// iw = ow·strideW − padW + kw·dilationW lies inside the input, acc = fma(x[ic, ih, iw], W[o, ic, kh, kw], acc);
/// taps in the zero padding are skipped (they would add zero products); then y = act(acc + b[o]). One accumulator per
/// output walked in one order is what lets the vector paths, the scalar loop, every batch size and every thread count
/// agree exactly.
/// </para>
/// <para>
/// The vector paths (<c>ConvolutionKernel.Vector512.cs</c>, <c>.Vector256.cs</c>, <c>.Vector128.cs</c>) put output
/// channels across the lanes: <see cref="ConvolutionWeights"/> holds, per tap, the weights of 16 output channels side
/// by side, so one aligned load of weights and one broadcast input value make one FMA for 16 channels, and
/// <see cref="PositionsPerBlock"/> neighbouring output positions of a row are computed at once, each in its own
/// accumulator, so the FMAs of one weight vector are independent. Positions whose window overlaps the left or right
/// padding are computed one at a time with the taps clipped; rows whose window overlaps the top or bottom padding
/// clip their kh range, the same for every position of the row. The epilogue adds the bias and applies the activation
/// in registers, then writes each channel's positions to its own plane.
/// </para>
/// Exists for generated code, which calls it once per layer; not meant to be used directly.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class ConvolutionKernel
{
    /// <summary>Output positions computed together in the vector paths' register block.</summary>
    internal const int PositionsPerBlock = 8;

    /// <summary>
    /// Computes <paramref name="rows"/> samples: <paramref name="input"/> is rows × (C_in, H, W) and
    /// <paramref name="output"/> rows × (C_out, H_out, W_out), both densely packed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
    {
        if (VectorPaths.Vector512)
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
                            for (int ic = 0; ic < inPerGroup; ic++)
                            {
                                for (int kh = 0; kh < TShape.KernelHeight; kh++)
                                {
                                    int ih = ih0 + (kh * TShape.DilationHeight);
                                    if ((uint)ih >= (uint)TShape.InHeight)
                                    {
                                        continue;
                                    }

                                    for (int kw = 0; kw < TShape.KernelWidth; kw++)
                                    {
                                        int iw = iw0 + (kw * TShape.DilationWidth);
                                        if ((uint)iw >= (uint)TShape.InWidth)
                                        {
                                            continue;
                                        }

                                        int tap = (((ic * TShape.KernelHeight) + kh) * TShape.KernelWidth) + kw;
                                        acc = MathF.FusedMultiplyAdd(xg[((long)ic * inPlane) + (ih * TShape.InWidth) + iw], w[(long)tap * ConvolutionWeights.BlockWidth], acc);
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

    /// <summary>
    /// Output columns [<paramref name="low"/>, <paramref name="high"/>) whose whole window lies inside the input's
    /// width: the columns the register-blocked code takes without clipping.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void InteriorColumns<TShape>(out int low, out int high)
        where TShape : struct, IConvolutionShape
    {
        low = Math.Min(TShape.OutWidth, (TShape.PaddingWidth + TShape.StrideWidth - 1) / TShape.StrideWidth);
        int last = TShape.InWidth - 1 + TShape.PaddingWidth - ((TShape.KernelWidth - 1) * TShape.DilationWidth);
        high = last < 0 ? 0 : Math.Min(TShape.OutWidth, (last / TShape.StrideWidth) + 1);
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
