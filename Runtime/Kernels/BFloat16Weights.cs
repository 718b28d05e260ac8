using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet.Weights;

namespace StaticNet.Kernels;

/// <summary>
/// Weights stored as bfloat16 (<see cref="WeightFormat.BFloat16"/>), two bytes a weight, with inputs in pairs
/// (<see cref="PairsInputs"/>): in a panel, inputs k and k + 1 (k even) share one 64-byte double step whose 32-bit lane
/// i holds W[16p + i, k] in its low half and W[16p + i, k + 1] in its high half; the last input of an odd K has a plain
/// 32-byte step of 16 bfloat16. A bfloat16 is a float's top 16 bits, so one instruction widens 16 weights exactly:
/// <c>vpslld 16</c> gives input k's floats, <c>vpandd 0xFFFF0000</c> input k + 1's. The sum is the canonical one over
/// those float32 values (k's FMA, then k + 1's, into the same accumulator), and the epilogue is float32's (bias, then
/// activation). Not <c>vdpbf16ps</c>: it adds pairs of products before accumulating, which is not the canonical sum.
/// </summary>
/// <remarks>
/// Why pairs: with one input a step, widening took a zero-extension (a shuffle, port 5) and a shift per 16 weights on
/// the two 512-bit ports the FMAs also use, so a single row, which does one FMA per 16 weights, ran at about half the
/// FMA rate and bfloat16 was slower than float32 with its weights in L1. Paired, it is one instruction per 16 weights.
/// </remarks>
internal readonly unsafe struct BFloat16Weights : IWeightFormat
{
    /// <inheritdoc/>
    public static int ElementBytes => sizeof(ushort);

    /// <inheritdoc/>
    public static int StepBytes => DenseWeights.PanelWidth * sizeof(ushort);

    /// <inheritdoc/>
    public static int PerOutputFloats => 1;

    /// <inheritdoc/>
    public static bool PairsInputs => true;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* step, int part)
    {
        if (part == StepPart.Low)
        {
            return Avx512F.ShiftLeftLogical(Vector512.Load((uint*)step), 16).AsSingle();
        }

        if (part == StepPart.High)
        {
            return Avx512F.And(Vector512.Load((uint*)step), Vector512.Create(HighHalf)).AsSingle();
        }

        return Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)step)), 16).AsSingle();
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* step, int half, int part)
    {
        if (part == StepPart.Low)
        {
            return Avx2.ShiftLeftLogical(Vector256.Load((uint*)step + (8 * half)), 16).AsSingle();
        }

        if (part == StepPart.High)
        {
            return Avx2.And(Vector256.Load((uint*)step + (8 * half)), Vector256.Create(HighHalf)).AsSingle();
        }

        return Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)step + (8 * half)), 16).AsSingle();
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(byte* step, int quarter, int part)
    {
        if (part == StepPart.Low)
        {
            return Vector128.ShiftLeft(Vector128.Load((uint*)step + (4 * quarter)), 16).AsSingle();
        }

        if (part == StepPart.High)
        {
            return (Vector128.Load((uint*)step + (4 * quarter)) & Vector128.Create(HighHalf)).AsSingle();
        }

        return Vector128.ShiftLeft(Vector128.WidenLower(Vector128.CreateScalarUnsafe(*(ulong*)(step + (8 * quarter))).AsUInt16()), 16).AsSingle();
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScalar(byte* panel, int lane, int input, int inputs)
        => BitConverter.Int32BitsToSingle(*(ushort*)(panel + ElementOffset(lane, input, inputs)) << 16);

    /// <summary>The mask that keeps a 32-bit lane's high half: the second input of a pair.</summary>
    private const uint HighHalf = 0xFFFF0000;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish512<TShape, TActivation>(Vector512<float> acc, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => Float32Weights.Finish512<TShape, TActivation>(acc, bias, row, panel);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish256<TShape, TActivation>(Vector256<float> low, Vector256<float> high, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => Float32Weights.Finish256<TShape, TActivation>(low, high, bias, row, panel);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish128<TShape, TActivation>(Vector128<float> acc, float* bias, float* row, int panel, int quarter)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => Float32Weights.Finish128<TShape, TActivation>(acc, bias, row, panel, quarter);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FinishScalar<TShape, TActivation>(float sum, float* bias, int output)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => Float32Weights.FinishScalar<TShape, TActivation>(sum, bias, output);

    /// <summary>
    /// Packs a PyTorch <c>nn.Linear</c> weight (row-major (outputs, inputs)) and optional bias, each weight rounded to
    /// the nearest bfloat16, ties to even (<see cref="WeightQuantization.ToBFloat16Bits"/>): exact for weights read from
    /// a bfloat16 file. The bias stays float32.
    /// </summary>
    public static DenseWeights Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs)
    {
        DenseWeights.Validate(weight, bias, inputs, outputs);
        DenseWeights packed = DenseWeights.Allocate<BFloat16Weights>(inputs, outputs);
        for (int o = 0; o < outputs; o++)
        {
            ReadOnlySpan<float> row = weight.Slice(o * inputs, inputs);
            byte* panel = packed.PackedPanels + ((long)(o / DenseWeights.PanelWidth) * inputs * StepBytes);
            for (int k = 0; k < inputs; k++)
            {
                *(ushort*)(panel + ElementOffset(o % DenseWeights.PanelWidth, k, inputs)) = WeightQuantization.ToBFloat16Bits(row[k]);
            }

            packed.Bias[o] = bias.IsEmpty ? 0f : bias[o];
        }

        return packed;
    }

    /// <summary>
    /// Where in its panel the weight of output <paramref name="lane"/> for input <paramref name="input"/> (of
    /// <paramref name="inputs"/>) lies: in the 32-bit lane <paramref name="lane"/> of its pair's double step, low half
    /// for an even input, high half for an odd one; or, for the last input of an odd K, in its own plain step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long ElementOffset(int lane, int input, int inputs)
        => input < (inputs & ~1)
            ? ((long)(input >> 1) * 2 * StepBytes) + (lane * 2 * sizeof(ushort)) + ((input & 1) * sizeof(ushort))
            : ((long)input * StepBytes) + (lane * sizeof(ushort));
}
