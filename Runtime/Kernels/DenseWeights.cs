using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// A dense layer's weights, packed once at load into the layout the kernels stream, plus its bias.
/// </summary>
/// <remarks>
/// Layout: the N output columns are cut into panels of <see cref="PanelWidth"/> = 16 (one 512-bit vector).
/// Panel p holds, for k = 0..K−1 in order, the 16 weights W[16p + lane, k] side by side, so a kernel that
/// computes 16 outputs walks one contiguous stream and loads one vector per input feature. Columns past N in
/// the last panel are zero. The bias is padded to the same width. Storage is a pinned array on the pinned
/// object heap, offset to a 64-byte boundary (one cache line, one vector), so the pointers below never move
/// and aligned loads never split a line. Instances are immutable after construction, which is what makes
/// one network safe to share between threads.
/// </remarks>
public sealed unsafe class DenseWeights
{
    /// <summary>Outputs per panel: one 512-bit vector of floats.</summary>
    public const int PanelWidth = 16;

    private const int AlignmentFloats = 64 / sizeof(float);

    // Keeps the pinned storage alive; Weights and Bias point into it.
    private readonly float[] _storage;

    private DenseWeights(int inputs, int outputs)
    {
        Inputs = inputs;
        Outputs = outputs;
        Panels = (outputs + PanelWidth - 1) / PanelWidth;
        long weightCount = (long)Panels * PanelWidth * inputs;
        long biasCount = (long)Panels * PanelWidth;
        long total = weightCount + biasCount + AlignmentFloats;
        if (total > Array.MaxLength)
        {
            throw new OutOfMemoryException($"A dense layer of {inputs}×{outputs} is too large to pack ({total} floats).");
        }

        // Zeroed, pinned: the padding columns must be 0 so padded lanes compute harmless values.
        _storage = GC.AllocateArray<float>((int)total, pinned: true);
        float* start = (float*)Unsafe.AsPointer(ref _storage[0]);
        nint misalignment = (nint)start & 63;
        float* aligned = misalignment == 0 ? start : (float*)((byte*)start + (64 - misalignment));
        Weights = aligned;
        Bias = aligned + weightCount;
    }

    /// <summary>Features per sample read (K).</summary>
    public int Inputs { get; }

    /// <summary>Features per sample written (N).</summary>
    public int Outputs { get; }

    /// <summary>Number of 16-wide column panels, ⌈N / 16⌉.</summary>
    public int Panels { get; }

    /// <summary>Packed weights: <see cref="Panels"/> × <see cref="Inputs"/> × 16 floats, 64-byte aligned.</summary>
    public float* Weights { get; }

    /// <summary>Bias, <see cref="Panels"/> × 16 floats (zeros past N, and everywhere for a layer without bias).</summary>
    public float* Bias { get; }

    /// <summary>The weight of output <paramref name="output"/> for input <paramref name="input"/>, read from the packed layout.</summary>
    public float WeightAt(int output, int input) => Column(output)[(long)input * PanelWidth];

    /// <summary>
    /// Packs a PyTorch <c>nn.Linear</c> weight (row-major (outputs, inputs)) and optional bias (outputs).
    /// </summary>
    /// <param name="weight">outputs × inputs values, row-major, as PyTorch stores <c>weight</c>.</param>
    /// <param name="bias">outputs values, or empty for a layer without bias.</param>
    /// <param name="inputs">K.</param>
    /// <param name="outputs">N.</param>
    public static DenseWeights Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs)
    {
        Validate(weight, bias, inputs, outputs);
        var packed = new DenseWeights(inputs, outputs);
        for (int o = 0; o < outputs; o++)
        {
            ReadOnlySpan<float> row = weight.Slice(o * inputs, inputs);
            float* column = packed.Column(o);
            for (int k = 0; k < inputs; k++)
            {
                column[(long)k * PanelWidth] = row[k];
            }

            packed.Bias[o] = bias.IsEmpty ? 0f : bias[o];
        }

        return packed;
    }

    /// <summary>
    /// Packs a dense layer with the batch normalisation that follows it folded in, so the normalisation costs
    /// nothing at run time: W'[o,k] = W[o,k]·s[o] and b'[o] = (b[o] − mean[o])·s[o] + β[o], with
    /// s = γ / √(var + ε). The fold is computed in double and rounded once to float.
    /// </summary>
    public static DenseWeights PackWithBatchNorm(
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs, BatchNormParameters batchNorm)
    {
        Validate(weight, bias, inputs, outputs);
        if (batchNorm.Features != outputs)
        {
            throw new ArgumentException($"The batch normalisation has {batchNorm.Features} features but the dense layer has {outputs} outputs.", nameof(batchNorm));
        }

        var packed = new DenseWeights(inputs, outputs);
        for (int o = 0; o < outputs; o++)
        {
            double scale = batchNorm.Scale(o);
            ReadOnlySpan<float> row = weight.Slice(o * inputs, inputs);
            float* column = packed.Column(o);
            for (int k = 0; k < inputs; k++)
            {
                column[(long)k * PanelWidth] = (float)(row[k] * scale);
            }

            double b = bias.IsEmpty ? 0.0 : bias[o];
            packed.Bias[o] = (float)(((b - batchNorm.RunningMean[o]) * scale) + batchNorm.Bias[o]);
        }

        return packed;
    }

    /// <summary>
    /// Where output <paramref name="output"/>'s weights start in the packed layout: its panel, then its lane.
    /// Consecutive inputs of that output are <see cref="PanelWidth"/> floats apart.
    /// </summary>
    private float* Column(int output)
        => Weights + ((long)(output / PanelWidth) * Inputs * PanelWidth) + (output % PanelWidth);

    private static void Validate(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        if (weight.Length != (long)inputs * outputs)
        {
            throw new ArgumentException($"Expected {outputs}×{inputs} = {(long)inputs * outputs} weights, got {weight.Length}.", nameof(weight));
        }

        if (!bias.IsEmpty && bias.Length != outputs)
        {
            throw new ArgumentException($"Expected {outputs} bias values, got {bias.Length}.", nameof(bias));
        }
    }
}
