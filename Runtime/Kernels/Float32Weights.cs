using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// Weights stored as float32, as PyTorch trains them: each step of a panel is one 64-byte, 64-byte-aligned vector,
/// loaded as it is; the epilogue adds the bias, applies the activation and stores. Packing is here too: the PyTorch
/// layout (row-major (outputs, inputs)) into <see cref="DenseWeights"/>' panels. A format whose epilogue only does
/// more before the bias (int8's scales) can do that and then call these epilogues.
/// </summary>
internal readonly unsafe struct Float32Weights : IWeightFormat
{
    /// <inheritdoc/>
    public static int ElementBytes => sizeof(float);

    /// <inheritdoc/>
    public static int StepBytes => DenseWeights.PanelWidth * sizeof(float);

    /// <inheritdoc/>
    public static int PerOutputFloats => 1;

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
    {
        int offset = panel * DenseWeights.PanelWidth;
        Vector512<float> value = TActivation.Apply(acc + Vector512.LoadAligned(bias + offset));
        int valid = TShape.Outputs - offset;
        if (TShape.Outputs % DenseWeights.PanelWidth != 0 && valid < DenseWeights.PanelWidth)
        {
            // Rows are packed N apart: the lanes past N belong to the next row (or lie past the span).
            Avx512F.MaskStore(row + offset, DenseKernel.LaneMask512(valid), value);
        }
        else
        {
            value.Store(row + offset);
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish256<TShape, TActivation>(Vector256<float> low, Vector256<float> high, float* bias, float* row, int panel)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int offset = panel * DenseWeights.PanelWidth;
        Vector256<float> lowValue = TActivation.Apply(low + Vector256.LoadAligned(bias + offset));
        Vector256<float> highValue = TActivation.Apply(high + Vector256.LoadAligned(bias + offset + 8));
        int valid = TShape.Outputs - offset;
        if (TShape.Outputs % DenseWeights.PanelWidth != 0 && valid < DenseWeights.PanelWidth)
        {
            // Rows are packed N apart: the lanes past N belong to the next row (or lie past the span).
            if (valid >= 8)
            {
                lowValue.Store(row + offset);
                Avx.MaskStore(row + offset + 8, DenseKernel.LaneMask256(valid - 8), highValue);
            }
            else
            {
                Avx.MaskStore(row + offset, DenseKernel.LaneMask256(valid), lowValue);
            }
        }
        else
        {
            lowValue.Store(row + offset);
            highValue.Store(row + offset + 8);
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Finish128<TShape, TActivation>(Vector128<float> acc, float* bias, float* row, int panel, int quarter)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        int offset = (panel * DenseWeights.PanelWidth) + (4 * quarter);
        Vector128<float> value = TActivation.Apply(acc + Vector128.LoadAligned(bias + offset));
        int valid = TShape.Outputs - offset;
        if (TShape.Outputs % 4 != 0 && valid < 4)
        {
            // Rows are packed N apart: the lanes past N belong to the next row (or lie past the span). NEON has no
            // masked store, so the valid lanes of a partial quarter are stored one by one.
            for (int lane = 0; lane < valid; lane++)
            {
                row[offset + lane] = value.GetElement(lane);
            }
        }
        else if (valid > 0)
        {
            value.Store(row + offset);
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FinishScalar<TShape, TActivation>(float sum, float* bias, int output)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => TActivation.Apply(sum + bias[output]);

    /// <summary>Packs a PyTorch <c>nn.Linear</c> weight and optional bias; see <see cref="DenseWeights.Pack(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/>.</summary>
    public static DenseWeights Pack(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs)
    {
        DenseWeights.Validate(weight, bias, inputs, outputs);
        DenseWeights packed = DenseWeights.Allocate<Float32Weights>(inputs, outputs);
        for (int o = 0; o < outputs; o++)
        {
            ReadOnlySpan<float> row = weight.Slice(o * inputs, inputs);
            byte* column = packed.Column<Float32Weights>(o);
            for (int k = 0; k < inputs; k++)
            {
                *(float*)(column + ((long)k * StepBytes)) = row[k];
            }

            packed.Bias[o] = bias.IsEmpty ? 0f : bias[o];
        }

        return packed;
    }

    /// <summary>Packs a dense layer with a batch normalisation folded in; see <see cref="DenseWeights.PackWithBatchNorm(ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, BatchNormParameters)"/>.</summary>
    public static DenseWeights PackWithBatchNorm(
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inputs, int outputs, BatchNormParameters batchNorm)
    {
        DenseWeights.Validate(weight, bias, inputs, outputs);
        if (batchNorm.Features != outputs)
        {
            throw new ArgumentException($"The batch normalisation has {batchNorm.Features} features but the dense layer has {outputs} outputs.", nameof(batchNorm));
        }

        DenseWeights packed = DenseWeights.Allocate<Float32Weights>(inputs, outputs);
        for (int o = 0; o < outputs; o++)
        {
            double scale = batchNorm.Scale(o);
            ReadOnlySpan<float> row = weight.Slice(o * inputs, inputs);
            byte* column = packed.Column<Float32Weights>(o);
            for (int k = 0; k < inputs; k++)
            {
                *(float*)(column + ((long)k * StepBytes)) = (float)(row[k] * scale);
            }

            double b = bias.IsEmpty ? 0.0 : bias[o];
            packed.Bias[o] = (float)(((b - batchNorm.RunningMean[o]) * scale) + batchNorm.Bias[o]);
        }

        return packed;
    }
}
