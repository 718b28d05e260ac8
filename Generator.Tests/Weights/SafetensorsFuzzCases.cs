using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>A valid file to mutate, and the tensors a network would read from it.</summary>
internal sealed record FuzzBase(string Name, SafetensorsTestWriter Writer, byte[] File, (string Name, int[] Shape)[] Requests);

/// <summary>One fuzz input. <see cref="DataOnly"/> marks mutations that leave the header untouched.</summary>
internal sealed record FuzzCase(int Index, string Description, FuzzBase Base, byte[] File, bool DataOnly = false);

/// <summary>Deterministic generation of mutated safetensors files from a few valid ones.</summary>
internal static class SafetensorsFuzzCases
{
    private static readonly string[] InterestingNumbers =
    [
        "0", "1", "-1", "-0", "1.5", "1e3", "1E+2", "0.0", "01", "00", "2147483647", "2147483648", "4294967295", "4294967296",
        "65536", "3037000499", "3037000500", "4611686018427387904", "9223372036854775807", "9223372036854775808",
        "18446744073709551615", "18446744073709551616", "1" + new string('0', 400), "",
    ];

    private static readonly long[] InterestingLongs =
    [
        0, 1, 2, 3, 4, 7, 8, 255, 65535, 65536, int.MaxValue, 1L << 31, 1L << 32, 3037000499, 3037000500, 1L << 61, 1L << 62,
        long.MaxValue - 1, long.MaxValue,
    ];

    private static readonly long[][] OverflowingShapes =
    [
        [1L << 32, 1L << 32], [3037000500, 3037000500], [1L << 62, 2], [1L << 62, 4], [65536, 65536, 65536, 65536], [long.MaxValue, 2],
        [long.MaxValue, 0], [0, long.MaxValue], [1L << 32, 1L << 32, 0], [65536, 65536], [46341, 46341], [1L << 61],
    ];

    private static readonly string[] Dtypes =
        [.. SafetensorsOracle.ElementSizes.Keys, "F128", "f32", "", "I4", "F32 ", "Q4_0", "bf16", "F6_E2M3", "F4"];

