using System;

namespace StaticNet;

/// <summary>
/// Layer normalisation, like PyTorch's <c>nn.LayerNorm(features)</c>: for each sample, the mean and the biased
/// variance over its features, then (x − mean) / √(var + <see cref="Epsilon"/>) · weight + bias.
/// Reads <c>weight</c> and <c>bias</c>, each of shape (features). The same bits on every instruction-set path
/// and for every batch size: the sums are taken in one fixed order.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LayerNormAttribute : Attribute
{
    /// <summary>Declares a layer normalisation.</summary>
    /// <param name="features">Features per sample, the normalised width; must equal the previous layer's output size.</param>
    public LayerNormAttribute(int features) => Features = features;

    /// <summary>Features per sample.</summary>
    public int Features { get; }

    /// <summary>Added to the variance before the square root, as PyTorch's <c>eps</c>. Default 1e-5.</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>The PyTorch module name whose tensors this layer reads; null means the layer's position.</summary>
    public string? Name { get; set; }
}
