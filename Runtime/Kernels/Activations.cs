using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

// Every activation here exists for the generated code (a dense layer's epilogue or ElementwiseKernel.Apply take
// it as a type argument), so each is hidden from IntelliSense; the attributes in namespace StaticNet are what
// users write. Each has one algorithm whose scalar, 128-, 256- and 512-bit forms perform the same IEEE
// operations in the same order, so all instruction-set paths agree bit for bit.

/// <summary>f(x) = x. Used when a dense layer is followed by no element-wise function. For generated code; hidden from IntelliSense.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct IdentityActivation : IActivation
{
    /// <inheritdoc/>
    public static float Apply(float x) => x;

    /// <inheritdoc/>
    public static Vector128<float> Apply(Vector128<float> x) => x;

    /// <inheritdoc/>
    public static Vector256<float> Apply(Vector256<float> x) => x;

    /// <inheritdoc/>
    public static Vector512<float> Apply(Vector512<float> x) => x;
}

/// <summary>
/// f(x) = x &lt; 0 ? 0 : x. Written as a compare-and-select so NaN passes through, as in PyTorch.
/// For generated code; hidden from IntelliSense.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct ReLUActivation : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => x < 0f ? 0f : x;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> x)
        => Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), Vector128<float>.Zero, x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
        => Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), Vector256<float>.Zero, x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
        => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), Vector512<float>.Zero, x);
}

/// <summary>f(x) = x &lt; 0 ? slope·x : x, with the slope a type-level constant. For generated code; hidden from IntelliSense.</summary>
/// <typeparam name="TSlope">The slope for negative inputs.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct LeakyReLUActivation<TSlope> : IActivation
    where TSlope : struct, IFloatConstant
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => x < 0f ? x * TSlope.Value : x;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> x)
        => Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), x * Vector128.Create(TSlope.Value), x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
        => Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), x * Vector256.Create(TSlope.Value), x);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
        => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), x * Vector512.Create(TSlope.Value), x);
}

