using System;

namespace StaticNet;

/// <summary>Element-wise max(x, 0), like PyTorch's <c>nn.ReLU</c>. NaN stays NaN.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ReLUAttribute : Attribute
{
}

/// <summary>Element-wise x for x ≥ 0 and slope·x otherwise, like PyTorch's <c>nn.LeakyReLU(slope)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LeakyReLUAttribute : Attribute
{
    /// <summary>Declares a leaky ReLU.</summary>
    /// <param name="slope">The slope for negative inputs; PyTorch's <c>negative_slope</c>. Default 0.01.</param>
    public LeakyReLUAttribute(float slope = 0.01f) => Slope = slope;

    /// <summary>The slope for negative inputs.</summary>
    public float Slope { get; }
}

/// <summary>Element-wise 1 / (1 + e^−x), like PyTorch's <c>nn.Sigmoid</c>. Saturates to exactly 0 and 1.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SigmoidAttribute : Attribute
{
}

/// <summary>Element-wise hyperbolic tangent, like PyTorch's <c>nn.Tanh</c>. Saturates to exactly ±1.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class TanhAttribute : Attribute
{
}

/// <summary>
/// Softmax over the features of each sample, like PyTorch's <c>nn.Softmax(dim=1)</c>; numerically stable
/// for logits of any size (the row maximum is subtracted first). Normally the last layer.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class SoftmaxAttribute : Attribute
{
}
