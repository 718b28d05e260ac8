using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// A convolution's weights, repacked once at load for <see cref="ConvolutionKernel"/>. Exists for generated code, which
/// packs each layer with <see cref="Pack"/> or <see cref="PackWithBatchNorm"/>; not meant to be used directly.
/// </summary>
/// <remarks>
/// Layout: each group's output channels are cut into blocks of <see cref="BlockWidth"/> = 4 (the last block of a group
/// padded with zero weights). Block b of group g holds, for each tap t of the (in / groups) × kH × kW taps in PyTorch's
/// weight order, the 4 weights W[oc, t] of its channels side by side, so the kernel broadcasts the block's four weights
/// of a tap from one 16-byte run and multiplies each by a vector of input positions. The bias follows, 4 per block
/// (zeros in padded lanes and for a layer without bias). Pinned and 64-byte aligned like <see cref="DenseWeights"/>,
/// and immutable, so one network serves many threads.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe class ConvolutionWeights
{
    /// <summary>Output channels per block: the channels of one register block of the kernel.</summary>
    internal const int BlockWidth = 4;

    private const int AlignmentFloats = 16;

    // Keeps the pinned storage alive; Packed and Bias point into it.
    private readonly float[] _storage;

    private ConvolutionWeights(int outChannels, int weightsPerOutput, int groups)
    {
        OutChannels = outChannels;
        WeightsPerOutput = weightsPerOutput;
        Groups = groups;
        BlocksPerGroup = ((outChannels / groups) + BlockWidth - 1) / BlockWidth;
        long blocks = (long)groups * BlocksPerGroup;
        long total = (blocks * weightsPerOutput * BlockWidth) + (blocks * BlockWidth) + AlignmentFloats;
        if (total > Array.MaxLength)
        {
            throw new OutOfMemoryException($"A convolution of {outChannels} channels × {weightsPerOutput} weights is too large to pack.");
        }

        _storage = GC.AllocateArray<float>((int)total, pinned: true);
        float* start = (float*)Unsafe.AsPointer(ref _storage[0]);
        nint misalignment = ((nint)start & 63) / sizeof(float);
        Packed = misalignment == 0 ? start : start + (AlignmentFloats - misalignment);
        Bias = Packed + (blocks * weightsPerOutput * BlockWidth);
    }

    /// <summary>Output channels (C_out).</summary>
    public int OutChannels { get; }

    /// <summary>Weights per output channel: (in / groups) × kH × kW, the taps each output sums.</summary>
    public int WeightsPerOutput { get; }

    /// <summary>Channel groups.</summary>
    public int Groups { get; }

    /// <summary>Blocks of 4 output channels per group, ⌈(out / groups) / 4⌉.</summary>
    internal int BlocksPerGroup { get; }

    /// <summary>The packed weights, 64-byte aligned: per block, <see cref="WeightsPerOutput"/> runs of 4.</summary>
    internal float* Packed { get; }

    /// <summary>The bias, 4 per block.</summary>
    internal float* Bias { get; }

    /// <summary>The packed weights of block <paramref name="block"/> of group <paramref name="group"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal float* Block(int group, int block) => Packed + ((long)((group * BlocksPerGroup) + block) * WeightsPerOutput * BlockWidth);

    /// <summary>The bias of block <paramref name="block"/> of group <paramref name="group"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal float* BlockBias(int group, int block) => Bias + (((group * BlocksPerGroup) + block) * BlockWidth);

    /// <summary>
    /// Packs a PyTorch <c>nn.Conv1d</c> / <c>nn.Conv2d</c> weight (out, in / groups, [kH,] kW), row-major, and an optional bias (out).
    /// </summary>
    /// <param name="weight">out × weightsPerOutput values, as PyTorch stores <c>weight</c>.</param>
    /// <param name="bias">out values, or empty for a layer without bias.</param>
    /// <param name="outChannels">C_out.</param>
    /// <param name="weightsPerOutput">(in / groups) × kH × kW.</param>
    /// <param name="groups">Channel groups; divides <paramref name="outChannels"/>.</param>
    public static ConvolutionWeights Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, int weightsPerOutput, int groups)
        => PackScaled(weight, bias, outChannels, weightsPerOutput, groups, batchNorm: null);

    /// <summary>
    /// Packs a convolution with the batch normalisation that follows it folded in (per output channel), as
    /// <see cref="DenseWeights.PackWithBatchNorm(System.ReadOnlySpan{float}, System.ReadOnlySpan{float}, int, int, BatchNormParameters)"/> does for a dense layer: W'[o,t] = W[o,t]·s[o] and
    /// b'[o] = (b[o] − mean[o])·s[o] + β[o], with s = γ / √(var + ε), computed in double and rounded once to float.
    /// </summary>
    public static ConvolutionWeights PackWithBatchNorm(
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, int weightsPerOutput, int groups, BatchNormParameters batchNorm)
    {
        ArgumentNullException.ThrowIfNull(batchNorm);
        if (batchNorm.Features != outChannels)
        {
            throw new ArgumentException($"The batch normalisation has {batchNorm.Features} channels but the convolution has {outChannels}.", nameof(batchNorm));
        }

        return PackScaled(weight, bias, outChannels, weightsPerOutput, groups, batchNorm);
    }

    private static ConvolutionWeights PackScaled(
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outChannels, int weightsPerOutput, int groups, BatchNormParameters? batchNorm)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(weightsPerOutput);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groups);
        if (outChannels % groups != 0)
        {
            throw new ArgumentException($"{groups} groups do not divide {outChannels} output channels.", nameof(groups));
        }

        if (weight.Length != (long)outChannels * weightsPerOutput)
        {
            throw new ArgumentException($"Expected {outChannels}×{weightsPerOutput} = {(long)outChannels * weightsPerOutput} weights, got {weight.Length}.", nameof(weight));
        }

        if (!bias.IsEmpty && bias.Length != outChannels)
        {
            throw new ArgumentException($"Expected {outChannels} bias values, got {bias.Length}.", nameof(bias));
        }

        var packed = new ConvolutionWeights(outChannels, weightsPerOutput, groups);
        int perGroup = outChannels / groups;
        for (int o = 0; o < outChannels; o++)
        {
            int group = o / perGroup;
            int block = (o % perGroup) / BlockWidth;
            int lane = (o % perGroup) % BlockWidth;
            float* destination = packed.Block(group, block) + lane;
            ReadOnlySpan<float> source = weight.Slice(o * weightsPerOutput, weightsPerOutput);
            double b = bias.IsEmpty ? 0.0 : bias[o];
            if (batchNorm is null)
            {
                for (int t = 0; t < weightsPerOutput; t++)
                {
                    destination[(long)t * BlockWidth] = source[t];
                }

                packed.BlockBias(group, block)[lane] = (float)b;
            }
            else
            {
                double scale = batchNorm.Scale(o);
                for (int t = 0; t < weightsPerOutput; t++)
                {
                    destination[(long)t * BlockWidth] = (float)(source[t] * scale);
                }

                packed.BlockBias(group, block)[lane] = (float)(((b - batchNorm.RunningMean[o]) * scale) + batchNorm.Bias[o]);
            }
        }

        return packed;
    }
}
