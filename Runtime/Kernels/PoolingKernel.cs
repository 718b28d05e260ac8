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
/// <para>
/// The definition every path keeps: each output reads its window in (kh, kw) order. Maximum: starts at −∞, a larger
/// value or a NaN replaces it (NaN propagates, as in PyTorch; of equal values, such as −0 and +0, the first stays),
/// taps in the padding are skipped. Average: the window's values inside the input summed in float in that order,
/// divided by the whole window's size, padding included (PyTorch's <c>count_include_pad=True</c>).
/// </para>
/// <para>
/// The vector paths (PoolingKernel.Vectors.cs) keep that order for each output: a vector holds consecutive outputs of
/// one row, and each tap is one vector step applied to all of them, so every lane does the scalar loop's arithmetic
/// in the scalar loop's order and every path gives the same bits. They take the outputs whose window lies inside
/// the input's width at a column stride of 1 or 2; the columns in the padding, other strides and rows too short
/// for a 128-bit vector take the scalar loop.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class PoolingKernel
{
    /// <summary>Max pooling of <paramref name="rows"/> samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Max<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows)
        where TShape : struct, IConvolutionShape
    {
        if (VectorPaths.Vector512)
        {
            Pool<TShape, MaxWindow, Widest512>(input, output, rows);
        }
        else if (VectorPaths.Vector256)
        {
            Pool<TShape, MaxWindow, Widest256>(input, output, rows);
        }
        else if (VectorPaths.Vector128)
        {
            Pool<TShape, MaxWindow, Widest128>(input, output, rows);
        }
        else
        {
            Pool<TShape, MaxWindow, ScalarOnly>(input, output, rows);
        }
    }

    /// <summary>Average pooling of <paramref name="rows"/> samples, padding counted in the divisor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Average<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows)
        where TShape : struct, IConvolutionShape
    {
        if (VectorPaths.Vector512)
        {
            Pool<TShape, AverageWindow, Widest512>(input, output, rows);
        }
        else if (VectorPaths.Vector256)
        {
            Pool<TShape, AverageWindow, Widest256>(input, output, rows);
        }
        else if (VectorPaths.Vector128)
        {
            Pool<TShape, AverageWindow, Widest128>(input, output, rows);
        }
        else
        {
            Pool<TShape, AverageWindow, ScalarOnly>(input, output, rows);
        }
    }

    /// <summary><see cref="Max{TShape}"/> on a chosen path (for the tests and the benchmarks).</summary>
    internal static void MaxOnPath<TShape>(KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows)
        where TShape : struct, IConvolutionShape
    {
        switch (path)
        {
            case KernelPath.Vector512: Pool<TShape, MaxWindow, Widest512>(input, output, rows); break;
            case KernelPath.Vector256: Pool<TShape, MaxWindow, Widest256>(input, output, rows); break;
            case KernelPath.Vector128: Pool<TShape, MaxWindow, Widest128>(input, output, rows); break;
            default: Pool<TShape, MaxWindow, ScalarOnly>(input, output, rows); break;
        }
    }

    /// <summary><see cref="Average{TShape}"/> on a chosen path (for the tests and the benchmarks).</summary>
    internal static void AverageOnPath<TShape>(KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows)
        where TShape : struct, IConvolutionShape
    {
        switch (path)
        {
            case KernelPath.Vector512: Pool<TShape, AverageWindow, Widest512>(input, output, rows); break;
            case KernelPath.Vector256: Pool<TShape, AverageWindow, Widest256>(input, output, rows); break;
            case KernelPath.Vector128: Pool<TShape, AverageWindow, Widest128>(input, output, rows); break;
            default: Pool<TShape, AverageWindow, ScalarOnly>(input, output, rows); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Pool<TShape, TWindow, TWidest>(ReadOnlySpan<float> input, Span<float> output, int rows)
        where TShape : struct, IConvolutionShape
        where TWindow : struct, IWindow
        where TWidest : struct, IWidestVector
    {
        int inPlane = TShape.InHeight * TShape.InWidth;
        int outPlane = TShape.OutHeight * TShape.OutWidth;
        if (rows < 0 || input.Length < (long)rows * TShape.InChannels * inPlane || output.Length < (long)rows * TShape.OutChannels * outPlane)
        {
            throw new ArgumentException(
                $"Pooling kernel ({TShape.InChannels}, {TShape.InHeight}, {TShape.InWidth}) → ({TShape.OutChannels}, {TShape.OutHeight}, {TShape.OutWidth}) " +
                $"called with {rows} rows, input length {input.Length} and output length {output.Length}.");
        }

        InteriorColumns<TShape>(out int interiorLow, out int interiorHigh);
        fixed (float* x0 = input)
        fixed (float* y0 = output)
        {
            long planes = (long)rows * TShape.InChannels;

            // The first float past the samples: a stride-2 vector step of an odd-width kernel loads one column past
            // its last tap, which must not leave the input.
            float* inputEnd = x0 + (planes * inPlane);
            for (long c = 0; c < planes; c++)
            {
                float* x = x0 + (c * inPlane);
                float* y = y0 + (c * outPlane);
                for (int oh = 0; oh < TShape.OutHeight; oh++)
                {
                    int ih0 = (oh * TShape.StrideHeight) - TShape.PaddingHeight;
                    ConvolutionKernel.ValidTaps(ih0, TShape.InHeight, TShape.KernelHeight, 1, out int khLow, out int khHigh);
                    float* yRow = y + (oh * TShape.OutWidth);
                    int vectorLow = interiorLow;
                    int vectorHigh = Columns<TShape, TWindow, TWidest>(x, yRow, ih0, khLow, khHigh, interiorLow, interiorHigh, inputEnd);
                    if (vectorHigh == interiorLow)
                    {
                        vectorLow = vectorHigh = TShape.OutWidth;
                    }

                    for (int ow = 0; ow < vectorLow; ow++)
                    {
                        yRow[ow] = Window<TShape, TWindow>(x, ih0, khLow, khHigh, ow);
                    }

                    for (int ow = vectorHigh; ow < TShape.OutWidth; ow++)
                    {
                        yRow[ow] = Window<TShape, TWindow>(x, ih0, khLow, khHigh, ow);
                    }
                }
            }
        }
    }

    /// <summary>One output by the definition: its window's taps inside the input, in (kh, kw) order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float Window<TShape, TWindow>(float* x, int ih0, int khLow, int khHigh, int ow)
        where TShape : struct, IConvolutionShape
        where TWindow : struct, IWindow
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

        return TWindow.Finish(value, TShape.KernelHeight * TShape.KernelWidth);
    }

    /// <summary>
    /// Output columns [<paramref name="low"/>, <paramref name="high"/>) whose whole window lies inside the input's
    /// width (pooling has no dilation: the taps are adjacent).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InteriorColumns<TShape>(out int low, out int high)
        where TShape : struct, IConvolutionShape
    {
        low = Math.Min(TShape.OutWidth, (TShape.PaddingWidth + TShape.StrideWidth - 1) / TShape.StrideWidth);
        int last = TShape.InWidth - TShape.KernelWidth + TShape.PaddingWidth;
        high = last < 0 ? 0 : Math.Min(TShape.OutWidth, (last / TShape.StrideWidth) + 1);
        if (high < low)
        {
            high = low;
        }
    }

    private interface IWindow
    {
        static abstract float Start { get; }

        static abstract float Add(float value, float x);

        static abstract float Finish(float value, float divisor);

        static abstract TVector Add<TVector, TOps>(TVector value, TVector x)
            where TVector : struct
            where TOps : struct, IVectorOps<TVector>;

        static abstract TVector Finish<TVector, TOps>(TVector value, float divisor)
            where TVector : struct
            where TOps : struct, IVectorOps<TVector>;
    }

    private readonly struct MaxWindow : IWindow
    {
        public static float Start => float.NegativeInfinity;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Add(float value, float x) => x > value || float.IsNaN(x) ? x : value;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Finish(float value, float divisor) => value;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Add<TVector, TOps>(TVector value, TVector x)
            where TVector : struct
            where TOps : struct, IVectorOps<TVector>
            => TOps.MaxStep(value, x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Finish<TVector, TOps>(TVector value, float divisor)
            where TVector : struct
            where TOps : struct, IVectorOps<TVector>
            => value;
    }

    private readonly struct AverageWindow : IWindow
    {
        public static float Start => 0f;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Add(float value, float x) => value + x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static float Finish(float value, float divisor) => value / divisor;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Add<TVector, TOps>(TVector value, TVector x)
            where TVector : struct
            where TOps : struct, IVectorOps<TVector>
            => TOps.Add(value, x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Finish<TVector, TOps>(TVector value, float divisor)
            where TVector : struct
            where TOps : struct, IVectorOps<TVector>
            => TOps.Divide(value, divisor);
    }
}
