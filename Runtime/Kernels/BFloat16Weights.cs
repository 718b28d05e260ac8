using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet.Weights;

namespace StaticNet.Kernels;

/// <summary>
/// Weights stored as bfloat16 (<see cref="WeightFormat.BFloat16"/>): a step of a panel is 16 × 2 bytes, half a cache
/// line. A bfloat16 is a float's top 16 bits, so widening is exact: zero-extend each 16-bit lane to 32 bits and shift
/// it left by 16. The sum is the canonical one over those float32 values, and the epilogue is float32's (bias, then
/// activation). Not <c>vdpbf16ps</c>: it adds pairs of products before accumulating, which is not the canonical sum.
/// </summary>
internal readonly unsafe struct BFloat16Weights : IWeightFormat
{
    /// <inheritdoc/>
    public static int ElementBytes => sizeof(ushort);

    /// <inheritdoc/>
    public static int StepBytes => DenseWeights.PanelWidth * sizeof(ushort);

    /// <inheritdoc/>
    public static int PerOutputFloats => 1;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* step)
        => Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)step)), 16).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* step, int half)
        => Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32((ushort*)step + (8 * half)), 16).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(byte* step, int quarter)
        => Vector128.ShiftLeft(Vector128.WidenLower(Vector128.CreateScalarUnsafe(*(ulong*)(step + (8 * quarter))).AsUInt16()), 16).AsSingle();

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScalar(byte* column, int input)
        => BitConverter.Int32BitsToSingle(((ushort*)column)[(long)input * DenseWeights.PanelWidth] << 16);

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
            byte* column = packed.Column<BFloat16Weights>(o);
            for (int k = 0; k < inputs; k++)
            {
                *(ushort*)(column + ((long)k * StepBytes)) = WeightQuantization.ToBFloat16Bits(row[k]);
            }

            packed.Bias[o] = bias.IsEmpty ? 0f : bias[o];
        }

        return packed;
    }
}