/// <summary>
/// f(x) = 1 / (1 + e^−x), with <see cref="ExpKernel"/>'s exp; exactly 0 and 1 at the extremes.
/// For generated code; hidden from IntelliSense.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SigmoidActivation : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => 1f / (1f + ExpKernel.Exp(-x));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> x)
        => Vector128<float>.One / (Vector128<float>.One + ExpKernel.Exp(-x));

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
/// For generated code; hidden from IntelliSense.
/// </summary>
/// <remarks>
/// 1 − t cancels for small |x|: the error there is about 6e-8 absolute, large relative to tanh(x) for
/// |x| &lt; 1e-3. Kept as it is: committed fixtures depend on its bits.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
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
    public static Vector128<float> Apply(Vector128<float> x)
    {
        Vector128<float> t = ExpKernel.Exp(Vector128.Create(-2f) * Vector128.Abs(x));
        Vector128<float> magnitude = (Vector128<float>.One - t) / (Vector128<float>.One + t);
        return Vector128.CopySign(magnitude, x);
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
/// SiLU (swish), like PyTorch's <c>nn.SiLU</c>: f(x) = x / (1 + e^−x), computed in that form as PyTorch does
/// (one rounding fewer than x·sigmoid(x)). For generated code; hidden from IntelliSense.
/// </summary>
/// <remarks>
/// Large negative x gives −0 (e^−x overflows to +∞). −∞ is replaced by −float.MaxValue first, so it gives the
/// limit −0 where the plain formula (and PyTorch) would give −∞/∞ = NaN; NaN stays NaN, +∞ gives +∞.
/// Measured against a double reference: at most 2 ulp where |y| ≥ 1e-3, |Δ| ≤ 1.2e-7·max(1, |y|) everywhere.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SiLUActivation : IActivation
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x)
    {
        float finite = x < -float.MaxValue ? -float.MaxValue : x;
        return finite / (1f + ExpKernel.Exp(-finite));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> x)
    {
        Vector128<float> lowest = Vector128.Create(-float.MaxValue);
        Vector128<float> finite = Vector128.ConditionalSelect(Vector128.LessThan(x, lowest), lowest, x);
        return finite / (Vector128<float>.One + ExpKernel.Exp(-finite));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
    {
        Vector256<float> lowest = Vector256.Create(-float.MaxValue);
        Vector256<float> finite = Vector256.ConditionalSelect(Vector256.LessThan(x, lowest), lowest, x);
        return finite / (Vector256<float>.One + ExpKernel.Exp(-finite));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
    {
        Vector512<float> lowest = Vector512.Create(-float.MaxValue);
        Vector512<float> finite = Vector512.ConditionalSelect(Vector512.LessThan(x, lowest), lowest, x);
        return finite / (Vector512<float>.One + ExpKernel.Exp(-finite));
    }
}

/// <summary>
/// The exact GELU, like PyTorch's <c>nn.GELU()</c>: f(x) = x·½·(1 + erf(x/√2)), in PyTorch's order of
/// operations, with <see cref="ErfKernel"/>'s erf. For generated code; hidden from IntelliSense.
/// </summary>
/// <remarks>
/// For x &lt; −5.5 the result is −0 (erf rounds to −1), as in PyTorch; −∞ is replaced by −float.MaxValue first,
/// so it gives the limit −0 where the plain formula (and PyTorch) would give −∞·0 = NaN. Measured against a
/// double reference: |Δ| ≤ 1.2e-7·max(1, |y|) everywhere, at most 2 ulp for x ≥ 0.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct GeluActivation : IActivation
{
    private const float SqrtHalf = 0.70710677f;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x)
    {
        float finite = x < -float.MaxValue ? -float.MaxValue : x;
        return finite * 0.5f * (1f + ErfKernel.Erf(finite * SqrtHalf));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> x)
    {
        Vector128<float> lowest = Vector128.Create(-float.MaxValue);
        Vector128<float> finite = Vector128.ConditionalSelect(Vector128.LessThan(x, lowest), lowest, x);
        return finite * Vector128.Create(0.5f) * (Vector128<float>.One + ErfKernel.Erf(finite * Vector128.Create(SqrtHalf)));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
    {
        Vector256<float> lowest = Vector256.Create(-float.MaxValue);
        Vector256<float> finite = Vector256.ConditionalSelect(Vector256.LessThan(x, lowest), lowest, x);
        return finite * Vector256.Create(0.5f) * (Vector256<float>.One + ErfKernel.Erf(finite * Vector256.Create(SqrtHalf)));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
    {
        Vector512<float> lowest = Vector512.Create(-float.MaxValue);
        Vector512<float> finite = Vector512.ConditionalSelect(Vector512.LessThan(x, lowest), lowest, x);
        return finite * Vector512.Create(0.5f) * (Vector512<float>.One + ErfKernel.Erf(finite * Vector512.Create(SqrtHalf)));
    }
}

/// <summary>
/// The tanh approximation of GELU, like PyTorch's <c>nn.GELU(approximate='tanh')</c>:
/// f(x) = ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), in PyTorch's order of operations, with
/// <see cref="TanhActivation"/>'s tanh. For generated code; hidden from IntelliSense.
/// </summary>
/// <remarks>
/// x³ overflows for |x| above 7e12; the inner argument is then ±∞ and tanh ±1, so the result is x or −0, as in
/// PyTorch. −∞ is replaced by −float.MaxValue first, giving the limit −0 instead of PyTorch's −∞·0 = NaN.
/// Measured against a double reference: |Δ| ≤ 1.6e-7·max(1, |y|) everywhere, at most 2 ulp for x ≥ 0.1.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct GeluTanhActivation : IActivation
{
    private const float Beta = 0.7978846f;    // √(2/π)
    private const float Kappa = 0.044715f;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x)
    {
        float finite = x < -float.MaxValue ? -float.MaxValue : x;
        float cube = finite * finite * finite;
        float inner = Beta * (finite + (Kappa * cube));
        return 0.5f * finite * (1f + TanhActivation.Apply(inner));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> x)
    {
        Vector128<float> lowest = Vector128.Create(-float.MaxValue);
        Vector128<float> finite = Vector128.ConditionalSelect(Vector128.LessThan(x, lowest), lowest, x);
        Vector128<float> cube = finite * finite * finite;
        Vector128<float> inner = Vector128.Create(Beta) * (finite + (Vector128.Create(Kappa) * cube));
        return Vector128.Create(0.5f) * finite * (Vector128<float>.One + TanhActivation.Apply(inner));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
    {
        Vector256<float> lowest = Vector256.Create(-float.MaxValue);
        Vector256<float> finite = Vector256.ConditionalSelect(Vector256.LessThan(x, lowest), lowest, x);
        Vector256<float> cube = finite * finite * finite;
        Vector256<float> inner = Vector256.Create(Beta) * (finite + (Vector256.Create(Kappa) * cube));
        return Vector256.Create(0.5f) * finite * (Vector256<float>.One + TanhActivation.Apply(inner));
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
    {
        Vector512<float> lowest = Vector512.Create(-float.MaxValue);
        Vector512<float> finite = Vector512.ConditionalSelect(Vector512.LessThan(x, lowest), lowest, x);
        Vector512<float> cube = finite * finite * finite;
        Vector512<float> inner = Vector512.Create(Beta) * (finite + (Vector512.Create(Kappa) * cube));
        return Vector512.Create(0.5f) * finite * (Vector512<float>.One + TanhActivation.Apply(inner));
    }
}

/// <summary>
/// ELU, like PyTorch's <c>nn.ELU(alpha)</c>: f(x) = x &gt; 0 ? x : (e^x − 1)·alpha, with
/// <see cref="Expm1Kernel"/>'s e^x − 1 (PyTorch uses expm1 too) and alpha a type-level constant.
/// For generated code; hidden from IntelliSense.
/// </summary>
/// <typeparam name="TAlpha">alpha, the value approached as x → −∞.</typeparam>
/// <remarks>
/// ±0 gives ±0·alpha, −∞ gives −alpha, NaN stays NaN. Measured against a double reference (alpha 1.7): at most
/// 2 ulp where |y| ≥ 1e-3, |Δ| ≤ 1.3e-7·max(1, |y|) everywhere.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct EluActivation<TAlpha> : IActivation
    where TAlpha : struct, IFloatConstant
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x) => x > 0f ? x : Expm1Kernel.Expm1(x) * TAlpha.Value;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> x)
        => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<float>.Zero), x, Expm1Kernel.Expm1(x) * Vector128.Create(TAlpha.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
        => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Expm1Kernel.Expm1(x) * Vector256.Create(TAlpha.Value));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), x, Expm1Kernel.Expm1(x) * Vector512.Create(TAlpha.Value));
}

