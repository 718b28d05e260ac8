using System;

namespace StaticNet;

/// <summary>
/// Batch normalisation at inference, like PyTorch's <c>nn.BatchNorm1d(features)</c> in eval mode:
/// (x − running_mean) / √(running_var + <see cref="Epsilon"/>) · weight + bias.
/// Reads <c>weight</c>, <c>bias</c>, <c>running_mean</c> and <c>running_var</c>, each of shape (features);
/// <c>num_batches_tracked</c> is ignored.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>Declares a batch normalisation layer.</summary>
    /// <param name="features">Features per sample; must equal the previous layer's output size.</param>
    public BatchNormAttribute(int features) => Features = features;

    /// <summary>Features per sample.</summary>
    public int Features { get; }

    /// <summary>Added to the running variance before the square root, as PyTorch's <c>eps</c>. Default 1e-5.</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>The PyTorch module name whose tensors this layer reads; null means the layer's position.</summary>
    public string? Name { get; set; }
}
