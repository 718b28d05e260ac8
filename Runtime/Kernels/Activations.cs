using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>f(x) = x. Used when a dense layer is followed by no element-wise function.</summary>
public readonly struct IdentityActivation : IActivation
{
    /// <inheritdoc/>
    public static float Apply(float x) => x;

    /// <inheritdoc/>
    public static Vector256<float> Apply(Vector256<float> x) => x;

    /// <inheritdoc/>
    public static Vector512<float> Apply(Vector512<float> x) => x;
}

/// <summary>f(x) = x &lt; 0 ? 0 : x. Written as a compare-and-select so NaN passes through, as in PyTorch.</summary>
public readonly struct ReLUActivation : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => x < 0f ? 0f : x;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
        => Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
        => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512<float>.Zero, x);
}

/// <summary>f(x) = x &lt; 0 ? slope·x : x, with the slope a type-level constant.</summary>
public readonly struct LeakyReLUActivation<TSlope> : IActivation
    where TSlope : struct, IFloatConstant
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => x < 0f ? x * TSlope.Value : x;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
        => Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), x * Vector256.Create(TSlope.Value), x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
        => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), x * Vector512.Create(TSlope.Value), x);
}

/// <summary>f(x) = 1 / (1 + e^−x), with <see cref="ExpKernel"/>'s exp; exactly 0 and 1 at the extremes.</summary>
public readonly struct SigmoidActivation : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => 1f / (1f + ExpKernel.Exp(-x));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
        => Vector256<float>.One / (Vector256<float>.One + ExpKernel.Exp(-x));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
        => Vector512<float>.One / (Vector512<float>.One + ExpKernel.Exp(-x));
}

/// <summary>
/// f(x) = tanh(x) = sign(x)·(1 − t)/(1 + t) with t = e^−2|x|. Using |x| keeps t ≤ 1, so nothing overflows,
/// the result saturates to exactly ±1, and the odd symmetry of tanh holds bit for bit.
/// </summary>
public readonly struct TanhActivation : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x)
    {
        float t = ExpKernel.Exp(-2f * MathF.Abs(x));
        float magnitude = (1f - t) / (1f + t);
        return MathF.CopySign(magnitude, x);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
    {
        Vector256<float> t = ExpKernel.Exp(Vector256.Create(-2f) * Vector256.Abs(x));
        Vector256<float> magnitude = (Vector256<float>.One - t) / (Vector256<float>.One + t);
        return Vector256.CopySign(magnitude, x);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
    {
        Vector512<float> t = ExpKernel.Exp(Vector512.Create(-2f) * Vector512.Abs(x));
        Vector512<float> magnitude = (Vector512<float>.One - t) / (Vector512<float>.One + t);
        return Vector512.CopySign(magnitude, x);
    }
}

/// <summary>
/// Marks the softmax fused into the epilogue of <see cref="DenseKernel.ForwardSoftmax{TShape}"/>: only that
/// kernel's AVX-512 path uses it, for layers of at most 16 outputs (one register a row), and it applies the
/// softmax to the whole row there. Element-wise it is the identity; it is never used element-wise.
/// </summary>
internal readonly struct SoftmaxEpilogue : IActivation
{
    /// <inheritdoc/>
    public static float Apply(float x) => x;

    /// <inheritdoc/>
    public static Vector256<float> Apply(Vector256<float> x) => x;

    /// <inheritdoc/>
    public static Vector512<float> Apply(Vector512<float> x) => x;
}
