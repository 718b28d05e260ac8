using System;

namespace StaticNet;

/// <summary>
/// Element-wise GELU, like PyTorch's <c>nn.GELU()</c>: x·½·(1 + erf(x/√2)); with
/// <c>Approximate = "tanh"</c>, like <c>nn.GELU(approximate='tanh')</c>: ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
/// </summary>
/// <remarks>
/// NaN stays NaN. −∞ gives −0 (the limit), where PyTorch's formula gives NaN; every finite input matches it.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GELUAttribute : Attribute
{
    /// <summary>"none" (the default): the exact GELU with erf. "tanh": the tanh approximation. As PyTorch's <c>approximate</c>.</summary>
    public string Approximate { get; set; } = "none";
}

/// <summary>
/// Element-wise SiLU (swish), like PyTorch's <c>nn.SiLU</c>: x·sigmoid(x), computed as x / (1 + e^−x).
/// NaN stays NaN; −∞ gives −0 (the limit), where PyTorch's formula gives NaN.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SiLUAttribute : Attribute
{
}

/// <summary>
/// Element-wise ELU, like PyTorch's <c>nn.ELU(alpha)</c>: x for x &gt; 0, otherwise alpha·(e^x − 1), with e^x − 1
/// computed accurately for small |x| (PyTorch's expm1). Approaches −alpha as x → −∞.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ELUAttribute : Attribute
{
    /// <summary>Declares an ELU.</summary>
    /// <param name="alpha">The value approached for large negative inputs; PyTorch's <c>alpha</c>. Default 1.</param>
    public ELUAttribute(float alpha = 1f) => Alpha = alpha;

    /// <summary>The value approached for large negative inputs.</summary>
    public float Alpha { get; }
}

/// <summary>
/// Element-wise Softplus, like PyTorch's <c>nn.Softplus(beta, threshold)</c>: ln(1 + e^(β·x)) / β, and x itself
/// where β·x &gt; threshold (where the two agree to float precision for the default threshold).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftplusAttribute : Attribute
{
    /// <summary>Declares a Softplus.</summary>
    /// <param name="beta">β, the sharpness; PyTorch's <c>beta</c>. Default 1.</param>
    /// <param name="threshold">Above this value of β·x the input is returned unchanged; PyTorch's <c>threshold</c>. Default 20.</param>
    public SoftplusAttribute(float beta = 1f, float threshold = 20f)
    {
        Beta = beta;
        Threshold = threshold;
    }

    /// <summary>β, the sharpness.</summary>
    public float Beta { get; }

    /// <summary>Above this value of β·x the input is returned unchanged.</summary>
    public float Threshold { get; }
}
