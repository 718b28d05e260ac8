using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

// The entry points for the stored formats other than float32 (WeightFormat.BFloat16 and WeightFormat.Int8): the same
// kernels, instantiated for BFloat16Weights and Int8Weights, chosen between the same paths as Forward. The weights must
// have been packed in that format (checked: a kernel never reads one format as another).
public static partial class DenseKernel
{
    /// <summary><see cref="Forward{TShape, TActivation}"/> for weights packed as bfloat16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardBFloat16<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => ForwardFormat<BFloat16Weights, TShape, TActivation>(input, output, rows, weights, upcoming);

    /// <summary><see cref="Forward{TShape, TActivation}"/> for weights packed as int8 with per-output scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardInt8<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => ForwardFormat<Int8Weights, TShape, TActivation>(input, output, rows, weights, upcoming);

    /// <summary>
    /// <see cref="ForwardSoftmax{TShape}"/> for weights packed as bfloat16: its epilogue is float32's (the bias), so a
    /// classifier's head of at most 16 outputs hands its logits to the softmax in registers as float32 does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardSoftmaxBFloat16<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TShape : struct, IDenseShape
    {
        if (VectorPaths.Vector512 && TShape.Outputs <= SoftmaxKernel.Lanes)
        {
            CheckFormat<BFloat16Weights>(weights);
            ForwardVector512<BFloat16Weights, TShape, SoftmaxEpilogue>(input, output, rows, weights, upcoming);
        }
        else
        {
            ForwardBFloat16<TShape, IdentityActivation>(input, output, rows, weights, upcoming);
            SoftmaxKernel.Apply(output[..(rows * TShape.Outputs)], TShape.Outputs);
        }
    }

    /// <summary>
    /// <see cref="ForwardSoftmax{TShape}"/> for weights packed as int8: the dense layer (scales and bias in its
    /// epilogue), then the softmax over each row, as two kernels (the fused softmax adds only the bias).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardSoftmaxInt8<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TShape : struct, IDenseShape
    {
        ForwardInt8<TShape, IdentityActivation>(input, output, rows, weights, upcoming);
        SoftmaxKernel.Apply(output[..(rows * TShape.Outputs)], TShape.Outputs);
    }

    /// <summary>The path choice of every dense entry point, in one place: the format is a type argument, so each format gets its own machine code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardFormat<TFormat, TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        CheckFormat<TFormat>(weights);
        if (VectorPaths.Vector512)
        {
            ForwardVector512<TFormat, TShape, TActivation>(input, output, rows, weights, upcoming);
        }
        else if (VectorPaths.Vector256)
        {
            ForwardVector256<TFormat, TShape, TActivation>(input, output, rows, weights, upcoming);
        }
        else if (VectorPaths.Vector128)
        {
            ForwardVector128<TFormat, TShape, TActivation>(input, output, rows, weights, upcoming);
        }
        else
        {
            ForwardScalar<TFormat, TShape, TActivation>(input, output, rows, weights);
        }
    }

    /// <summary>Throws unless <paramref name="weights"/> were packed in <typeparamref name="TFormat"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CheckFormat<TFormat>(DenseWeights weights)
        where TFormat : struct, IWeightFormat
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.ElementBytes != TFormat.ElementBytes)
        {
            ThrowFormatMismatch(weights.ElementBytes, TFormat.ElementBytes);
        }

        if (weights.DynamicActivations)
        {
            ThrowDynamicFormat();
        }
    }

    private static void ThrowDynamicFormat()
        => throw new ArgumentException("The weights were packed as WeightFormat.Int8Dynamic, which only ForwardInt8Dynamic reads: pack and call in the same weight format.");

    private static void ThrowFormatMismatch(int packed, int expected)
        => throw new ArgumentException($"The weights were packed with {packed} bytes a weight, but this kernel reads {expected}: pack and call in the same weight format.");
}
