using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// A dense layer's weights, packed once at load into the layout the kernels stream, plus its bias. Exists for
/// generated code, which packs each layer with one of the <c>Pack</c> or <c>PackWithBatchNorm</c> overloads and hands it to
/// <see cref="DenseKernel"/>; not meant to be used directly.
/// </summary>
/// <remarks>
/// Layout: 16-wide column panels in the format's element type (<see cref="IWeightFormat"/>; today float32,
/// <see cref="Float32Weights"/>), then the bias padded to whole panels (zeros past N) and any other per-output data
/// the format keeps. Storage is a pinned array on the pinned object heap, offset to a 64-byte boundary (one cache
/// line, one vector), so the pointers never move and aligned loads never split a line. Nothing in an instance can be
/// changed after packing, and the pointers are visible only to the kernels: that immutability is what makes one
/// network safe to share between threads.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed unsafe class DenseWeights
{
    /// <summary>Outputs per panel: one 512-bit vector of floats.</summary>
    internal const int PanelWidth = 16;

    private const int AlignmentBytes = 64;

    // Keeps the pinned storage alive; PackedPanels and Bias point into it.
    private readonly byte[] _storage;

    private DenseWeights(int inputs, int outputs, int elementBytes, long stepsPerPanel, int perOutputFloats, bool dynamicActivations)
    {
        // Read here so that the cache sizes are known before any kernel runs (see CacheSizes).
        _ = CacheSizes.L2Bytes;
        Inputs = inputs;
        Outputs = outputs;
        ElementBytes = elementBytes;
        DynamicActivations = dynamicActivations;
        Panels = (outputs + PanelWidth - 1) / PanelWidth;
        long panelBytes = (long)Panels * PanelWidth * stepsPerPanel * elementBytes;
        // The per-output floats start on a 64-byte boundary too: the epilogue reads them with aligned loads.
        long perOutputStart = (panelBytes + AlignmentBytes - 1) / AlignmentBytes * AlignmentBytes;
        long total = perOutputStart + ((long)Panels * PanelWidth * perOutputFloats * sizeof(float)) + AlignmentBytes;
        if (total > Array.MaxLength)
        {
            throw new OutOfMemoryException($"A dense layer of {inputs}×{outputs} is too large to pack ({total} bytes).");
        }

        // Zeroed, pinned: the padding columns must be 0 so padded lanes compute harmless values.
        _storage = GC.AllocateArray<byte>((int)total, pinned: true);
        byte* start = (byte*)Unsafe.AsPointer(ref _storage[0]);
        nint misalignment = (nint)start & (AlignmentBytes - 1);
        byte* aligned = misalignment == 0 ? start : start + (AlignmentBytes - misalignment);
        PackedPanels = aligned;
        Bias = (float*)(aligned + perOutputStart);
    }

    /// <summary>Features per sample read (K).</summary>
    public int Inputs { get; }

    /// <summary>Features per sample written (N).</summary>
    public int Outputs { get; }

    /// <summary>Bytes one packed weight takes: tells the formats apart (float32 4, bfloat16 2, int8 1), so a kernel never reads one as another.</summary>
    internal int ElementBytes { get; }

    /// <summary>
    /// True for <see cref="WeightFormat.Int8Dynamic"/> (<see cref="Int8DynamicWeights"/>): int8 like <see cref="WeightFormat.Int8"/>
    /// but laid out four inputs to a lane for integer dot products, so the float kernels must not read it.
    /// </summary>
    internal bool DynamicActivations { get; }

    /// <summary>Number of 16-wide column panels, ⌈N / 16⌉.</summary>
    internal int Panels { get; }

    /// <summary>The packed panels: <see cref="Panels"/> × <see cref="Inputs"/> steps of the format, 64-byte aligned.</summary>
    internal byte* PackedPanels { get; }

    /// <summary>
    /// Bias, <see cref="Panels"/> × 16 floats (zeros past N, and everywhere for a layer without bias), 64-byte aligned;
    /// the format's other per-output data follows it.
    /// </summary>
    internal float* Bias { get; }

    /// <summary>
    /// Packs a PyTorch <c>nn.Linear</c> weight (row-major (outputs, inputs)) and optional bias (outputs) as float32.
    /// </summary>
    /// <param name="weight">outputs × inputs values, row-major, as PyTorch stores <c>weight</c>.</param>
    /// <param name="bias">outputs values, or empty for a layer without bias.</param>
    /// <param name="inputs">K.</param>
    /// <param name="outputs">N.</param>
    public static DenseWeights Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs)
        => Float32Weights.Pack(weight, bias, inputs, outputs);

    /// <summary>
    /// Packs a dense layer with the batch normalisation that follows it folded in, so the normalisation costs
    /// nothing at run time: W'[o,k] = W[o,k]·s[o] and b'[o] = (b[o] − mean[o])·s[o] + β[o], with
    /// s = γ / √(var + ε). The fold is computed in double and rounded once to float.
    /// </summary>
    public static DenseWeights PackWithBatchNorm(
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs, BatchNormParameters batchNorm)
        => Float32Weights.PackWithBatchNorm(weight, bias, inputs, outputs, batchNorm);

    /// <summary>
    /// Packs a PyTorch <c>nn.Linear</c> weight and optional bias in <paramref name="format"/>: float32 as it is, bfloat16
    /// rounded to nearest even, int8 quantised per output (scale = max|w| / 127, q = round-half-to-even(w / scale)).
    /// </summary>
    public static DenseWeights Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs, WeightFormat format)
        => format switch
        {
            WeightFormat.Float32 => Float32Weights.Pack(weight, bias, inputs, outputs),
            WeightFormat.BFloat16 => BFloat16Weights.Pack(weight, bias, inputs, outputs),
            WeightFormat.Int8 => Int8Weights.Pack(weight, bias, inputs, outputs),
            WeightFormat.Int8Dynamic => Int8DynamicWeights.Pack(weight, bias, inputs, outputs),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Not a weight format."),
        };

    /// <summary>Packs int8 weights with their per-output scales (<see cref="Weights.QuantizedTensors.ReadInt8"/>) as they are.</summary>
    public static DenseWeights Pack(Weights.Int8Matrix weight, ReadOnlySpan<float> bias, int inputs, int outputs)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return Int8Weights.PackQuantized(weight.Values, weight.Scales, bias, inputs, outputs);
    }

    /// <summary>
    /// Packs int8 weights with their per-output scales (<see cref="Weights.QuantizedTensors.ReadInt8"/>) as they are, in
    /// <paramref name="format"/>: <see cref="WeightFormat.Int8"/> or <see cref="WeightFormat.Int8Dynamic"/>.
    /// </summary>
    public static DenseWeights Pack(Weights.Int8Matrix weight, ReadOnlySpan<float> bias, int inputs, int outputs, WeightFormat format)
    {
        ArgumentNullException.ThrowIfNull(weight);
        return format switch
        {
            WeightFormat.Int8 => Int8Weights.PackQuantized(weight.Values, weight.Scales, bias, inputs, outputs),
            WeightFormat.Int8Dynamic => Int8DynamicWeights.PackQuantized(weight.Values, weight.Scales, bias, inputs, outputs),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "int8 weights pack as WeightFormat.Int8 or WeightFormat.Int8Dynamic."),
        };
    }

    /// <summary>
    /// <see cref="PackWithBatchNorm(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, BatchNormParameters)"/> in
    /// <paramref name="format"/>: the fold is computed in float as for float32 (in double, rounded once), and the folded
    /// weights are then converted, so a batch normalisation changes the quantisation scales as it changes the weights.
    /// </summary>
    public static DenseWeights PackWithBatchNorm(
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs, BatchNormParameters batchNorm, WeightFormat format)
    {
        if (format == WeightFormat.Float32)
        {
            return Float32Weights.PackWithBatchNorm(weight, bias, inputs, outputs, batchNorm);
        }

        Validate(weight, bias, inputs, outputs);
        if (batchNorm.Features != outputs)
        {
            throw new ArgumentException($"The batch normalisation has {batchNorm.Features} features but the dense layer has {outputs} outputs.", nameof(batchNorm));
        }

        var foldedWeight = new float[weight.Length];
        var foldedBias = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            // The same expressions as Float32Weights.PackWithBatchNorm, so every format folds to the same floats.
            double scale = batchNorm.Scale(o);
            for (int k = 0; k < inputs; k++)
            {
                foldedWeight[(o * inputs) + k] = (float)(weight[(o * inputs) + k] * scale);
            }

            double b = bias.IsEmpty ? 0.0 : bias[o];
            foldedBias[o] = (float)(((b - batchNorm.RunningMean[o]) * scale) + batchNorm.Bias[o]);
        }

        return Pack(foldedWeight, foldedBias, inputs, outputs, format);
    }

    /// <summary>Zeroed, aligned storage for a K × N layer in <typeparamref name="TFormat"/>, for the format to pack into.</summary>
    internal static DenseWeights Allocate<TFormat>(int inputs, int outputs)
        where TFormat : struct, IWeightFormat
        => new(inputs, outputs, TFormat.ElementBytes, inputs, TFormat.PerOutputFloats, dynamicActivations: false);

    /// <summary>Zeroed, aligned storage for a K × N layer in <see cref="Int8DynamicWeights"/>' layout (K rounded up to whole quads).</summary>
    internal static DenseWeights AllocateInt8Dynamic(int inputs, int outputs)
        => new(inputs, outputs, sizeof(sbyte), Int8DynamicWeights.PaddedInputs(inputs), Int8DynamicWeights.PerOutputFloats, dynamicActivations: true);

    /// <summary>
    /// Where output <paramref name="output"/>'s weights start in the packed layout: its panel, then its lane.
    /// Consecutive inputs of that output are one step (<see cref="IWeightFormat.StepBytes"/>) apart.
    /// </summary>
    internal byte* Column<TFormat>(int output)
        where TFormat : struct, IWeightFormat
        => PackedPanels + ((long)(output / PanelWidth) * Inputs * TFormat.StepBytes) + ((output % PanelWidth) * TFormat.ElementBytes);

    /// <summary>Checks a PyTorch weight and bias against K and N before any format packs them.</summary>
    internal static void Validate(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs)
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
