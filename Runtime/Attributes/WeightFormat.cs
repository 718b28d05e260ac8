using System;

namespace StaticNet;

/// <summary>
/// How a dense layer stores its weights once loaded, and for <see cref="Int8Dynamic"/> how it computes. In
/// <see cref="Float32"/>, <see cref="BFloat16"/> and <see cref="Int8"/> activations and sums stay float32: a stored
/// weight is widened exactly to float32 before it is multiplied, so each format computes what PyTorch computes with
/// the same (dequantised) weights. <see cref="Int8Dynamic"/> also quantises each input row to int8 and sums in
/// integers. In every format, every batch size, thread count and instruction set gives the same bits.
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

    /// <summary>
    /// Dynamic quantisation (W8A8): the weights of <see cref="Int8"/> (the same q and scales, the same files), and each
    /// row x of the layer's input quantised when the layer runs, so the products are integer dot products.
    /// Per row: m = max|x|; if m is NaN or ∞ every output of the row is NaN before the activation; else
    /// inv = 127f / m, and if inv is ∞ (m = 0 or below about 3.7e−37) every qx = 0 and sx = 0, otherwise
    /// qx = clamp(round-half-to-even(x · inv), −127, 127) and sx = m / 127f (float32 operations).
    /// Then acc[o] = Σ qx[k] · q[o, k] exactly in int32 (a layer has at most 131,072 inputs in this format) and
    /// y[o] = act((float)acc[o] · (sx · scale[o]) + bias[o]), each operation rounded to float32 in that order.
    /// Integer sums do not depend on their order, so every path, batch size and thread count gives the same bits;
    /// the result differs from <see cref="Int8"/>'s by the activations' rounding (about 0.4% of max|x| per input).
    /// </summary>
    Int8Dynamic = 3,
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
