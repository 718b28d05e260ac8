using System.Linq;

namespace StaticNet.Generator.Model;

/// <summary>
/// The shape of one sample's tensor, without the batch dimension: (features), (channels, length) or
/// (channels, height, width), row-major like PyTorch's NC, NCL and NCHW. A batch of N samples is N of these
/// side by side, so a layer's input and output are always contiguous rows of <see cref="Size"/> floats.
/// </summary>
internal readonly record struct TensorShape(EquatableArray<int> Dimensions)
{
    /// <summary>A flat vector of <paramref name="features"/>, the shape between dense layers.</summary>
    public static TensorShape Features(int features) => new(new EquatableArray<int>(new[] { features }));

    /// <summary>(channels, length) or (channels, height, width).</summary>
    public static TensorShape Of(params int[] dimensions) => new(new EquatableArray<int>(dimensions));

    /// <summary>For the features a Flatten produces, the dimensions they were flattened from (diagnostics name them); otherwise empty.</summary>
    public EquatableArray<int> FlattenedFrom { get; init; }

    /// <summary>Channels of a (C, L) or (C, H, W) shape.</summary>
    public int Channels => Dimensions[0];

    /// <summary>Spatial dimensions: 0 for features, 1 for (C, L), 2 for (C, H, W).</summary>
    public int SpatialRank => Rank - 1;

    /// <summary>Floats per sample: the product of the dimensions.</summary>
    public long Size => Dimensions.Aggregate(1L, (product, d) => product * d);

    /// <summary>The number of dimensions: 1 for features, 2 for (C, L), 3 for (C, H, W).</summary>
    public int Rank => Dimensions.Count;

    /// <summary>The batched shape as PyTorch prints it: <c>(N, 128)</c>, <c>(N, 8, 28, 28)</c>.</summary>
    public string Display => "(N, " + string.Join(", ", Dimensions) + ")";

    /// <summary>The per-sample shape in words for diagnostics: <c>128</c> or <c>1152 = 8×12×12</c>.</summary>
    public string Describe => Rank > 1 ? $"{Literals.Int(Size)} = {string.Join("×", Dimensions)}"
        : FlattenedFrom.Count > 0 ? $"{Literals.Int(Size)} = {string.Join("×", FlattenedFrom)}"
        : Literals.Int(Size);
}
