using System;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Generator.Tests.Support;
using StaticNet.Weights;
using GeneratorHeader = StaticNet.Generator.Weights.SafetensorsHeader;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>One test per way a file can be wrong: each must be an InvalidDataException saying what and where.</summary>
public sealed class SafetensorsValidationTests
{
    private const string Entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";

    [Fact]
    public void A_truncated_file_is_rejected_at_every_length()
    {
        byte[] file = new SafetensorsTestWriter { Metadata = new() { ["format"] = "pt" } }
            .AddF32("0.weight", [2, 3], 1, 2, 3, 4, 5, 6)
            .AddF16("0.bias", [2], (Half)1, (Half)2)
            .ToArray();
        long dataStart = SafetensorsReader.Open(file).Header.DataStart;

        for (int length = 0; length < file.Length; length++)
        {
            string message = Rejects(file[..length]);
            string expected = length < 8 ? "too short for a safetensors file"
                : length < dataStart ? "bytes follow it: the file is truncated"
                : "lie outside the data";
            Assert.Contains(expected, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_header_length_beyond_the_file_is_rejected()
    {
        byte[] header = Encoding.UTF8.GetBytes("{\"a\":" + Entry + "}");
        string message = Rejects(SafetensorsTestWriter.Assemble(header, new byte[4], (ulong)header.Length + 5));

        Assert.Equal($"The safetensors header length is {header.Length + 5} bytes, but only {header.Length + 4} bytes follow it: the file is truncated or is not a safetensors file.", message);
    }

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(0x8000_0000_0000_0000UL)]
    public void A_header_length_above_the_cap_is_rejected(ulong declared)
    {
        string message = Rejects(SafetensorsTestWriter.Assemble("{}", [], declared));

        Assert.Equal($"The safetensors header length is {declared} bytes, more than the limit of 100000000 bytes.", message);
    }

    [Fact]
    public void An_empty_header_is_rejected()
    {
        Assert.Contains("the header must begin with '{' but begins with the end of the header (header byte 0, file offset 8)", Rejects(SafetensorsTestWriter.Assemble(string.Empty, [])), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", "expected a tensor name but found '}'", "}")]
    [InlineData("{\"a\" " + Entry + "}", "expected ':' but found '{'", "{\"dtype")]
    [InlineData("{\"a\":" + Entry, "expected ',' or '}' but found the end of the header", null)]
    [InlineData("{\"a\":{\"dtype\":\"F32", "a string is not terminated before the end of the header", "\"F32")]
    [InlineData("[1,2]", "the header must begin with '{' but begins with '['", "[")]
    [InlineData(" {}", "the header must begin with '{' but begins with byte 0x20", " ")]
    [InlineData("\uFEFF{}", "the header must begin with '{' but begins with byte 0xEF", "\uFEFF")]
    [InlineData("{}x", "found 'x' after the closing '}' (only whitespace padding may follow)", "x")]
    [InlineData("{}{}", "found '{' after the closing '}'", "{}")]
    [InlineData("{'a':1}", "expected a tensor name but found '''", "'a'")]
    [InlineData("{a:1}", "expected a tensor name but found 'a'", "a")]
    [InlineData("{\"a\":{\"dtype\":F32}}", "expected the dtype string but found 'F'", "F32}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,],\"data_offsets\":[0,4]}}", "expected a non-negative integer but found ']'", "],\"data")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1 2],\"data_offsets\":[0,4]}}", "expected ',' or ']' but found '2'", "2]")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", "expected an array of integers for \"shape\" but found '1'", "1,\"data")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", "unknown field \"extra\"", "\"extra")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "the entry has no \"data_offsets\"", "}}")]
    [InlineData("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "the entry has no \"dtype\"", "}}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "the entry has no \"shape\"", "}}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,2,4]}}", "\"data_offsets\" must hold exactly two integers [begin, end] but holds 3", "[0,2")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}", "\"data_offsets\" must hold exactly two integers [begin, end] but holds 1", "[4]")]
    [InlineData("{\"a\":null}", "expected a tensor entry", "null")]
    [InlineData("{\"a\":\"x\"}", "expected a tensor entry", "\"x\"")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", "expected a string value for metadata key 'k' but found '1'", "1}")]
    [InlineData("{\"__metadata__\":[]}", "expected an object of strings for \"__metadata__\" but found '['", "[]")]
    [InlineData("{\"__metadata__\":nul}", "expected an object of strings for \"__metadata__\" but found 'n'", "nul")]
    [InlineData("{\"a\u0001\":{}}", "control character 0x01 in a string must be escaped", "\u0001")]
    [InlineData("{\"a\\x\":{}}", "invalid escape '\\' followed by 'x'", "\\x")]
    [InlineData("{\"a\\u12\":{}}", "a \\u escape needs four hex digits", "\\u12")]
    [InlineData("{\"a\\u12G4\":{}}", "a \\u escape needs four hex digits", "\\u12")]
    [InlineData("{\"a\\uD800\":{}}", "high surrogate \\uD800 is not followed by a \\u low surrogate", "\\uD800")]
    [InlineData("{\"a\\uD800\\u0041\":{}}", "high surrogate \\uD800 is followed by \\u0041, not by a low surrogate", "\\u0041")]
    [InlineData("{\"a\\uDC00\":{}}", "lone low surrogate \\uDC00 in a string", "\\uDC00")]
    [InlineData("{\"a\\", "a string is not terminated before the end of the header", "\\")]
    public void Invalid_json_is_rejected_with_its_position(string header, string expected, string? at)
    {
        string message = Rejects(SafetensorsTestWriter.Assemble(header, new byte[4]));

        Assert.Contains(expected, message, StringComparison.Ordinal);
        int position = at is null ? Encoding.UTF8.GetByteCount(header) : Encoding.UTF8.GetByteCount(header[..header.LastIndexOf(at, StringComparison.Ordinal)]);
        Assert.Contains($"(header byte {position}, file offset {position + 8})", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errors_inside_a_tensor_entry_name_the_tensor()
    {
        string message = Rejects(SafetensorsTestWriter.Assemble("{\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", new byte[4]));

        Assert.Equal("Tensor 'fc1.weight': invalid header entry: fractions and exponents are not allowed (dimensions and offsets are integers) (header byte 38, file offset 46).", message);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, "byte 0xFF is not valid UTF-8")]
    [InlineData(new byte[] { 0x80 }, "byte 0x80 is not valid UTF-8")]
    [InlineData(new byte[] { 0xC0, 0x80 }, "byte 0xC0 is not valid UTF-8")]                      // overlong NUL
    [InlineData(new byte[] { 0xE0, 0x80, 0x80 }, "bytes starting with 0xE0 are not valid UTF-8")]   // overlong
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, "bytes starting with 0xED are not valid UTF-8")]   // encoded surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 }, "bytes starting with 0xF4 are not valid UTF-8")] // above U+10FFFF
    [InlineData(new byte[] { 0xF5, 0x80, 0x80, 0x80 }, "byte 0xF5 is not valid UTF-8")]
    [InlineData(new byte[] { 0xC3, 0x28 }, "bytes starting with 0xC3 are not valid UTF-8")]         // bad continuation
    public void Invalid_utf8_in_a_string_is_rejected(byte[] bad, string expected)
    {
        byte[] header = [.. "{\"ab"u8, .. bad, .. "\":{}}"u8];

        string message = Rejects(SafetensorsTestWriter.Assemble(header, []));

        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Contains("(header byte 4, file offset 12)", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_utf8_sequence_cut_off_by_the_end_of_the_header_is_rejected()
    {
        string message = Rejects(SafetensorsTestWriter.Assemble([.. "{\"a"u8, 0xE6, 0x97], []));

        Assert.Contains("a UTF-8 sequence is cut off by the end of the header (header byte 3", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_garbage_is_rejected()
    {
        var rng = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var garbage = new byte[rng.Next(0, 300)];
            rng.NextBytes(garbage);
            Rejects(garbage);
            Rejects(SafetensorsTestWriter.Assemble([(byte)'{', .. garbage], garbage));
        }
    }

    [Theory]
    [InlineData("{\"a\":" + Entry + ",\"a\":" + Entry + "}", "tensor 'a' is listed twice", "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("{\"a\":" + Entry + ",\"\\u0061\":" + Entry + "}", "tensor 'a' is listed twice", "\"\\u0061")]
    [InlineData("{\"__metadata__\":{},\"__metadata__\":null}", "\"__metadata__\" appears twice", "\"__metadata__\":null")]
    [InlineData("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", "metadata key 'k' appears twice", "\"k\":\"2")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", "field \"dtype\" appears twice", "\"dtype\":\"F16")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"shape\":[1],\"data_offsets\":[0,4]}}", "field \"shape\" appears twice", "\"shape\":[1],\"data")]
    public void Duplicate_keys_are_rejected(string header, string expected, string at)
    {
        string message = Rejects(SafetensorsTestWriter.Assemble(header, new byte[4]));

        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Contains($"header byte {header.LastIndexOf(at, StringComparison.Ordinal)},", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":", "[", "expected a tensor entry")]
    [InlineData("{", "{", "expected a tensor name but found '{'")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[", "[", "expected a non-negative integer but found '['")]
    [InlineData("{\"a\":{\"dtype\":", "{", "expected the dtype string but found '{'")]
    [InlineData("{\"__metadata__\":{\"k\":", "{", "expected a string value for metadata key 'k' but found '{'")]
    public void Deep_nesting_is_rejected_at_the_first_level_the_format_does_not_have(string prefix, string opener, string expected)
    {
        string closer = opener == "[" ? "]" : "}";
        string header = prefix + string.Concat(Enumerable.Repeat(opener, 100_000)) + string.Concat(Enumerable.Repeat(closer, 100_000)) + "}";

        string message = Rejects(SafetensorsTestWriter.Assemble(header, []));

        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Contains("(nesting deeper than the safetensors format allows)", message, StringComparison.Ordinal);
        Assert.Contains($"header byte {prefix.Length},", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1", "negative numbers are not allowed")]
    [InlineData("-0", "negative numbers are not allowed")]
    [InlineData("1.5", "fractions and exponents are not allowed")]
    [InlineData("4.0", "fractions and exponents are not allowed")]
    [InlineData("1e3", "fractions and exponents are not allowed")]
    [InlineData("1E+3", "fractions and exponents are not allowed")]
    [InlineData("01", "numbers must not have leading zeros")]
    [InlineData("9223372036854775808", "a number is larger than 9223372036854775807")]
    [InlineData("18446744073709551616", "a number is larger than 9223372036854775807")]
    [InlineData("99999999999999999999999999999999999999999999999999", "a number is larger than 9223372036854775807")]
    [InlineData("+1", "expected a non-negative integer but found '+'")]
    [InlineData("\"1\"", "expected a non-negative integer but found '\"'")]
    [InlineData("true", "expected a non-negative integer but found 't'")]
    [InlineData("NaN", "expected a non-negative integer but found 'N'")]
    public void Numbers_must_be_non_negative_integers_that_fit_in_a_long(string number, string expected)
    {
        string shapeHeader = "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + number + "],\"data_offsets\":[0,4]}}";
        string offsetHeader = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0," + number + "]}}";

        foreach (string header in new[] { shapeHeader, offsetHeader })
        {
            string message = Rejects(SafetensorsTestWriter.Assemble(header, new byte[4]));
            Assert.StartsWith("Tensor 'w': invalid header entry: " + expected, message, StringComparison.Ordinal);
            Assert.Contains($"header byte {header.IndexOf(number, StringComparison.Ordinal)},", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Offsets_outside_the_data_are_rejected()
    {
        string message = Rejects(new SafetensorsTestWriter().AddRaw("0.weight", "F32", [2], new byte[4], (0, 8)).ToArray());

        Assert.Equal("Tensor '0.weight': data_offsets [0, 8] lie outside the data, which is 4 bytes long.", message);

        string far = Rejects(new SafetensorsTestWriter().AddRaw("w", "F32", [1], new byte[4], (long.MaxValue - 4, long.MaxValue)).ToArray());
        Assert.Equal("Tensor 'w': data_offsets [9223372036854775803, 9223372036854775807] lie outside the data, which is 4 bytes long.", far);
    }

    [Fact]
    public void Reversed_offsets_are_rejected()
    {
        string message = Rejects(new SafetensorsTestWriter().AddRaw("w", "F32", [1], new byte[4], (4, 0)).ToArray());

        Assert.Equal("Tensor 'w': data_offsets [4, 0] begin after they end.", message);
    }

    [Fact]
    public void Overlapping_tensors_are_rejected()
    {
        byte[] file = new SafetensorsTestWriter()
            .AddRaw("a", "F32", [2], new byte[8], (0, 8))
            .AddRaw("b", "F32", [2], new byte[4], (4, 12))
            .ToArray();

        Assert.Equal("Tensor 'b': data_offsets [4, 12] overlap tensor 'a' at [0, 8].", Rejects(file));

        byte[] same = new SafetensorsTestWriter()
            .AddRaw("a", "F32", [1], new byte[4], (0, 4))
            .AddRaw("b", "F32", [1], new byte[4], (0, 4))
            .AddRaw("c", "F32", [1], [], (4, 8))
            .ToArray();
        Assert.Equal("Tensor 'b': data_offsets [0, 4] overlap tensor 'a' at [0, 4].", Rejects(same));

        byte[] inside = new SafetensorsTestWriter()
            .AddRaw("a", "F32", [2], new byte[8], (0, 8))
            .AddRaw("empty", "F32", [0], [], (4, 4))
            .ToArray();
        Assert.Equal("Tensor 'empty': data_offsets [4, 4] overlap tensor 'a' at [0, 8].", Rejects(inside));
    }

    [Fact]
    public void Holes_in_the_data_are_rejected()
    {
        byte[] atStart = new SafetensorsTestWriter().AddRaw("a", "F32", [1], new byte[8], (4, 8)).ToArray();
        Assert.Equal("The data has a hole: bytes [0, 4) before tensor 'a' belong to no tensor.", Rejects(atStart));

        byte[] between = new SafetensorsTestWriter()
            .AddRaw("a", "F32", [1], new byte[4], (0, 4))
            .AddRaw("b", "F32", [1], new byte[8], (8, 12))
            .ToArray();
        Assert.Equal("The data has a hole: bytes [4, 8) between tensor 'a' and tensor 'b' belong to no tensor.", Rejects(between));

        byte[] atEnd = new SafetensorsTestWriter { TrailingData = [1, 2, 3] }.AddF32("a", [1], 1f).ToArray();
        Assert.Equal("The data has a hole: bytes [4, 7) of the 7 data bytes belong to no tensor (after tensor 'a').", Rejects(atEnd));

        byte[] noTensors = SafetensorsTestWriter.Assemble("{}", [0]);
        Assert.Equal("The data has a hole: bytes [0, 1) of the 1 data bytes belong to no tensor (and the header lists no tensors).", Rejects(noTensors));
    }

    [Fact]
    public void A_shape_that_disagrees_with_the_byte_range_is_rejected()
    {
        string message = Rejects(new SafetensorsTestWriter().AddRaw("0.bias", "F32", [3], new byte[8]).ToArray());
        Assert.Equal("Tensor '0.bias': shape (3) as F32 needs 12 bytes, but data_offsets [0, 8] span 8.", message);

        // 65536 × 65536 overflows an int but not a long: an honest mismatch, and nothing that large is allocated.
        byte[] huge = new SafetensorsTestWriter().AddRaw("w", "F16", [65536, 65536], new byte[8]).ToArray();
        string big = Rejects(huge);
        Assert.Equal("Tensor 'w': shape (65536, 65536) as F16 needs 8589934592 bytes, but data_offsets [0, 8] span 8.", big);
        Assert.InRange(AllocationMeter.OnThisThread(() => Rejects(huge)), 0, 64 * 1024);
    }

    [Fact]
    public void A_shape_whose_element_count_overflows_a_long_is_rejected()
    {
        string message = Rejects(new SafetensorsTestWriter().AddRaw("w", "F32", [4294967296, 4294967296], new byte[4]).ToArray());
        Assert.Equal("Tensor 'w': the element count of shape (4294967296, 4294967296) overflows a 64-bit integer.", message);

        string bytes = Rejects(new SafetensorsTestWriter().AddRaw("w", "F32", [1L << 62], new byte[4]).ToArray());
        Assert.Equal("Tensor 'w': the byte size of shape (4611686018427387904) as F32 overflows a 64-bit integer.", bytes);

        // A zero dimension after an overflowing prefix still overflows, as in the reference implementation.
        string zero = Rejects(new SafetensorsTestWriter().AddRaw("w", "F32", [4294967296, 4294967296, 0], []).ToArray());
        Assert.Contains("overflows a 64-bit integer", zero, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Q4")]
    [InlineData("f32")]
    [InlineData("")]
    [InlineData("F32 ")]
    [InlineData("F4")]
    public void An_unknown_dtype_is_rejected_naming_the_tensor(string dtype)
    {
        string message = Rejects(new SafetensorsTestWriter().AddF32("ok", [1], 1f).AddRaw("2.weight", dtype, [1], new byte[4]).ToArray());

        Assert.StartsWith($"Tensor '2.weight': invalid header entry: unknown dtype '{dtype}' (safetensors dtypes: BOOL, U8,", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_tensor_names_the_tensor_the_shape_and_what_the_file_holds()
    {
        byte[] file = new SafetensorsTestWriter().AddF32("0.bias", [1], 1f).AddF32("2.weight", [1], 1f).ToArray();

        Assert.Equal(
            "Tensor '0.weight': expected shape (128, 784) as F32, F16 or BF16, but it is missing from the file; it holds: 0.bias, 2.weight.",
            ReadFails(file, "0.weight", 128, 784));

        var many = new SafetensorsTestWriter();
        for (int i = 0; i < 25; i++)
        {
            many.AddF32($"t{i}", [1], i);
        }

        Assert.Equal(
            "Tensor 'x': expected shape (3) as F32, F16 or BF16, but it is missing from the file; it holds 25 tensors, the first 20: "
            + string.Join(", ", Enumerable.Range(0, 20).Select(i => $"t{i}")) + ".",
            ReadFails(many.ToArray(), "x", 3));

        Assert.Equal(
            "Tensor 'x': expected shape () as F32, F16 or BF16, but it is missing from the file; the file holds no tensors.",
            ReadFails(SafetensorsTestWriter.Assemble("{}", []), "x"));
    }

    [Fact]
    public void A_missing_tensor_suggests_a_prefixed_name()
    {
        byte[] file = new SafetensorsTestWriter().AddF32("model.0.weight", [1], 1f).ToArray();

        Assert.EndsWith(
            "it holds: model.0.weight. Did you mean 'model.0.weight'? (The file's names carry a prefix: save the network module's own state_dict.)",
            ReadFails(file, "0.weight", 1),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new long[] { 4, 2 }, new[] { 4, 3 }, "expected shape (4, 3) as F32, F16 or BF16, but the file holds F32 (4, 2).")]
    [InlineData(new long[] { 12 }, new[] { 4, 3 }, "expected shape (4, 3) as F32, F16 or BF16, but the file holds F32 (12).")]
    [InlineData(new long[] { 3, 4 }, new[] { 4, 3 }, "expected shape (4, 3) as F32, F16 or BF16, but the file holds F32 (3, 4).")]
    [InlineData(new long[] { 1 }, new int[0], "expected shape () as F32, F16 or BF16, but the file holds F32 (1).")]
    [InlineData(new long[0], new[] { 1 }, "expected shape (1) as F32, F16 or BF16, but the file holds F32 ().")]
    public void A_wrong_shape_names_the_tensor_the_expected_shape_and_the_found_shape(long[] actual, int[] expected, string message)
    {
        int count = (int)actual.Aggregate(1L, (a, b) => a * b);
        byte[] file = new SafetensorsTestWriter().AddF32("0.weight", actual, new float[count]).ToArray();

        Assert.Equal("Tensor '0.weight': " + message, ReadFails(file, "0.weight", expected));
    }

    [Theory]
    [InlineData("I64", 8, "I64 (1)")]
    [InlineData("F64", 8, "F64 (1)")]
    [InlineData("I32", 4, "I32 (1)")]
    [InlineData("U16", 2, "U16 (1)")]
    [InlineData("F8_E4M3", 1, "F8_E4M3 (1)")]
    [InlineData("BOOL", 1, "BOOL (1)")]
    public void A_tensor_that_is_not_F32_F16_or_BF16_is_not_read_as_weights(string dtype, int size, string found)
    {
        byte[] file = new SafetensorsTestWriter().AddRaw("w", dtype, [1], new byte[size]).ToArray();

        Assert.Equal($"Tensor 'w': expected shape (1) as F32, F16 or BF16, but the file holds {found}.", ReadFails(file, "w", 1));
    }

    [Fact]
    public void Num_batches_tracked_is_not_weights()
    {
        byte[] file = new SafetensorsTestWriter().AddI64("1.num_batches_tracked", [], 100).ToArray();

        Assert.Equal(
            "Tensor '1.num_batches_tracked': expected shape (64) as F32, F16 or BF16, but the file holds I64 ().",
            ReadFails(file, "1.num_batches_tracked", 64));
    }

    [Fact]
    public void A_file_with_any_bad_entry_is_rejected_before_anything_is_read()
    {
        // The first tensor is fine; the broken one comes last: Open refuses the whole file.
        byte[] file = new SafetensorsTestWriter()
            .AddF32("0.weight", [2], 1f, 2f)
            .AddF32("0.bias", [1], 1f)
            .AddRaw("2.weight", "F32", [3], new byte[4])
            .ToArray();

        Assert.Contains("Tensor '2.weight'", Rejects(file), StringComparison.Ordinal);
    }

    [Fact]
    public void Header_claims_never_drive_allocations()
    {
        string[] headers =
        [
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000000000],\"data_offsets\":[0,4000000000000]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[250000000],\"data_offsets\":[0,1000000000]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,9223372036854775807]}}",
        ];
        foreach (string header in headers)
        {
            byte[] file = SafetensorsTestWriter.Assemble(header, new byte[4]);
            Assert.InRange(AllocationMeter.OnThisThread(() => Rejects(file)), 0, 64 * 1024);
        }

        byte[] claimsHugeHeader = SafetensorsTestWriter.Assemble("{}", [], 99_999_999);
        Assert.InRange(AllocationMeter.OnThisThread(() => Rejects(claimsHugeHeader)), 0, 64 * 1024);
    }

    [Fact]
    public void Absurdly_long_names_and_shapes_are_shortened_in_messages()
    {
        string longName = new('n', 1_000_000);
        string dtypeMessage = Rejects(new SafetensorsTestWriter().AddRaw(longName, "Q4", [1], new byte[4]).ToArray());
        Assert.StartsWith($"Tensor '{new string('n', 160)}…(1000000 characters)': invalid header entry: unknown dtype 'Q4'", dtypeMessage, StringComparison.Ordinal);
        Assert.True(dtypeMessage.Length < 1000);

        long[] manyDimensions = [.. Enumerable.Repeat(1L, 5000)];
        byte[] file = new SafetensorsTestWriter().AddF32("w", manyDimensions, 1f).ToArray();
        string shapeMessage = ReadFails(file, "w", 1);
        Assert.Equal(
            "Tensor 'w': expected shape (1) as F32, F16 or BF16, but the file holds F32 ("
            + string.Join(", ", Enumerable.Repeat("1", 32)) + ", …: 5000 dimensions).",
            shapeMessage);
        Assert.Equal([1f], SafetensorsReader.Open(file).ReadTensor("w", [.. Enumerable.Repeat(1, 5000)]));
    }

    private static string Rejects(byte[] file)
    {
        var e = Assert.Throws<InvalidDataException>(() => { SafetensorsReader.Open(file); });

        // The generator's build of the same parser (which checks [Weights] files at compile time) says the same.
        var generator = Assert.Throws<InvalidDataException>(() => { GeneratorHeader.Parse(file); });
        Assert.Equal(e.Message, generator.Message);
        return e.Message;
    }

    private static string ReadFails(byte[] file, string name, params int[] shape)
    {
        var e = Assert.Throws<InvalidDataException>(() => { SafetensorsReader.Open(file).ReadTensor(name, shape); });
        return e.Message;
    }
}
