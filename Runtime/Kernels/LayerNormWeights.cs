using System;
using System.ComponentModel;
using StaticNet.Weights;

namespace StaticNet.Kernels;

/// <summary>
/// The tensors of a PyTorch <c>nn.LayerNorm(features)</c> and its ε, for <see cref="LayerNormKernel"/>.
/// Immutable after construction. For generated code; hidden from IntelliSense.
/// </summary>
/// <remarks>
/// weight and bias are kept in arrays padded with zeros to a whole number of 16-float vectors, so every vector
/// path loads them whole, without masks, whatever the row width.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class LayerNormWeights
{
    private readonly float[] _weight;
    private readonly float[] _bias;

    private LayerNormWeights(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float epsilon)
    {
        Features = weight.Length;
        Epsilon = epsilon;
        int padded = (Features + LayerNormKernel.Lanes - 1) / LayerNormKernel.Lanes * LayerNormKernel.Lanes;
        _weight = new float[padded];
        _bias = new float[padded];
        weight.CopyTo(_weight);
        bias.CopyTo(_bias);
    }

    /// <summary>Features per sample (the normalised row width).</summary>
    public int Features { get; }

    /// <summary>Added to the variance before the square root, as PyTorch's <c>eps</c>.</summary>
    public float Epsilon { get; }

    /// <summary>γ, (features).</summary>
    public ReadOnlySpan<float> Weight => _weight.AsSpan(0, Features);

    /// <summary>β, (features).</summary>
    public ReadOnlySpan<float> Bias => _bias.AsSpan(0, Features);

    /// <summary>γ followed by zeros up to a multiple of <see cref="LayerNormKernel.Lanes"/>.</summary>
    internal float[] PaddedWeight => _weight;

    /// <summary>β followed by zeros up to a multiple of <see cref="LayerNormKernel.Lanes"/>.</summary>
    internal float[] PaddedBias => _bias;

    /// <summary>
    /// Reads <c>{prefix}.weight</c> and <c>{prefix}.bias</c>, each of shape (<paramref name="features"/>), as
    /// PyTorch's <c>nn.LayerNorm(features)</c> saves them.
    /// </summary>
    /// <param name="file">The weights file.</param>
    /// <param name="prefix">The module's name in the state_dict: its position ("3") or its Name.</param>
    /// <param name="features">Features per sample.</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <exception cref="System.IO.InvalidDataException">A tensor is missing or has another shape or dtype.</exception>
    public static LayerNormWeights Read<TSource>(TSource file, string prefix, int features, float epsilon)
        where TSource : ITensorSource, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(features);
        return new LayerNormWeights(file.ReadTensor(prefix + ".weight", features), file.ReadTensor(prefix + ".bias", features), epsilon);
    }

    /// <summary>Copies γ and β, which must have the same non-zero length.</summary>
    /// <param name="weight">γ, (features).</param>
    /// <param name="bias">β, (features).</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <exception cref="ArgumentException">The lengths differ or are zero.</exception>
    public static LayerNormWeights Create(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float epsilon)
    {
        if (weight.Length == 0 || weight.Length != bias.Length)
        {
            throw new ArgumentException($"weight and bias must have the same non-zero length; got {weight.Length} and {bias.Length}.", nameof(bias));
        }

        return new LayerNormWeights(weight, bias, epsilon);
    }
}
