using System;
using System.Buffers.Binary;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Weights;

public sealed class Float16Tests
{
    private static readonly byte[] AllPatterns = CreateAllPatterns();

    [Fact]
    public void Every_F16_pattern_converts_exactly_like_System_Half()
    {
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            uint expected = BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf((ushort)bits));
            uint actual = BitConverter.SingleToUInt32Bits(Float16.HalfBitsToSingle((ushort)bits));
            Assert.True(expected == actual, $"F16 0x{bits:X4}: expected 0x{expected:X8}, got 0x{actual:X8}");
        }
    }

    [Fact]
    public void Every_F16_pattern_converts_exactly_on_the_vector_path()
    {
        var values = new float[65536];
        Float16.ConvertHalf(AllPatterns, values);
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            uint expected = BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf((ushort)bits));
            uint actual = BitConverter.SingleToUInt32Bits(values[bits]);
            Assert.True(expected == actual, $"F16 0x{bits:X4}: expected 0x{expected:X8}, got 0x{actual:X8}");
        }
    }

    [Fact]
    public void F16_special_values_are_what_IEEE_754_says()
    {
        Assert.Equal(0x00000000u, BitConverter.SingleToUInt32Bits(Float16.HalfBitsToSingle(0x0000)));
        Assert.Equal(0x80000000u, BitConverter.SingleToUInt32Bits(Float16.HalfBitsToSingle(0x8000)));
        Assert.Equal(MathF.Pow(2, -24), Float16.HalfBitsToSingle(0x0001));           // smallest subnormal
        Assert.Equal(1023 * MathF.Pow(2, -24), Float16.HalfBitsToSingle(0x03FF));    // largest subnormal
        Assert.Equal(MathF.Pow(2, -14), Float16.HalfBitsToSingle(0x0400));           // smallest normal
        Assert.Equal(65504f, Float16.HalfBitsToSingle(0x7BFF));
        Assert.Equal(-2f, Float16.HalfBitsToSingle(0xC000));
        Assert.Equal(float.PositiveInfinity, Float16.HalfBitsToSingle(0x7C00));
        Assert.Equal(float.NegativeInfinity, Float16.HalfBitsToSingle(0xFC00));
        Assert.True(float.IsNaN(Float16.HalfBitsToSingle(0x7E00)));
        Assert.True(float.IsNegative(Float16.HalfBitsToSingle(0xFE01)));
    }

    [Fact]
    public void Every_BF16_pattern_converts_exactly()
    {
        var values = new float[65536];
        Float16.ConvertBFloat16(AllPatterns, values);
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            uint expected = BitConverter.SingleToUInt32Bits(SafetensorsOracle.BFloat16Reference((ushort)bits));
            uint scalar = BitConverter.SingleToUInt32Bits(Float16.BFloat16BitsToSingle((ushort)bits));
            uint vector = BitConverter.SingleToUInt32Bits(values[bits]);
            Assert.True(expected == scalar, $"BF16 0x{bits:X4}: expected 0x{expected:X8}, scalar gave 0x{scalar:X8}");
            Assert.True(expected == vector, $"BF16 0x{bits:X4}: expected 0x{expected:X8}, vector gave 0x{vector:X8}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(33)]
    public void Conversions_handle_any_length_and_misaligned_sources(int count)
    {
        // Start one byte in, so the source is not 2-byte aligned, and cover the scalar tail.
        var rng = new Random(count);
        var buffer = new byte[(count * 4) + 1];
        rng.NextBytes(buffer);
        ReadOnlySpan<byte> halves = buffer.AsSpan(1, count * 2);
        var f16 = new float[count];
        var bf16 = new float[count];
        var f32 = new float[count];
        Float16.ConvertHalf(halves, f16);
        Float16.ConvertBFloat16(halves, bf16);
        Float16.ConvertSingle(buffer.AsSpan(1, count * 4), f32);
        for (int i = 0; i < count; i++)
        {
            ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(halves[(i * 2)..]);
            Assert.Equal(BitConverter.SingleToUInt32Bits((float)BitConverter.UInt16BitsToHalf(bits)), BitConverter.SingleToUInt32Bits(f16[i]));
            Assert.Equal((uint)bits << 16, BitConverter.SingleToUInt32Bits(bf16[i]));
            Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(1 + (i * 4))), BitConverter.SingleToUInt32Bits(f32[i]));
        }
    }

    [Fact]
    public void A_destination_of_the_wrong_length_is_an_argument_error()
    {
        Assert.Throws<ArgumentException>(() => Float16.ConvertHalf(new byte[6], new float[2]));
        Assert.Throws<ArgumentException>(() => Float16.ConvertSingle(new byte[6], new float[2]));
    }

    private static byte[] CreateAllPatterns()
    {
        var bytes = new byte[65536 * 2];
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(bits * 2), (ushort)bits);
        }

        return bytes;
    }
}
