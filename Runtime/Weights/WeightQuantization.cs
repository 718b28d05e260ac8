// Shared source: compiled into the runtime (net10.0) and linked into the source generator (netstandard2.0), so that
// Load and [Weights] (which converts at compile time) apply the very same rule. It uses only APIs both have.
using System;
using System.IO;
using System.Runtime.InteropServices;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>
/// The documented, deterministic conversions of float32 weights into the stored formats of
/// <c>StaticNet.WeightFormat</c>: int8 with one scale per output, and bfloat16.
/// </summary>
internal static class WeightQuantization
{
    /// <summary>The largest int8 magnitude used: symmetric, so −128 is never produced.</summary>
    public const int Int8Limit = 127;

    /// <summary>
    /// Quantises one output's weights (<paramref name="length"/> values from <paramref name="start"/>) into
    /// <paramref name="quantized"/> and returns the scale: scale = max|w| / 127 (a float32 division),
    /// q = round-half-to-even(w / scale) (a float32 division, then rounding) clamped to ±127. A row whose scale is 0
    /// (all zeros, or so small that max|w| / 127 underflows) gets q = 0. Weights must be finite.
    /// </summary>
    /// <exception cref="InvalidDataException">A weight is NaN or infinite (no scale can represent it).</exception>
    public static float QuantizeRow(float[] weights, int start, int length, sbyte[] quantized, int quantizedStart, string tensorName)
    {
        float maxAbs = 0f;
        for (int i = 0; i < length; i++)
        {
            float w = weights[start + i];
            if (float.IsNaN(w) || float.IsInfinity(w))
            {
                throw new InvalidDataException(
                    $"Tensor '{tensorName}': weight {i} of an output is {w}; int8 weights need finite values (scale = max|w| / 127).");
            }

            float magnitude = Math.Abs(w);
            if (magnitude > maxAbs)
            {
                maxAbs = magnitude;
            }
        }

        float scale = maxAbs / Int8Limit;
        for (int i = 0; i < length; i++)
        {
            quantized[quantizedStart + i] = scale == 0f ? (sbyte)0 : Quantize(weights[start + i], scale);
        }

        return scale;
    }

    /// <summary>round-half-to-even(w / scale) clamped to ±127; the quotient is a float32, rounded exactly by Math.Round.</summary>
    public static sbyte Quantize(float weight, float scale)
    {
        float ratio = weight / scale;
        double rounded = Math.Round((double)ratio, MidpointRounding.ToEven);
        return (sbyte)Math.Max(-Int8Limit, Math.Min(Int8Limit, rounded));
    }

    /// <summary>
    /// A float32 rounded to the nearest bfloat16, ties to even (PyTorch's <c>w.to(torch.bfloat16)</c>); NaN stays a
    /// (quiet) NaN of the same sign, ±∞ stays ±∞, and a value beyond bfloat16's range rounds to ±∞ as IEEE 754 says.
    /// </summary>
    public static ushort ToBFloat16Bits(float value)
    {
        uint bits = new SingleBits { Single = value }.Bits;
        if ((bits & 0x7FFFFFFFu) > 0x7F800000u)
        {
            return (ushort)((bits >> 16) | 0x0040u);
        }

        uint roundingBias = 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>The float32 a bfloat16 stands for, exactly.</summary>
    public static float FromBFloat16Bits(ushort bits) => new SingleBits { Bits = (uint)bits << 16 }.Single;

    /// <summary>A float's bits without BitConverter.SingleToUInt32Bits, which netstandard2.0 lacks.</summary>
    [StructLayout(LayoutKind.Explicit)]
    private struct SingleBits
    {
        [FieldOffset(0)]
        public float Single;

        [FieldOffset(0)]
        public uint Bits;
    }
}
