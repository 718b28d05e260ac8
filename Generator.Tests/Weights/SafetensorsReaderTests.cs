using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet.Weights;
using GeneratorHeader = StaticNet.Generator.Weights.SafetensorsHeader;

namespace StaticNet.Generator.Tests.Weights;

public sealed class SafetensorsReaderTests
{
    private static readonly float[] SpecialFloats =
    [
        0f, -0f, 1f, -1.5f, 3.14159274f, float.Epsilon, -float.Epsilon, 1.17549435e-38f, float.MaxValue, float.MinValue,
        float.PositiveInfinity, float.NegativeInfinity, float.NaN, BitConverter.UInt32BitsToSingle(0x7FA00001),
    ];

    [Fact]
    public void F32_tensors_round_trip_bit_for_bit()
    {
        float[] weight = [.. Enumerable.Range(0, 12).Select(i => (i * 0.37f) - 2f)];
        byte[] file = new SafetensorsTestWriter()
            .AddF32("0.weight", [3, 4], weight)
            .AddF32("0.bias", [3], 0.5f, -0.25f, 1e-30f)
            .AddF32("special", [SpecialFloats.Length], SpecialFloats)
            .ToArray();

        var reader = SafetensorsReader.Open(file);

        Assert.Equal(weight, reader.ReadTensor("0.weight", 3, 4));
        Assert.Equal([0.5f, -0.25f, 1e-30f], reader.ReadTensor("0.bias", 3));
        Assert.True(WeightsTestHelpers.SameBits(SpecialFloats, reader.ReadTensor("special", SpecialFloats.Length)));
    }

    [Fact]
    public void F16_tensors_are_converted_exactly()
    {
        Half[] values = [.. Enumerable.Range(0, 40).Select(i => (Half)((i - 20) * 0.125f))];
        values[0] = BitConverter.UInt16BitsToHalf(0x0001);  // smallest subnormal
        values[1] = BitConverter.UInt16BitsToHalf(0x83FF);  // largest negative subnormal
        values[2] = Half.PositiveInfinity;
        values[3] = Half.NaN;
        values[4] = Half.MaxValue;
        byte[] file = new SafetensorsTestWriter().AddF16("w", [5, 8], values).ToArray();

        float[] read = SafetensorsReader.Open(file).ReadTensor("w", 5, 8);

        Assert.True(WeightsTestHelpers.SameBits([.. values.Select(h => (float)h)], read));
        Assert.Equal(MathF.Pow(2, -24), read[0]);
    }

    [Fact]
    public void BF16_tensors_are_the_top_half_of_a_float()
    {
        ushort[] bits = [0x3F80, 0xBF80, 0x0001, 0x7F80, 0xFF80, 0x7FC1, 0x4049, 0x8000, 0x3F81, 0x0080, 0x7F7F];
        byte[] file = new SafetensorsTestWriter().AddBF16("w", [bits.Length], bits).ToArray();

        float[] read = SafetensorsReader.Open(file).ReadTensor("w", bits.Length);

        Assert.True(WeightsTestHelpers.SameBits([.. bits.Select(b => BitConverter.UInt32BitsToSingle((uint)b << 16))], read));
        Assert.Equal(1f, read[0]);
        Assert.Equal(float.PositiveInfinity, read[3]);
    }

    [Fact]
    public void Metadata_padding_and_indented_json_are_accepted()
    {
        var writer = new SafetensorsTestWriter
        {
            Metadata = new() { ["format"] = "pt", ["note"] = "é \"quoted\" \\ 😀 \n" },
            Alignment = 64,
            ExtraPadding = 100,
            Indented = true,
        };
        byte[] file = writer.AddF32("a", [2], 1f, 2f).ToArray();

        var reader = SafetensorsReader.Open(file);

        Assert.Equal([1f, 2f], reader.ReadTensor("a", 2));
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal("é \"quoted\" \\ 😀 \n", reader.Metadata["note"]);
        Assert.Equal(0, (8 + reader.Header.HeaderLength - 100) % 64);
    }

    [Fact]
    public void Null_metadata_and_whitespace_between_tokens_are_accepted()
    {
        const string Header = "{\"__metadata__\" : null ,\r\n\t\"b\" : { \"shape\" : [ 1 ] , \"data_offsets\" : [ 0 , 4 ] , \"dtype\" : \"F32\" } }\n\t\r ";
        byte[] file = SafetensorsTestWriter.Assemble(Header, BitConverter.GetBytes(7f));

        var reader = SafetensorsReader.Open(file);

        Assert.Equal([7f], reader.ReadTensor("b", 1));
        Assert.Empty(reader.Metadata);
    }

