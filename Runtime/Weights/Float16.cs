using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Weights;

/// <summary>
/// Exact widening of little-endian F16 (IEEE 754 binary16), BF16 (bfloat16) and F32 data to float.
/// </summary>
/// <remarks>
/// Every F16 and BF16 value is representable in float, so the conversions are exact by construction: F16
/// normals re-bias the exponent, F16 subnormals (m × 2⁻²⁴, m &lt; 1024) are an exact int→float conversion and
/// an exact multiply by a power of two, ±∞ and NaN keep sign and payload, and BF16 is the top half of a float.
/// The vector path computes the same bits as the scalar one.
/// </remarks>
internal static class Float16
{
    private const float TwoToMinus24 = 1f / 16777216f;
    private const uint QuietBit = 0x00400000u;

    /// <summary>Converts the bits of one binary16 value to float, exactly.</summary>
    public static float HalfBitsToSingle(ushort bits)
    {
        uint magnitude = bits & 0x7FFFu;
        uint sign = (bits & 0x8000u) << 16;
        uint result;
        if (magnitude < 0x0400u)
        {
            // Zero or subnormal: m × 2⁻²⁴, both steps exact.
            result = (uint)BitConverter.SingleToInt32Bits((int)magnitude * TwoToMinus24);
        }
        else if (magnitude >= 0x7C00u)
        {
            // ±∞ or NaN: all-ones exponent, payload kept; a NaN comes out quiet, as IEEE 754 conversions
            // (F16C's VCVTPH2PS, System.Half) make it.
            result = (magnitude << 13) | 0x7F800000u | (magnitude > 0x7C00u ? QuietBit : 0u);
        }
        else
        {
            // Normal: exponent bias 15 → 127.
            result = (magnitude << 13) + (112u << 23);
        }

        return BitConverter.Int32BitsToSingle((int)(result | sign));
    }

    /// <summary>Converts the bits of one bfloat16 value to float, exactly (they are a float's top 16 bits).</summary>
    public static float BFloat16BitsToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>Converts little-endian F32 bytes (4 per value) to floats.</summary>
    public static void ConvertSingle(ReadOnlySpan<byte> source, Span<float> destination)
    {
        CheckLengths(source, destination, sizeof(float));
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(destination));
            return;
        }

        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * sizeof(float)));
        }
    }

    /// <summary>Converts little-endian F16 bytes (2 per value) to floats.</summary>
    public static void ConvertHalf(ReadOnlySpan<byte> source, Span<float> destination)
    {
        CheckLengths(source, destination, sizeof(ushort));
        int i = 0;
        if (Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            for (; i <= destination.Length - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                Vector128<ushort> bits = MemoryMarshal.Read<Vector128<ushort>>(source.Slice(i * sizeof(ushort)));
                (Vector128<uint> lower, Vector128<uint> upper) = Vector128.Widen(bits);
                HalfBitsToSingle(lower).CopyTo(destination.Slice(i));
                HalfBitsToSingle(upper).CopyTo(destination.Slice(i + Vector128<uint>.Count));
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = HalfBitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * sizeof(ushort))));
        }
    }

    /// <summary>Converts little-endian BF16 bytes (2 per value) to floats.</summary>
    public static void ConvertBFloat16(ReadOnlySpan<byte> source, Span<float> destination)
    {
        CheckLengths(source, destination, sizeof(ushort));
        int i = 0;
        if (Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            for (; i <= destination.Length - Vector128<ushort>.Count; i += Vector128<ushort>.Count)
            {
                Vector128<ushort> bits = MemoryMarshal.Read<Vector128<ushort>>(source.Slice(i * sizeof(ushort)));
                (Vector128<uint> lower, Vector128<uint> upper) = Vector128.Widen(bits);
                (lower << 16).AsSingle().CopyTo(destination.Slice(i));
                (upper << 16).AsSingle().CopyTo(destination.Slice(i + Vector128<uint>.Count));
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = BFloat16BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * sizeof(ushort))));
        }
    }

    /// <summary>The scalar <see cref="HalfBitsToSingle(ushort)"/> on four values (zero-extended binary16 bits).</summary>
    internal static Vector128<float> HalfBitsToSingle(Vector128<uint> bits)
    {
        Vector128<uint> magnitude = bits & Vector128.Create(0x7FFFu);
        Vector128<uint> sign = (bits & Vector128.Create(0x8000u)) << 16;
        Vector128<uint> shifted = magnitude << 13;
        Vector128<uint> normal = shifted + Vector128.Create(112u << 23);
        Vector128<uint> isNaN = Vector128.GreaterThan(magnitude.AsInt32(), Vector128.Create(0x7C00)).AsUInt32();
        Vector128<uint> special = shifted | Vector128.Create(0x7F800000u) | (isNaN & Vector128.Create(QuietBit));
        Vector128<uint> subnormal = (Vector128.ConvertToSingle(magnitude.AsInt32()) * Vector128.Create(TwoToMinus24)).AsUInt32();

        // magnitude < 0x8000, so signed compares are exact (and cheaper than unsigned ones on x86).
        Vector128<uint> isSubnormal = Vector128.LessThan(magnitude.AsInt32(), Vector128.Create(0x0400)).AsUInt32();
        Vector128<uint> isSpecial = Vector128.GreaterThan(magnitude.AsInt32(), Vector128.Create(0x7BFF)).AsUInt32();
        Vector128<uint> result = Vector128.ConditionalSelect(isSubnormal, subnormal, Vector128.ConditionalSelect(isSpecial, special, normal));
        return (result | sign).AsSingle();
    }

    private static void CheckLengths(ReadOnlySpan<byte> source, Span<float> destination, int elementSize)
    {
        if (source.Length != (long)destination.Length * elementSize)
        {
            throw new ArgumentException(
                $"Expected {(long)destination.Length * elementSize} bytes for {destination.Length} values, got {source.Length}.", nameof(source));
        }
    }
}
