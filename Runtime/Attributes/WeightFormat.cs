using System;

namespace StaticNet;

/// <summary>
/// How a dense layer stores its weights once loaded. Activations and sums stay float32 in every format: a stored
/// weight is widened exactly to float32 before it is multiplied, so each format computes what PyTorch computes with
/// the same (dequantised) weights, and every batch size, thread count and instruction set gives the same bits.
/// </summary>
public enum WeightFormat
{
    /// <summary>4 bytes a weight, as PyTorch trains them. The default.</summary>
    Float32 = 0,

    /// <summary>
    /// 2 bytes a weight: bfloat16, a float32's top half. A float32 weight is rounded to the nearest bfloat16, ties to
    /// even (PyTorch's <c>w.to(torch.bfloat16)</c>); a bfloat16 file is kept exactly.
    /// </summary>
    BFloat16 = 1,

    /// <summary>
    /// 1 byte a weight: int8 with one float32 scale per output (symmetric, zero point 0), the weight being q · scale.
    /// A float weight row is quantised as scale = max|w| / 127, q = round-half-to-even(w / scale) clamped to ±127
    /// (a zero row gets scale 0); an int8 file (<c>weight</c> I8 with <c>weight_scale</c> F32) is kept exactly.
    /// </summary>
    Int8 = 2,
}

/// <summary>
/// The weight format of every dense layer of the network that does not choose its own with
/// <see cref="DenseAttribute.Format"/>: <c>[WeightFormat(WeightFormat.Int8)]</c> on the class.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class WeightFormatAttribute : Attribute
{
    /// <summary>Declares the network's weight format.</summary>
    /// <param name="format">How the dense layers store their weights.</param>
    public WeightFormatAttribute(WeightFormat format) => Format = format;

    /// <summary>How the dense layers store their weights.</summary>
    public WeightFormat Format { get; }
}