    [Fact]
    public void Unused_tensors_of_any_dtype_are_ignored()
    {
        byte[] file = new SafetensorsTestWriter()
            .AddF32("1.weight", [2], 1f, 2f)
            .AddF32("1.bias", [2], 0f, 0f)
            .AddF32("1.running_mean", [2], 0f, 0f)
            .AddF32("1.running_var", [2], 1f, 1f)
            .AddI64("1.num_batches_tracked", [], 1234)
            .AddRaw("mask", "BOOL", [3], [1, 0, 1])
            .AddRaw("f8", "F8_E4M3", [1], [0x38])
            .AddRaw("d", "F64", [1], BitConverter.GetBytes(2.5))
            .ToArray();

        var reader = SafetensorsReader.Open(file);

        Assert.Equal([1f, 2f], reader.ReadTensor("1.weight", 2));
        Assert.Equal([1f, 1f], reader.ReadTensor("1.running_var", 2));
        Assert.True(reader.Contains("1.num_batches_tracked"));
        Assert.Equal(["1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked", "mask", "f8", "d"], reader.TensorNames);
    }

    [Fact]
    public void Scalars_empty_tensors_and_an_empty_file_are_valid()
    {
        byte[] file = new SafetensorsTestWriter()
            .AddRaw("empty", "F32", [0, 5], [])
            .AddF32("scalar", [], 42f)
            .AddRaw("also-empty", "F16", [3, 0], [])
            .ToArray();

        var reader = SafetensorsReader.Open(file);

        Assert.Equal([42f], reader.ReadTensor("scalar"));
        Assert.Empty(reader.ReadTensor("empty", 0, 5));
        Assert.Empty(reader.ReadTensor("also-empty", 3, 0));

        var nothing = SafetensorsReader.Open(SafetensorsTestWriter.Assemble("{}", []));
        Assert.Empty(nothing.TensorNames);
        var padded = SafetensorsReader.Open(SafetensorsTestWriter.Assemble("{}      ", []));
        Assert.Empty(padded.TensorNames);
    }

    [Fact]
    public void Tensors_may_be_listed_in_any_order_relative_to_their_data()
    {
        // "b" is listed first but its data comes second.
        const string Header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        byte[] file = SafetensorsTestWriter.Assemble(Header, [.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2f)]);

        var reader = SafetensorsReader.Open(file);

        Assert.Equal([1f], reader.ReadTensor("a", 1));
        Assert.Equal([2f], reader.ReadTensor("b", 1));
        Assert.Equal(["b", "a"], reader.TensorNames);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Names_with_escapes_and_non_ASCII_characters_are_decoded(bool rawUtf8)
    {
        string[] names = ["layer.é", "emoji😀.weight", "quote\"back\\slash/", "tab\tnew\nline", "\u0001", string.Empty, "日本語"];
        var writer = new SafetensorsTestWriter { RawUtf8 = rawUtf8 };
        foreach (string name in names)
        {
            writer.AddF32(name, [1], name.Length);
        }

        var reader = SafetensorsReader.Open(writer.ToArray());

        Assert.Equal(names, reader.TensorNames);
        foreach (string name in names)
        {
            Assert.Equal([(float)name.Length], reader.ReadTensor(name, 1));
        }
    }

    [Fact]
    public void Json_escapes_of_every_kind_are_decoded()
    {
        const string Header = "{\"\\u0041\\u00e9\\uD83D\\uDE00\\/\\b\\f\\n\\r\\t\\\"\\\\\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
        byte[] file = SafetensorsTestWriter.Assemble(Header, BitConverter.GetBytes(1f));

        Assert.Equal(["Aé😀/\b\f\n\r\t\"\\"], SafetensorsReader.Open(file).TensorNames);
    }

    [Fact]
    public void The_header_describes_every_tensor()
    {
        byte[] file = new SafetensorsTestWriter { Metadata = new() { ["format"] = "pt" } }
            .AddF32("w", [2, 3], new float[6])
            .AddI64("n", [], 1)
            .AddRaw("h", "F16", [1, 1, 2], new byte[4])
            .ToArray();

        var header = SafetensorsReader.Open(file).Header;

        Assert.Equal(file.Length - 36, header.DataStart);
        Assert.Equal(36, header.DataLength);
        Assert.Equal(3, header.Tensors.Count);
        var w = header.Tensors[0];
        Assert.Equal(("w", "F32", 4, 0L, 24L, 6L, "(2, 3)"), (w.Name, w.DType, w.ElementSize, w.Begin, w.End, w.ElementCount, w.DescribeShape()));
        Assert.True(header.TryGetTensor("n", out var n));
        Assert.Equal(("I64", 8, 24L, 32L, "()"), (n.DType, n.ElementSize, n.Begin, n.End, n.DescribeShape()));
        Assert.Equal("(1, 1, 2)", header.Tensors[2].DescribeShape());
        Assert.False(header.TryGetTensor("W", out _));
    }

