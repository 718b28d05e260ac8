using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet.Weights;

namespace StaticNet.Kernels;

/// <summary>
/// Weights stored as int8 with one float32 scale per output (<see cref="WeightFormat.Int8"/>): a step of a panel is 16
/// bytes, a quarter of a cache line. Each int8 is converted exactly to float32 (sign-extend to int32, convert), the
/// canonical sum runs over those integer weights, and the epilogue multiplies the sum by the output's scale before
/// float32's own epilogue (bias, activation): y = act(round(round(Σ x·q) · scale) + b). The scales follow the bias,
/// a padded N later (<see cref="PerOutputFloats"/> = 2).
/// </summary>
/// <remarks>
/// Why the scale after the sum rather than on each weight: widening q is exact and costs the same as a float load
/// once converted, and multiplying each weight by its scale would add a rounding per weight and a multiply per FMA.
/// (No 512-bit VNNI intrinsics exist in .NET 10, and integer dot products would need int8 activations: another format.)
/// </remarks>
internal readonly unsafe struct Int8Weights : IWeightFormat
{
    /// <inheritdoc/>
    public static int ElementBytes => sizeof(sbyte);

    /// <inheritdoc/>
    public static int StepBytes => DenseWeights.PanelWidth * sizeof(sbyte);

    /// <inheritdoc/>
    public static int PerOutputFloats => 2;

    /// <inheritdoc/>
    public static bool PairsInputs => false;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* step, int part)
        => Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)step)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* step, int half, int part)
        => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32((sbyte*)step + (8 * half)));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(byte* step, int quarter, int part)
        => Vector128.ConvertToSingle(Vector128.WidenLower(Vector128.WidenLower(
            Vector128.CreateScalarUnsafe(*(int*)(step + (4 * quarter))).AsSByte())));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScalar(byte* panel, int lane, int input, int inputs) => ((sbyte*)panel)[((long)input * DenseWeights.PanelWidth) + lane];

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish512<TShape, TActivation>(Vector512<float> acc, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => Float32Weights.Finish512<TShape, TActivation>(
            acc * Vector512.LoadAligned(Scales<TShape>(bias) + (panel * DenseWeights.PanelWidth)), bias, row, panel);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish256<TShape, TActivation>(Vector256<float> low, Vector256<float> high, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        float* scales = Scales<TShape>(bias) + (panel * DenseWeights.PanelWidth);
        Float32Weights.Finish256<TShape, TActivation>(low * Vector256.LoadAligned(scales), high * Vector256.LoadAligned(scales + 8), bias, row, panel);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish128<TShape, TActivation>(Vector128<float> acc, float* bias, float* row, int panel, int quarter)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => Float32Weights.Finish128<TShape, TActivation>(
            acc * Vector128.LoadAligned(Scales<TShape>(bias) + (panel * DenseWeights.PanelWidth) + (4 * quarter)), bias, row, panel, quarter);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FinishScalar<TShape, TActivation>(float sum, float* bias, int output)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => Float32Weights.FinishScalar<TShape, TActivation>(sum * Scales<TShape>(bias)[output], bias, output);

    /// <summary>The per-output scales: after the bias, whole panels of it later (a JIT-time constant offset).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Scales<TShape>(float* bias)
        where TShape : struct, IDenseShape
        => bias + (DenseKernel.PanelCount<TShape>() * DenseWeights.PanelWidth);

    /// <summary>
    /// Packs a PyTorch <c>nn.Linear</c> float weight (row-major (outputs, inputs)), quantising each output's row by
    /// <see cref="WeightQuantization.QuantizeRow"/>, and the optional bias (kept float32).
    /// </summary>
    public static DenseWeights Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs, string tensorName = "weight")
    {
        DenseWeights.Validate(weight, bias, inputs, outputs);
        var row = new float[inputs];
        var quantized = new sbyte[inputs];
        var scales = new float[outputs];
        var all = new sbyte[(long)inputs * outputs];
        for (int o = 0; o < outputs; o++)
        {
            weight.Slice(o * inputs, inputs).CopyTo(row);
            scales[o] = WeightQuantization.QuantizeRow(row, 0, inputs, quantized, 0, tensorName);
            quantized.CopyTo(all.AsSpan(o * inputs));
        }

        return PackQuantized(all, scales, bias, inputs, outputs);
    }

    /// <summary>
    /// Packs int8 weights (row-major (outputs, inputs)) with one scale per output, as they are: the weight of output o
    /// is q · scales[o]. Values of −128 are accepted as stored (the quantiser itself never produces them).
    /// </summary>
    public static DenseWeights PackQuantized(ReadOnlySpan<sbyte> weight, ReadOnlySpan<float> scales, ReadOnlySpan<float> bias, int inputs, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputs);
        if (weight.Length != (long)inputs * outputs || scales.Length != outputs || (!bias.IsEmpty && bias.Length != outputs))
        {
            throw new ArgumentException(
                $"Expected {outputs}×{inputs} int8 weights, {outputs} scales and {outputs} or no bias values; got {weight.Length}, {scales.Length} and {bias.Length}.");
        }

        DenseWeights packed = DenseWeights.Allocate<Int8Weights>(inputs, outputs);
        float* packedScales = packed.Bias + (packed.Panels * DenseWeights.PanelWidth);
        for (int o = 0; o < outputs; o++)
        {
            ReadOnlySpan<sbyte> row = weight.Slice(o * inputs, inputs);
            byte* column = packed.Column<Int8Weights>(o);
            for (int k = 0; k < inputs; k++)
            {
                *(sbyte*)(column + ((long)k * StepBytes)) = row[k];
            }

            packed.Bias[o] = bias.IsEmpty ? 0f : bias[o];
            packedScales[o] = scales[o];
        }

        return packed;
    }
}
