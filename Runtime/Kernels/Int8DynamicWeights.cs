using System;
using System.Runtime.CompilerServices;
using StaticNet.Weights;

namespace StaticNet.Kernels;

/// <summary>
/// The packed layout of <see cref="WeightFormat.Int8Dynamic"/>: int8 weights with one float32 scale per output (the
/// very q and scales of <see cref="Int8Weights"/>), arranged for integer dot products of four inputs at a time.
/// </summary>
/// <remarks>
/// <para>
/// The N outputs are cut into panels of 16 (<see cref="DenseWeights.PanelWidth"/>) and K is rounded up to whole quads of
/// four inputs (<see cref="PaddedInputs"/>; the padding weights are 0). Panel p holds, for each quad j in order, 64
/// bytes: lane o (0..15) at 4·o holds q[16p + o, 4j .. 4j + 3]. One 32-bit lane is thus one output's four weights of
/// a quad, which is what every integer dot-product instruction multiplies with four inputs and adds into one int32:
/// <c>vpdpbusd</c> (AVX-VNNI), <c>vpmaddwd</c> after <c>vpmovsxbw</c> (AVX-512BW, two pairs a lane), <c>sdot</c>
/// (ARM64 <c>Dp</c>), or widening multiplies.
/// </para>
/// <para>
/// After the panels, three arrays of N values padded to whole panels: the bias, the scales, and
/// <see cref="Correction(DenseWeights)"/>: 128 · Σₖ q[o, k] as an int32, which the AVX-VNNI path subtracts because
/// <c>vpdpbusd</c> multiplies unsigned bytes (the inputs, offset by 128) with signed ones.
/// </para>
/// </remarks>
internal static unsafe class Int8DynamicWeights
{
    /// <summary>Inputs a lane multiplies at once.</summary>
    public const int QuadWidth = 4;

    /// <summary>Bytes of one quad of a panel: 16 outputs × 4 inputs.</summary>
    public const int QuadBytes = DenseWeights.PanelWidth * QuadWidth;

    /// <summary>The most inputs a layer may have: 131,072 · 127 · 128 &lt; 2³¹, so no int32 sum can overflow, even with stored weights of −128.</summary>
    public const int MaxInputs = 1 << 17;

    /// <summary>The bias, the scales and the int32 corrections.</summary>
    public const int PerOutputFloats = 3;

    /// <summary>The largest magnitude of a quantised input: symmetric, as the weights.</summary>
    public const int Limit = WeightQuantization.Int8Limit;

    /// <summary>K rounded up to whole quads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PaddedInputs(int inputs) => (inputs + QuadWidth - 1) / QuadWidth * QuadWidth;

    /// <summary>The per-output scales: a padded N after the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float* Scales(DenseWeights weights) => Scales(weights.Bias, weights.Panels);

    /// <summary>The scales of a layer of <paramref name="panels"/> panels whose bias is at <paramref name="bias"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float* Scales(float* bias, int panels) => bias + (panels * DenseWeights.PanelWidth);

    /// <summary>128 · Σₖ q[o, k] per output, as int32: two padded N after the bias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int* Correction(DenseWeights weights) => Correction(weights.Bias, weights.Panels);

    /// <summary>The correction of a layer of <paramref name="panels"/> panels whose bias is at <paramref name="bias"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int* Correction(float* bias, int panels) => (int*)(bias + (2 * panels * DenseWeights.PanelWidth));

    /// <summary>Where panel <paramref name="panel"/> starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static sbyte* Panel(DenseWeights weights, int panel)
        => (sbyte*)weights.PackedPanels + ((long)panel * PaddedInputs(weights.Inputs) * DenseWeights.PanelWidth);

    /// <summary>
    /// Packs a PyTorch <c>nn.Linear</c> float weight (row-major (outputs, inputs)), quantising each output's row as
    /// <see cref="Int8Weights.Pack"/> does (<see cref="WeightQuantization.QuantizeRow"/>), and the optional bias.
    /// </summary>
    public static DenseWeights Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs, string tensorName = "weight")
    {
        DenseWeights.Validate(weight, bias, inputs, outputs);
        CheckInputs(inputs);
        var row = new float[inputs];
        var all = new sbyte[(long)inputs * outputs];
        var scales = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            weight.Slice(o * inputs, inputs).CopyTo(row);
            scales[o] = WeightQuantization.QuantizeRow(row, 0, inputs, all, o * inputs, tensorName);
        }

        return PackQuantized(all, scales, bias, inputs, outputs);
    }

    /// <summary>
    /// Packs int8 weights (row-major (outputs, inputs)) with one scale per output, as they are (−128 included: the
    /// input limit <see cref="MaxInputs"/> allows for it).
    /// </summary>
    public static DenseWeights PackQuantized(ReadOnlySpan<sbyte> weight, ReadOnlySpan<float> scales, ReadOnlySpan<float> bias, int inputs, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        CheckInputs(inputs);
        if (weight.Length != (long)inputs * outputs || scales.Length != outputs || (!bias.IsEmpty && bias.Length != outputs))
        {
            throw new ArgumentException(
                $"Expected {outputs}×{inputs} int8 weights, {outputs} scales and {outputs} or no bias values; got {weight.Length}, {scales.Length} and {bias.Length}.");
        }

        DenseWeights packed = DenseWeights.AllocateInt8Dynamic(inputs, outputs);
        float* packedScales = Scales(packed);
        int* correction = Correction(packed);
        for (int o = 0; o < outputs; o++)
        {
            ReadOnlySpan<sbyte> row = weight.Slice(o * inputs, inputs);
            sbyte* lane = Panel(packed, o / DenseWeights.PanelWidth) + (o % DenseWeights.PanelWidth * QuadWidth);
            int sum = 0;
            for (int k = 0; k < inputs; k++)
            {
                lane[((long)(k / QuadWidth) * QuadBytes) + (k % QuadWidth)] = row[k];
                sum += row[k];
            }

            packed.Bias[o] = bias.IsEmpty ? 0f : bias[o];
            packedScales[o] = scales[o];
            correction[o] = 128 * sum;
        }

        return packed;
    }

    private static void CheckInputs(int inputs)
    {
        if (inputs > MaxInputs)
        {
            throw new ArgumentOutOfRangeException(
                nameof(inputs), inputs, $"WeightFormat.Int8Dynamic sums in int32, exactly for at most {MaxInputs} inputs a layer.");
        }
    }
}