    [Theory]
    [InlineData("runtime")]
    [InlineData("generator")]
    public void The_header_can_be_parsed_from_a_prefix_of_the_file(string copy)
    {
        byte[] file = new SafetensorsTestWriter().AddF32("w", [2], 1f, 2f).AddF32("b", [1], 3f).ToArray();
        long dataStart = SafetensorsReader.Open(file).Header.DataStart;

        // The same source compiled twice: the runtime's build and the generator's (netstandard2.0) build.
        IReadOnlyList<string> ParseHeaderOnly(int prefixLength, long fileLength) => copy == "generator"
            ? GeneratorHeader.ParseHeaderOnly(file.AsSpan(0, prefixLength), fileLength).TensorNames
            : SafetensorsHeader.ParseHeaderOnly(file.AsSpan(0, prefixLength), fileLength).TensorNames;

        Assert.Equal(["w", "b"], ParseHeaderOnly((int)dataStart, file.Length));
        var e = Assert.Throws<InvalidDataException>(() => ParseHeaderOnly((int)dataStart, file.Length - 1));
        Assert.Contains("Tensor 'b'", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => ParseHeaderOnly((int)dataStart - 1, file.Length));
        Assert.Throws<InvalidDataException>(() => ParseHeaderOnly(5, file.Length));
    }

    [Fact]
    public void The_generator_copy_of_the_header_parser_agrees_with_the_runtime_copy()
    {
        // The same source files are compiled for netstandard2.0 into the generator; run that build too.
        List<byte[]> files =
        [
            new SafetensorsTestWriter { Metadata = new() { ["k"] = "v" } }.AddF32("w", [2], 1f, 2f).AddI64("n", [], 3).ToArray(),
            new SafetensorsTestWriter { RawUtf8 = true }.AddF16("é😀", [1], (Half)1).ToArray(),
            SafetensorsTestWriter.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]),
            SafetensorsTestWriter.Assemble("{\"a\":[[[[1]]]]}", []),
            SafetensorsTestWriter.Assemble("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", new byte[4]),
            [1, 2, 3],
        ];

        foreach (byte[] file in files)
        {
            string runtime = Describe(() => SafetensorsHeader.Parse(file).TensorNames);
            string generator = Describe(() => GeneratorHeader.Parse(file).TensorNames);
            Assert.Equal(runtime, generator);
        }

        static string Describe(Func<IReadOnlyList<string>> parse)
        {
            try
            {
                return string.Join(",", parse());
            }
            catch (InvalidDataException e)
            {
                return "InvalidDataException: " + e.Message;
            }
        }
    }

    [Fact]
    public void Contains_is_exact_and_ordinal()
    {
        var reader = SafetensorsReader.Open(new SafetensorsTestWriter().AddF32("fc1.weight", [1], 1f).ToArray());

        Assert.True(reader.Contains("fc1.weight"));
        Assert.False(reader.Contains("FC1.weight"));
        Assert.False(reader.Contains("fc1.weight "));
        Assert.False(reader.Contains("__metadata__"));
    }

    [Fact]
    public void A_default_reader_is_an_invalid_operation_not_a_crash()
    {
        SafetensorsReader reader = default;
        try
        {
            _ = reader.TensorNames;
            Assert.Fail("Expected InvalidOperationException.");
        }
        catch (InvalidOperationException)
        {
        }
    }

    [Fact]
    public void Programming_errors_in_the_request_are_argument_exceptions()
    {
        var reader = SafetensorsReader.Open(new SafetensorsTestWriter().AddF32("w", [1], 1f).ToArray());
        try
        {
            reader.ReadTensor("w", -1);
            Assert.Fail("Expected ArgumentOutOfRangeException.");
        }
        catch (ArgumentOutOfRangeException)
        {
        }

        try
        {
            reader.ReadTensor(null!, 1);
            Assert.Fail("Expected ArgumentNullException.");
        }
        catch (ArgumentNullException)
        {
        }
    }
}
