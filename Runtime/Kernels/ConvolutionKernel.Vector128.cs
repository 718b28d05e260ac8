using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

// The 128-bit path of ConvolutionKernel: 4 output channels per vector, a block of 16 in 4 parts. It is
// ConvolutionKernel.Vector512.cs with 4 lanes; keep
// the three files alike, method for method.
public static partial class ConvolutionKernel
{
    /// <summary>The 128-bit path (ARM64 NEON; callable on x64 for tests) of <see cref="Forward{TShape, TActivation}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardVector128<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, ConvolutionWeights weights)
        where TShape : struct, IConvolutionShape
        where TActivation : struct, IActivation
    {
        Check<TShape>(input, output, rows, weights);
        int lanes = Vector128<float>.Count;
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int outPerGroup = TShape.OutChannels / TShape.Groups;
        int outPlane = TShape.OutHeight * TShape.OutWidth;
        InteriorColumns<TShape>(out int interiorLow, out int interiorHigh);
        float* tile = stackalloc float[Vector128<float>.Count * PositionsPerBlock];
        fixed (float* x0 = input)
        fixed (float* y0 = output)
        {
            for (int r = 0; r < rows; r++)
            {
                float* x = x0 + ((long)r * InputSize<TShape>());
                float* y = y0 + ((long)r * OutputSize<TShape>());
                for (int group = 0; group < TShape.Groups; group++)
                {
                    float* xg = x + ((long)group * inPerGroup * TShape.InHeight * TShape.InWidth);
                    for (int block = 0; block < weights.BlocksPerGroup; block++)
                    {
                        for (int part = 0; part < ConvolutionWeights.BlockWidth / lanes; part++)
                        {
                            int first = (block * ConvolutionWeights.BlockWidth) + (part * lanes);
                            int valid = Math.Min(lanes, outPerGroup - first);
                            if (valid <= 0)
                            {
                                break;
                            }

                            float* w = weights.Block(group, block) + (part * lanes);
                            Vector128<float> bias = Vector128.LoadAligned(weights.BlockBias(group, block) + (part * lanes));
                            float* yc = y + ((long)((group * outPerGroup) + first) * outPlane);
                            for (int oh = 0; oh < TShape.OutHeight; oh++)
                            {
                                int ih0 = (oh * TShape.StrideHeight) - TShape.PaddingHeight;
                                ValidTaps(ih0, TShape.InHeight, TShape.KernelHeight, TShape.DilationHeight, out int khLow, out int khHigh);
                                float* xRow = xg + ((long)ih0 * TShape.InWidth) - TShape.PaddingWidth;
                                float* yRow = yc + (oh * TShape.OutWidth);
                                int ow = 0;
                                while (ow < TShape.OutWidth)
                                {
                                    if (ow >= interiorLow && ow + PositionsPerBlock <= interiorHigh)
                                    {
                                        Block128<TShape>(xRow + (ow * TShape.StrideWidth), w, khLow, khHigh, tile);
                                        Finish128<TActivation>(tile, PositionsPerBlock, bias, yRow + ow, outPlane, valid);
                                        ow += PositionsPerBlock;
                                    }
                                    else
                                    {
                                        int iw0 = (ow * TShape.StrideWidth) - TShape.PaddingWidth;
                                        ValidTaps(iw0, TShape.InWidth, TShape.KernelWidth, TShape.DilationWidth, out int kwLow, out int kwHigh);
                                        Single128<TShape>(xRow + (ow * TShape.StrideWidth), w, khLow, khHigh, kwLow, kwHigh, tile);
                                        Finish128<TActivation>(tile, 1, bias, yRow + ow, outPlane, valid);
                                        ow++;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Eight neighbouring output positions of one row whose windows lie inside the input's width, taps kh in
    /// [<paramref name="khLow"/>, <paramref name="khHigh"/>): one accumulator each, stored to <paramref name="tile"/>.
    /// <paramref name="x"/> is where the first position's window starts (at kh = 0, kw = 0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Block128<TShape>(float* x, float* w, int khLow, int khHigh, float* tile)
        where TShape : struct, IConvolutionShape
    {
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int inPlane = TShape.InHeight * TShape.InWidth;
        int s = TShape.StrideWidth;
        Vector128<float> a0 = Vector128<float>.Zero, a1 = Vector128<float>.Zero, a2 = Vector128<float>.Zero, a3 = Vector128<float>.Zero;
        Vector128<float> a4 = Vector128<float>.Zero, a5 = Vector128<float>.Zero, a6 = Vector128<float>.Zero, a7 = Vector128<float>.Zero;
        for (int ic = 0; ic < inPerGroup; ic++)
        {
            for (int kh = khLow; kh < khHigh; kh++)
            {
                float* xr = x + ((long)ic * inPlane) + (kh * TShape.DilationHeight * TShape.InWidth);
                float* wr = w + ((long)((ic * TShape.KernelHeight) + kh) * TShape.KernelWidth * ConvolutionWeights.BlockWidth);
                for (int kw = 0; kw < TShape.KernelWidth; kw++)
                {
                    Vector128<float> wv = Vector128.LoadAligned(wr + (kw * ConvolutionWeights.BlockWidth));
                    float* xt = xr + (kw * TShape.DilationWidth);
                    a0 = Vector128.FusedMultiplyAdd(Vector128.Create(xt[0]), wv, a0);
                    a1 = Vector128.FusedMultiplyAdd(Vector128.Create(xt[s]), wv, a1);
                    a2 = Vector128.FusedMultiplyAdd(Vector128.Create(xt[2 * s]), wv, a2);
                    a3 = Vector128.FusedMultiplyAdd(Vector128.Create(xt[3 * s]), wv, a3);
                    a4 = Vector128.FusedMultiplyAdd(Vector128.Create(xt[4 * s]), wv, a4);
                    a5 = Vector128.FusedMultiplyAdd(Vector128.Create(xt[5 * s]), wv, a5);
                    a6 = Vector128.FusedMultiplyAdd(Vector128.Create(xt[6 * s]), wv, a6);
                    a7 = Vector128.FusedMultiplyAdd(Vector128.Create(xt[7 * s]), wv, a7);
                }
            }
        }

        int lanes = Vector128<float>.Count;
        a0.Store(tile);
        a1.Store(tile + lanes);
        a2.Store(tile + (2 * lanes));
        a3.Store(tile + (3 * lanes));
        a4.Store(tile + (4 * lanes));
        a5.Store(tile + (5 * lanes));
        a6.Store(tile + (6 * lanes));
        a7.Store(tile + (7 * lanes));
    }

    /// <summary>One output position with its taps clipped to kh in [<paramref name="khLow"/>, <paramref name="khHigh"/>) and kw in [<paramref name="kwLow"/>, <paramref name="kwHigh"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Single128<TShape>(float* x, float* w, int khLow, int khHigh, int kwLow, int kwHigh, float* tile)
        where TShape : struct, IConvolutionShape
    {
        int inPerGroup = TShape.InChannels / TShape.Groups;
        int inPlane = TShape.InHeight * TShape.InWidth;
        Vector128<float> acc = Vector128<float>.Zero;
        for (int ic = 0; ic < inPerGroup; ic++)
        {
            for (int kh = khLow; kh < khHigh; kh++)
            {
                float* xr = x + ((long)ic * inPlane) + (kh * TShape.DilationHeight * TShape.InWidth);
                float* wr = w + ((long)((ic * TShape.KernelHeight) + kh) * TShape.KernelWidth * ConvolutionWeights.BlockWidth);
                for (int kw = kwLow; kw < kwHigh; kw++)
                {
                    acc = Vector128.FusedMultiplyAdd(Vector128.Create(xr[kw * TShape.DilationWidth]), Vector128.LoadAligned(wr + (kw * ConvolutionWeights.BlockWidth)), acc);
                }
            }
        }

        acc.Store(tile);
    }

    /// <summary>
    /// The epilogue of <paramref name="positions"/> accumulators in <paramref name="tile"/>: bias and activation in
    /// registers, then each of the <paramref name="valid"/> channels' values to its own plane, <paramref name="plane"/> apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Finish128<TActivation>(float* tile, int positions, Vector128<float> bias, float* y, int plane, int valid)
        where TActivation : struct, IActivation
    {
        int lanes = Vector128<float>.Count;
        for (int p = 0; p < positions; p++)
        {
            TActivation.Apply(Vector128.Load(tile + (p * lanes)) + bias).Store(tile + (p * lanes));
        }

        for (int lane = 0; lane < valid; lane++)
        {
            float* channel = y + ((long)lane * plane);
            for (int p = 0; p < positions; p++)
            {
                channel[p] = tile[(p * lanes) + lane];
            }
        }
    }
}
