using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// A narrow format's panels widened once to float32 (each weight exactly the float32 its <c>Load512</c> gives), read
/// as float32 is, and finished with the narrow format's own epilogue (<typeparamref name="TNarrow"/>: int8's scales
/// and bias; bfloat16, whose pairs widen in one instruction, is read directly instead). The AVX-512 kernel widens a column block into such a scratch when several 8-row blocks
/// will read it, so the widening work is done once per block of columns rather than once per 8 rows. Same values,
/// same FMAs in the same order, same epilogue: same bits.
/// </summary>
internal readonly unsafe struct WidenedWeights<TNarrow> : IWeightFormat
    where TNarrow : struct, IWeightFormat
{
    /// <inheritdoc/>
    public static int ElementBytes => sizeof(float);

    /// <inheritdoc/>
    public static int StepBytes => DenseWeights.PanelWidth * sizeof(float);

    /// <inheritdoc/>
    public static int PerOutputFloats => TNarrow.PerOutputFloats;

    /// <inheritdoc/>
    public static bool PairsInputs => false;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(byte* step, int part) => Vector512.LoadAligned((float*)step);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(byte* step, int half, int part) => Vector256.LoadAligned((float*)step + (8 * half));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load128(byte* step, int quarter, int part) => Vector128.LoadAligned((float*)step + (4 * quarter));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LoadScalar(byte* panel, int lane, int input, int inputs) => ((float*)panel)[((long)input * DenseWeights.PanelWidth) + lane];

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish512<TShape, TActivation>(Vector512<float> acc, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => TNarrow.Finish512<TShape, TActivation>(acc, bias, row, panel);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish256<TShape, TActivation>(Vector256<float> low, Vector256<float> high, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => TNarrow.Finish256<TShape, TActivation>(low, high, bias, row, panel);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish128<TShape, TActivation>(Vector128<float> acc, float* bias, float* row, int panel, int quarter)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => TNarrow.Finish128<TShape, TActivation>(acc, bias, row, panel, quarter);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FinishScalar<TShape, TActivation>(float sum, float* bias, int output)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => TNarrow.FinishScalar<TShape, TActivation>(sum, bias, output);
}