    private static readonly byte[][] Tokens =
    [
        .. new[]
        {
            "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u", "\\uD800", "\\uDC00", "\\uD83D\\uDE00", "\\u00e9", "\\x", "-", ".", "e", "0", "1",
            "9", "99999999999999999999", "9223372036854775807", "9223372036854775808", "null", "true", " ", "\t", "\n", "\r", "\u0001", "\u007F",
            "\"__metadata__\":{},", "\"__metadata__\":null,", "\"x\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]},",
            "\"dtype\":\"F32\",", "\"shape\":[1],", "\"data_offsets\":[0,4],", "\"extra\":1,", "é", "😀",
        }.Select(Encoding.UTF8.GetBytes),
        [0x00], [0x80], [0xBF], [0xC0, 0x80], [0xC3], [0xC3, 0xA9], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xFE, 0xFF],
    ];

    public static List<FuzzBase> Bases()
    {
        var rng = new Random(1);
        var bases = new List<FuzzBase>();

        var mlp = new SafetensorsTestWriter { Metadata = new() { ["format"] = "pt" } }
            .AddF32("0.weight", [4, 6], RandomFloats(rng, 24))
            .AddF32("0.bias", [4], RandomFloats(rng, 4))
            .AddF32("2.weight", [3, 4], RandomFloats(rng, 12))
            .AddF32("2.bias", [3], RandomFloats(rng, 3));
        bases.Add(Base("mlp-f32", mlp, ("0.weight", [4, 6]), ("0.bias", [4]), ("2.weight", [3, 4]), ("2.bias", [3]), ("4.weight", [2, 3])));

        var batchNorm = new SafetensorsTestWriter { Metadata = new() { ["format"] = "pt" } }
            .AddRaw("0.weight", "F16", [3, 5], RandomBytes(rng, 30))
            .AddRaw("0.bias", "F16", [3], RandomBytes(rng, 6))
            .AddRaw("1.weight", "F16", [3], RandomBytes(rng, 6))
            .AddRaw("1.bias", "F16", [3], RandomBytes(rng, 6))
            .AddRaw("1.running_mean", "F16", [3], RandomBytes(rng, 6))
            .AddRaw("1.running_var", "F16", [3], RandomBytes(rng, 6))
            .AddI64("1.num_batches_tracked", [], 42);
        bases.Add(Base(
            "batchnorm-f16",
            batchNorm,
            ("0.weight", [3, 5]), ("0.bias", [3]), ("1.weight", [3]), ("1.bias", [3]), ("1.running_mean", [3]), ("1.running_var", [3]),
            ("1.num_batches_tracked", [3])));

        var named = new SafetensorsTestWriter { Indented = true, RawUtf8 = true, ReverseDataLayout = true }
            .AddRaw("fc1.weight", "BF16", [2, 8], RandomBytes(rng, 32))
            .AddRaw("fc1.bias", "BF16", [2], RandomBytes(rng, 4))
            .AddRaw("ünïcode.😀", "BF16", [1], RandomBytes(rng, 2));
        bases.Add(Base("named-bf16", named, ("fc1.weight", [2, 8]), ("fc1.bias", [2]), ("ünïcode.😀", [1])));

        var mixed = new SafetensorsTestWriter { Alignment = 16, ExtraPadding = 5 }
            .AddF32("scalar", [], 3.5f)
            .AddRaw("empty", "F32", [0, 4], [])
            .AddRaw("d", "F64", [2], RandomBytes(rng, 16))
            .AddRaw("u", "U8", [3], RandomBytes(rng, 3))
            .AddRaw("mask", "BOOL", [1], [1])
            .AddRaw("h", "F16", [5], RandomBytes(rng, 10));
        bases.Add(Base("mixed", mixed, ("scalar", []), ("empty", [0, 4]), ("d", [2]), ("h", [5]), ("u", [3])));

        var escaped = new SafetensorsTestWriter { Metadata = new() { ["a\"b"] = "c\\d", ["é"] = "😀", ["empty"] = string.Empty } }
            .AddF32("tab\tname", [2], RandomFloats(rng, 2))
            .AddRaw("quo\"te", "F16", [1, 2], RandomBytes(rng, 4))
            .AddRaw("é", "BF16", [3], RandomBytes(rng, 6));
        bases.Add(Base("escaped", escaped, ("tab\tname", [2]), ("quo\"te", [1, 2]), ("é", [3])));

        return bases;
    }

    /// <summary>The cases for one run; <paramref name="scale"/> multiplies the random ones (truncations are exhaustive).</summary>
    public static IEnumerable<FuzzCase> Generate(List<FuzzBase> bases, int scale, int seed)
    {
        var rng = new Random(seed);
        int index = 0;
        foreach (FuzzBase b in bases)
        {
            yield return new FuzzCase(index++, "unmodified", b, b.File);
            for (int length = 0; length < b.File.Length; length++)
            {
                yield return new FuzzCase(index++, $"truncated to {length} bytes", b, b.File[..length]);
            }
        }

        // Interleave the random mutations over the bases so a shorter run still covers every kind.
        for (int round = 0; round < 10 * scale; round++)
        {
            foreach (FuzzBase b in bases)
            {
                for (int i = 0; i < 15; i++)
                {
                    (string d, byte[] f) = HeaderBitFlips(rng, b);
                    yield return new FuzzCase(index++, d, b, f);
                }

                for (int i = 0; i < 4; i++)
                {
                    (string d, byte[] f) = DataBitFlips(rng, b);
                    yield return new FuzzCase(index++, d, b, f, DataOnly: true);
                }

                for (int i = 0; i < 4; i++)
                {
                    (string d, byte[] f) = LengthField(rng, b);
                    yield return new FuzzCase(index++, d, b, f);
                }

                for (int i = 0; i < 20; i++)
                {
                    (string d, byte[] f) = TextEdit(rng, b);
                    yield return new FuzzCase(index++, d, b, f);
                }

                for (int i = 0; i < 10; i++)
                {
                    (string d, byte[] f) = NumberEdit(rng, b);
                    yield return new FuzzCase(index++, d, b, f);
                }

                for (int i = 0; i < 3; i++)
                {
                    (string d, byte[] f) = Nesting(rng, b);
                    yield return new FuzzCase(index++, d, b, f);
                }

                for (int i = 0; i < 2; i++)
                {
                    (string d, byte[] f) = Trailing(rng, b);
                    yield return new FuzzCase(index++, d, b, f);
                }

                for (int i = 0; i < 25; i++)
                {
                    (string d, byte[] f) = Structural(rng, b);
                    yield return new FuzzCase(index++, d, b, f);
                }

                for (int i = 0; i < 3; i++)
                {
                    (string d, byte[] f) = RandomFile(rng, b, bases);
                    yield return new FuzzCase(index++, d, b, f);
                }
            }
        }
    }

    private static FuzzBase Base(string name, SafetensorsTestWriter writer, params (string, int[])[] requests)
        => new(name, writer, writer.ToArray(), requests);

    private static float[] RandomFloats(Random rng, int count)
        => [.. Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1))];

    private static byte[] RandomBytes(Random rng, int count)
    {
        var bytes = new byte[count];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static (byte[] Header, byte[] Data) Split(byte[] file)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return (file[8..(8 + n)], file[(8 + n)..]);
    }

    private static byte[] TrimPadding(byte[] header)
    {
        int end = header.Length;
        while (end > 0 && header[end - 1] == (byte)' ')
        {
            end--;
        }

        return header[..end];
    }

    private static (string, byte[]) HeaderBitFlips(Random rng, FuzzBase b)
    {
        byte[] file = (byte[])b.File.Clone();
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        int flips = rng.Next(1, 4);
        var description = new StringBuilder("header bit flips at");
        for (int i = 0; i < flips; i++)
        {
            int position = rng.Next(8, headerEnd);
            int bit = rng.Next(8);
            file[position] ^= (byte)(1 << bit);
            description.Append($" {position}.{bit}");
        }

        return (description.ToString(), file);
    }

    private static (string, byte[]) DataBitFlips(Random rng, FuzzBase b)
    {
        byte[] file = (byte[])b.File.Clone();
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (headerEnd == file.Length)
        {
            return ("no data to flip", file);
        }

        int flips = rng.Next(1, 9);
        var description = new StringBuilder("data bit flips at");
        for (int i = 0; i < flips; i++)
        {
            int position = rng.Next(headerEnd, file.Length);
            int bit = rng.Next(8);
            file[position] ^= (byte)(1 << bit);
            description.Append($" {position}.{bit}");
        }

        return (description.ToString(), file);
    }

    private static (string, byte[]) LengthField(Random rng, FuzzBase b)
    {
        byte[] file = (byte[])b.File.Clone();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        ulong value = rng.Next(12) switch
        {
            0 => (ulong)rng.NextInt64() * 2 + (ulong)rng.Next(2),
            1 => (ulong)rng.Next(0, file.Length + 1),
            2 => n + (ulong)rng.Next(1, 9),
            3 => n - (ulong)rng.Next(1, 9),
            4 => 0,
            5 => 100_000_000,
            6 => 100_000_001,
            7 => (ulong)file.Length - 8,
            8 => (ulong)file.Length - 7,
            9 => ulong.MaxValue,
            10 => 1UL << 63,
            _ => (1UL << 32) + n,
        };
        BinaryPrimitives.WriteUInt64LittleEndian(file, value);
        return ($"header length field {value} (was {n})", file);
    }

    private static (string, byte[]) TextEdit(Random rng, FuzzBase b)
    {
        (byte[] header, byte[] data) = Split(b.File);
        var bytes = new List<byte>(header);
        int edits = rng.Next(1, 3);
        var description = new StringBuilder("text edits:");
        for (int e = 0; e < edits; e++)
        {
            int position = rng.Next(0, bytes.Count + 1);
            switch (rng.Next(5))
            {
                case 0:
                    byte[] token = Tokens[rng.Next(Tokens.Length)];
                    bytes.InsertRange(position, token);
                    description.Append($" insert {Show(token)} at {position};");
                    break;
                case 1:
                    int count = Math.Min(rng.Next(1, 5), bytes.Count - Math.Min(position, bytes.Count));
                    bytes.RemoveRange(Math.Min(position, bytes.Count), count);
                    description.Append($" delete {count} at {position};");
                    break;
                case 2 when position < bytes.Count:
                    byte[] replacement = Tokens[rng.Next(Tokens.Length)];
                    bytes.RemoveAt(position);
                    bytes.InsertRange(position, replacement);
                    description.Append($" replace byte {position} by {Show(replacement)};");
                    break;
                case 3 when bytes.Count > 0:
                    int start = rng.Next(bytes.Count);
                    int length = rng.Next(1, Math.Min(64, bytes.Count - start) + 1);
                    bytes.InsertRange(position, bytes.GetRange(start, length));
                    description.Append($" copy [{start}, {start + length}) to {position};");
                    break;
                default:
                    int at = Math.Min(position, Math.Max(0, bytes.Count - 1));
                    if (bytes.Count > 0)
                    {
                        bytes[at] = (byte)rng.Next(256);
                        description.Append($" set byte {at} to 0x{bytes[at]:X2};");
                    }

                    break;
            }
        }

        return (description.ToString(), SafetensorsTestWriter.Assemble([.. bytes], data));
    }

    private static (string, byte[]) NumberEdit(Random rng, FuzzBase b)
    {
        (byte[] header, byte[] data) = Split(b.File);
        var runs = new List<(int Start, int Length)>();
        for (int i = 0; i < header.Length;)
        {
            if (header[i] is >= (byte)'0' and <= (byte)'9')
            {
                int start = i;
                while (i < header.Length && header[i] is >= (byte)'0' and <= (byte)'9')
                {
                    i++;
                }

                runs.Add((start, i - start));
            }
            else
            {
                i++;
            }
        }

        (int s, int l) = runs[rng.Next(runs.Count)];
        string original = Encoding.ASCII.GetString(header, s, l);
        string replacement = rng.Next(4) switch
        {
            0 => (long.Parse(original, System.Globalization.CultureInfo.InvariantCulture) + rng.Next(-2, 3)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            1 => RandomDigits(rng),
            _ => InterestingNumbers[rng.Next(InterestingNumbers.Length)],
        };
        byte[] edited = [.. header[..s], .. Encoding.ASCII.GetBytes(replacement), .. header[(s + l)..]];
        return ($"number '{original}' at {s} replaced by '{Shorten(replacement)}'", SafetensorsTestWriter.Assemble(edited, data));
    }

    private static (string, byte[]) Nesting(Random rng, FuzzBase b)
    {
        (byte[] header, byte[] data) = Split(b.File);
        int[] depths = [1, 2, 63, 64, 65, 1000, 100_000];
        int depth = depths[rng.Next(depths.Length - (rng.Next(10) == 0 ? 0 : 1))];
        bool arrays = rng.Next(2) == 0;
        string open = new(arrays ? '[' : '{', depth);
        string close = new(arrays ? ']' : '}', depth);
        string text = Encoding.UTF8.GetString(header);
        string edited;
        string where;
        int entry = text.IndexOf("{\"dtype\"", StringComparison.Ordinal);
        int number = text.IndexOfAny("0123456789".ToCharArray(), Math.Max(0, text.IndexOf("\"shape\"", StringComparison.Ordinal)));
        switch (rng.Next(3))
        {
            case 0 when entry >= 0:
                int end = text.IndexOf('}', entry);
                edited = text[..entry] + open + text[entry..(end + 1)] + close + text[(end + 1)..];
                where = "around a tensor entry";
                break;
            case 1 when number >= 0:
                edited = text[..number] + open + text[number] + close + text[(number + 1)..];
                where = "around a number";
                break;
            default:
                edited = "{\"deep\":" + open + close + "," + text[1..];
                where = "as a new member";
                break;
        }

        return ($"nesting {depth} deep of {(arrays ? "arrays" : "objects")} {where}", SafetensorsTestWriter.Assemble(edited, data));
    }

    private static (string, byte[]) Trailing(Random rng, FuzzBase b)
    {
        (byte[] header, byte[] data) = Split(b.File);
        byte[] json = TrimPadding(header);
        byte[][] tails = [" "u8.ToArray(), "\t\r\n "u8.ToArray(), "x"u8.ToArray(), "}"u8.ToArray(), [0], [0xFF], "{}"u8.ToArray(), ","u8.ToArray()];
        byte[] tail = tails[rng.Next(tails.Length)];
        bool leading = rng.Next(4) == 0;
        byte[] edited = leading ? [.. tail, .. json] : [.. json, .. tail, .. new byte[rng.Next(0, 8)].Select(_ => (byte)' ')];
        return ($"{(leading ? "leading" : "trailing")} {Show(tail)}", SafetensorsTestWriter.Assemble(edited, data));
    }

    private static (string, byte[]) Structural(Random rng, FuzzBase b)
    {
        SafetensorsTestWriter writer = b.Writer.Clone();
        int count = writer.Tensors.Count;
        int i = rng.Next(count);
        TestTensor t = writer.Tensors[i];
        (long begin, long end) = Layout(writer)[i];
        string description;
        switch (rng.Next(14))
        {
            case 0:
                long[] shape = (long[])t.Shape.Clone();
                if (shape.Length == 0)
                {
                    shape = [InterestingLongs[rng.Next(InterestingLongs.Length)]];
                }
                else
                {
                    shape[rng.Next(shape.Length)] = rng.Next(2) == 0 ? InterestingLongs[rng.Next(InterestingLongs.Length)] : shape[0] + rng.Next(-1, 2);
                }

                writer.Replace(i, t with { Shape = shape });
                description = $"shape of '{t.Name}' set to ({string.Join(", ", shape)})";
                break;
            case 1:
                long[] longer = [.. t.Shape, rng.Next(2) == 0 ? 1 : InterestingLongs[rng.Next(InterestingLongs.Length)]];
                long[] shorter = t.Shape.Length > 0 ? t.Shape[1..] : [];
                long[] reshaped = rng.Next(2) == 0 ? longer : shorter;
                writer.Replace(i, t with { Shape = reshaped });
                description = $"rank of '{t.Name}' changed to ({string.Join(", ", reshaped)})";
                break;
            case 2:
                long[] overflow = OverflowingShapes[rng.Next(OverflowingShapes.Length)];
                writer.Replace(i, t with { Shape = overflow });
                description = $"shape of '{t.Name}' set to ({string.Join(", ", overflow)})";
                break;
            case 3:
                long total = writer.Data().Length;
                long[] candidates = [0, begin - 1, begin + 1, end - 1, end + 1, end + 4, total, total + 1, long.MaxValue, 1L << 32, -1, -end];
                long newBegin = rng.Next(2) == 0 ? candidates[rng.Next(candidates.Length)] : begin;
                long newEnd = newBegin == begin ? candidates[rng.Next(candidates.Length)] : end;
                writer.Replace(i, t with { Offsets = (newBegin, newEnd) });
                description = $"offsets of '{t.Name}' set to [{newBegin}, {newEnd}] (were [{begin}, {end}])";
                break;
            case 4:
                writer.Replace(i, t with { Offsets = (end, begin) });
                description = $"offsets of '{t.Name}' reversed";
                break;
            case 5:
                int other = rng.Next(count);
                writer.Replace(i, t with { Offsets = Layout(writer)[other] });
                description = $"offsets of '{t.Name}' copied from '{writer.Tensors[other].Name}'";
                break;
            case 6:
                string dtype = Dtypes[rng.Next(Dtypes.Length)];
                writer.Replace(i, t with { DType = dtype });
                description = $"dtype of '{t.Name}' set to '{dtype}'";
                break;
            case 7:
                string name = rng.Next(3) switch
                {
                    0 => writer.Tensors[rng.Next(count)].Name,
                    1 => "__metadata__",
                    _ => t.Name + (char)rng.Next(0, 0x3000),
                };
                writer.Replace(i, t with { Name = name, Offsets = (begin, end) });
                description = $"'{t.Name}' renamed to '{name}'";
                break;
            case 8:
                writer.RemoveAt(i);
                description = $"'{t.Name}' removed from the header and its data";
                if (rng.Next(2) == 0)
                {
                    writer.TrailingData = t.Data;
                    description = $"'{t.Name}' removed from the header only";
                }

                break;
            case 9:
                writer.AddRaw("extra", "F32", [rng.Next(0, 3)], new byte[4 * rng.Next(0, 3)], rng.Next(2) == 0 ? (begin, begin) : null);
                description = "an extra tensor";
                break;
            case 10:
                writer.AddRaw(t.Name, t.DType, t.Shape, [], (begin, begin));
                description = $"'{t.Name}' listed twice";
                break;
            case 11:
                writer.Metadata = rng.Next(3) switch
                {
                    0 => null,
                    1 => new() { ["k" + rng.Next(100)] = new string('v', rng.Next(0, 100)), ["😀"] = "\u0000\"\\" },
                    _ => new() { [string.Empty] = string.Empty },
                };
                description = "metadata changed";
                break;
            case 12:
                writer.Alignment = rng.Next(1, 65);
                writer.ExtraPadding = rng.Next(0, 20);
                writer.Indented = rng.Next(2) == 0;
                writer.RawUtf8 = rng.Next(2) == 0;
                writer.ReverseDataLayout = rng.Next(2) == 0;
                description = $"layout: alignment {writer.Alignment}, padding {writer.ExtraPadding}, indented {writer.Indented}, raw {writer.RawUtf8}, reversed {writer.ReverseDataLayout}";
                break;
            default:
                writer.TrailingData = RandomBytes(rng, rng.Next(1, 9));
                description = $"{writer.TrailingData.Length} bytes of data after the last tensor";
                break;
        }

        return ("structural: " + description, writer.ToArray());
    }

    private static (string, byte[]) RandomFile(Random rng, FuzzBase b, List<FuzzBase> bases)
    {
        switch (rng.Next(3))
        {
            case 0:
                return ("random bytes", RandomBytes(rng, rng.Next(0, 512)));
            case 1:
                byte[] header = RandomBytes(rng, rng.Next(0, 256));
                if (header.Length > 0 && rng.Next(2) == 0)
                {
                    header[0] = (byte)'{';
                }

                return ("random header", SafetensorsTestWriter.Assemble(header, RandomBytes(rng, rng.Next(0, 64))));
            default:
                FuzzBase other = bases[rng.Next(bases.Count)];
                return ($"header of '{b.Name}' with the data of '{other.Name}'", SafetensorsTestWriter.Assemble(Split(b.File).Header, Split(other.File).Data));
        }
    }

    /// <summary>Where each tensor's data lies in the writer's layout.</summary>
    private static (long Begin, long End)[] Layout(SafetensorsTestWriter writer)
    {
        var result = new (long, long)[writer.Tensors.Count];
        IEnumerable<int> order = Enumerable.Range(0, writer.Tensors.Count);
        long offset = 0;
        foreach (int i in writer.ReverseDataLayout ? order.Reverse() : order)
        {
            result[i] = (offset, offset + writer.Tensors[i].Data.Length);
            offset += writer.Tensors[i].Data.Length;
        }

        return result;
    }

    private static string RandomDigits(Random rng)
    {
        string digits = rng.NextInt64().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return digits[..Math.Min(digits.Length, rng.Next(1, 20))];
    }

    private static string Show(byte[] bytes)
        => bytes.All(c => c is >= 0x20 and < 0x7F) ? $"'{Shorten(Encoding.ASCII.GetString(bytes))}'" : Convert.ToHexString(bytes);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
