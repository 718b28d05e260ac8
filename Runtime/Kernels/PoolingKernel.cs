using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// Max and average pooling over each channel of row-major (C, H, W) samples (a one-dimensional layer is one of
/// height 1), as <c>nn.MaxPool1d/2d</c> and <c>nn.AvgPool1d/2d</c> at their defaults. Exists for generated code; not
/// meant to be used directly.
/// </summary>
/// <remarks>
/// One plain loop for every processor: each output reads its window in (kh, kw) order, which is all the definition
/// there is, so every instruction set gives the same bits. Maximum: starts at −∞, a larger value or a NaN replaces it
/// (NaN propagates, as in PyTorch), taps in the padding are skipped. Average: the window's values inside the input
/// summed in float in that order, divided by the whole window's size, padding included (PyTorch's
/// <c>count_include_pad=True</c>). Pooling is a small part of a network's time next to the convolutions around it.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PoolingKernel
{
    /// <summary>Max pooling of <paramref name="rows"/> samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows)
        where TShape : struct, IConvolutionShape
        => Pool<TShape, MaxWindow>(input, output, rows);

    /// <summary>Average pooling of <paramref name="rows"/> samples, padding counted in the divisor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Average<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows)
        where TShape : struct, IConvolutionShape
        => Pool<TShape, AverageWindow>(input, output, rows);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Pool<TShape, TWindow>(ReadOnlySpan<float> input, Span<float> output, int rows)
        where TShape : struct, IConvolutionShape
        where TWindow : struct, IWindow
    {
        int inPlane = TShape.InHeight * TShape.InWidth;
        int outPlane = TShape.OutHeight * TShape.OutWidth;
        if (rows < 0 || input.Length < (long)rows * TShape.InChannels * inPlane || output.Length < (long)rows * TShape.OutChannels * outPlane)
        {
            throw new ArgumentException(
                $"Pooling kernel ({TShape.InChannels}, {TShape.InHeight}, {TShape.InWidth}) → ({TShape.OutChannels}, {TShape.OutHeight}, {TShape.OutWidth}) " +
                $"called with {rows} rows, input length {input.Length} and output length {output.Length}.");
        }

        float divisor = TShape.KernelHeight * TShape.KernelWidth;
        fixed (float* x0 = input)
        fixed (float* y0 = output)
        {
            long planes = (long)rows * TShape.InChannels;
            for (long c = 0; c < planes; c++)
            {
                float* x = x0 + (c * inPlane);
                float* y = y0 + (c * outPlane);
                for (int oh = 0; oh < TShape.OutHeight; oh++)
                {
                    int ih0 = (oh * TShape.StrideHeight) - TShape.PaddingHeight;
                    ConvolutionKernel.ValidTaps(ih0, TShape.InHeight, TShape.KernelHeight, 1, out int khLow, out int khHigh);
                    for (int ow = 0; ow < TShape.OutWidth; ow++)
                    {
                        int iw0 = (ow * TShape.StrideWidth) - TShape.PaddingWidth;
                        ConvolutionKernel.ValidTaps(iw0, TShape.InWidth, TShape.KernelWidth, 1, out int kwLow, out int kwHigh);
                        float value = TWindow.Start;
                        for (int kh = khLow; kh < khHigh; kh++)
                        {
                            float* row = x + ((ih0 + kh) * TShape.InWidth) + iw0;
                            for (int kw = kwLow; kw < kwHigh; kw++)
                            {
                                value = TWindow.Add(value, row[kw]);
                            }
                        }

                        y[(oh * TShape.OutWidth) + ow] = TWindow.Finish(value, divisor);
                    }
                }
            }
        }
    }

    private interface IWindow
    {
        static abstract float Start { get; }

        static abstract float Add(float value, float x);

        static abstract float Finish(float value, float divisor);
    }

    private readonly struct MaxWindow : IWindow
    {
        public static float Start => float.NegativeInfinity;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Add(float value, float x) => x > value || float.IsNaN(x) ? x : value;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Finish(float value, float divisor) => value;
    }

    private readonly struct AverageWindow : IWindow
    {
        public static float Start => 0f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Add(float value, float x) => value + x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Finish(float value, float divisor) => value / divisor;
    }
}