/// <summary>
/// Softplus, like PyTorch's <c>nn.Softplus(beta, threshold)</c>: f(x) = x when β·x &gt; threshold, otherwise
/// ln(1 + e^(β·x)) / β, in PyTorch's order of operations, with <see cref="ExpKernel"/>'s exp and
/// <see cref="Log1pKernel"/>'s ln(1 + x); β and the threshold are type-level constants.
/// For generated code; hidden from IntelliSense.
/// </summary>
/// <typeparam name="TBeta">β.</typeparam>
/// <typeparam name="TThreshold">Above this, β·x is returned as x unchanged.</typeparam>
/// <remarks>
/// Exactly x above the threshold (+∞ included); −∞ and large negative x give +0 (e^(β·x) underflows), NaN
/// stays NaN. As in PyTorch, a threshold above ln(float.MaxValue) ≈ 88.7 lets e^(β·x) overflow to +∞ for
/// β·x between the two, and the result is then +∞. Measured against a double reference: |Δ| ≤ 1.4e-7·max(1, |y|)
/// everywhere; at most 2 ulp for β = 1 and 6 ulp for β = 2.5 where |y| ≥ 1e-3 (exp's relative error passes
/// through ln(1 + u) whole, and the division by β can move the result to a binade with a smaller ulp).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct SoftplusActivation<TBeta, TThreshold> : IActivation
    where TBeta : struct, IFloatConstant
    where TThreshold : struct, IFloatConstant
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float x)
    {
        float scaled = x * TBeta.Value;
        return scaled > TThreshold.Value ? x : Log1pKernel.Log1p(ExpKernel.Exp(scaled)) / TBeta.Value;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Apply(Vector128<float> x)
    {
        Vector128<float> beta = Vector128.Create(TBeta.Value);
        Vector128<float> scaled = x * beta;
        Vector128<float> soft = Log1pKernel.Log1p(ExpKernel.Exp(scaled)) / beta;
        return Vector128.ConditionalSelect(Vector128.GreaterThan(scaled, Vector128.Create(TThreshold.Value)), x, soft);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> x)
    {
        Vector256<float> beta = Vector256.Create(TBeta.Value);
        Vector256<float> scaled = x * beta;
        Vector256<float> soft = Log1pKernel.Log1p(ExpKernel.Exp(scaled)) / beta;
        return Vector256.ConditionalSelect(Vector256.GreaterThan(scaled, Vector256.Create(TThreshold.Value)), x, soft);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> x)
    {
        Vector512<float> beta = Vector512.Create(TBeta.Value);
        Vector512<float> scaled = x * beta;
        Vector512<float> soft = Log1pKernel.Log1p(ExpKernel.Exp(scaled)) / beta;
        return Vector512.ConditionalSelect(Vector512.GreaterThan(scaled, Vector512.Create(TThreshold.Value)), x, soft);
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
    public static Vector128<float> Apply(Vector128<float> x) => x;

    /// <inheritdoc/>
    public static Vector256<float> Apply(Vector256<float> x) => x;

    /// <inheritdoc/>
    public static Vector512<float> Apply(Vector512<float> x) => x;
}
