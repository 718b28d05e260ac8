using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Text;
using System.Text.Json;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// An independent model of the safetensors rules the reader enforces, written differently on purpose: the JSON
/// is parsed by System.Text.Json, sizes are computed with BigInteger, F16 goes through System.Half. The fuzz tests
/// check the reader against it: same verdict on every file, same floats for every tensor.
/// </summary>
internal static class SafetensorsOracle
{
    public static readonly IReadOnlyDictionary<string, int> ElementSizes = new Dictionary<string, int>
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1, ["F8_E8M0"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8, ["C64"] = 8,
    };

    /// <summary>Validates a file; returns the tensors, or null with the reason the file is invalid.</summary>
    public static OracleFile? Validate(byte[] file, out string reason)
    {
        try
        {
            return ValidateCore(file, out reason);
        }
        catch (JsonException e)
        {
            reason = "JSON: " + e.Message;
            return null;
        }
        catch (InvalidOperationException e)
        {
            // System.Text.Json refuses to transcode invalid UTF-8 or lone surrogates in strings.
            reason = "string: " + e.Message;
            return null;
        }
    }

    /// <summary>
    /// What <c>ReadTensor(name, shape)</c> must return for a valid file: the decoded floats, or null when the
    /// tensor is missing, has another shape or is not F32/F16/BF16.
    /// </summary>
    public static float[]? Expected(OracleFile file, byte[] bytes, string name, int[] shape)
    {
        if (!file.Tensors.TryGetValue(name, out OracleTensor? tensor)
            || tensor.DType is not ("F32" or "F16" or "BF16")
            || !tensor.Shape.SequenceEqual(shape.Select(d => (long)d)))
        {
            return null;
        }

        ReadOnlySpan<byte> data = bytes.AsSpan((int)(file.DataStart + tensor.Begin), (int)(tensor.End - tensor.Begin));
        int size = ElementSizes[tensor.DType];
        var values = new float[data.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<byte> element = data.Slice(i * size, size);
            values[i] = tensor.DType switch
            {
                "F32" => BitConverter.ToSingle(element),
                "F16" => (float)BitConverter.ToHalf(element),
                _ => BFloat16Reference(BinaryPrimitives.ReadUInt16LittleEndian(element)),
            };
        }

        return values;
    }

    /// <summary>bfloat16 decoded by arithmetic (sign × 2^(e−127) × 1.m, subnormals, ±∞, NaN) rather than by a shift.</summary>
    public static float BFloat16Reference(ushort bits)
    {
        int sign = bits >> 15;
        int exponent = (bits >> 7) & 0xFF;
        int mantissa = bits & 0x7F;
        double magnitude;
        if (exponent == 0xFF)
        {
            if (mantissa != 0)
            {
                // NaN: bfloat16 is the top half of a float, so its payload is the float's top payload bits.
                return BitConverter.UInt32BitsToSingle((uint)bits << 16);
            }

            magnitude = double.PositiveInfinity;
        }
        else if (exponent == 0)
        {
            magnitude = Math.ScaleB(mantissa / 128.0, -126);
        }
        else
        {
            magnitude = Math.ScaleB(1 + (mantissa / 128.0), exponent - 127);
        }

        return (float)(sign == 1 ? -magnitude : magnitude);
    }

    private static OracleFile? ValidateCore(byte[] file, out string reason)
    {
        if (file.Length < 8)
        {
            reason = "shorter than 8 bytes";
            return null;
        }

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > 100_000_000 || n > (ulong)(file.Length - 8))
        {
            reason = $"header length {n}";
            return null;
        }

        byte[] header = file.AsSpan(8, (int)n).ToArray();
        if (header.Length == 0 || header[0] != (byte)'{')
        {
            reason = "does not begin with '{'";
            return null;
        }

        long dataLength = file.Length - 8 - (long)n;
        using JsonDocument document = JsonDocument.Parse(header);
        JsonElement root = document.RootElement;
        var tensors = new Dictionary<string, OracleTensor>(StringComparer.Ordinal);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!keys.Add(property.Name))
            {
                reason = $"duplicate key {property.Name}";
                return null;
            }

            if (property.Name == "__metadata__")
            {
                if (!IsStringMap(property.Value, out reason))
                {
                    return null;
                }

                continue;
            }

            OracleTensor? tensor = ReadTensor(property.Name, property.Value, tensors.Count, dataLength, out reason);
            if (tensor is null)
            {
                return null;
            }

            tensors.Add(property.Name, tensor);
        }

        // The tensors must tile the data: sorted by (begin, end), each starts where the previous one ended.
        long cursor = 0;
        foreach (OracleTensor tensor in tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.End).ThenBy(t => t.Index))
        {
            if (tensor.Begin != cursor)
            {
                reason = $"tensor {tensor.Name} starts at {tensor.Begin}, not {cursor}";
                return null;
            }

            cursor = tensor.End;
        }

        if (cursor != dataLength)
        {
            reason = $"tensors end at {cursor}, data at {dataLength}";
            return null;
        }

        reason = string.Empty;
        return new OracleFile(8 + (long)n, tensors);
    }

    private static OracleTensor? ReadTensor(string name, JsonElement value, int index, long dataLength, out string reason)
    {
        reason = $"tensor {name}: bad entry";
        if (value.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var fields = value.EnumerateObject().ToList();
        string[] names = [.. fields.Select(f => f.Name).Order(StringComparer.Ordinal)];
        if (!names.SequenceEqual(["data_offsets", "dtype", "shape"]))
        {
            reason = $"tensor {name}: fields {string.Join(",", names)}";
            return null;
        }

        JsonElement dtype = value.GetProperty("dtype");
        if (dtype.ValueKind != JsonValueKind.String || !ElementSizes.TryGetValue(dtype.GetString()!, out int size))
        {
            reason = $"tensor {name}: dtype {dtype.GetRawText()}";
            return null;
        }

        long[]? shape = Integers(value.GetProperty("shape"));
        long[]? offsets = Integers(value.GetProperty("data_offsets"));
        if (shape is null || offsets is null || offsets.Length != 2)
        {
            reason = $"tensor {name}: shape or offsets not integers";
            return null;
        }

        (long begin, long end) = (offsets[0], offsets[1]);
        if (begin > end || end > dataLength)
        {
            reason = $"tensor {name}: offsets [{begin}, {end}] of {dataLength}";
            return null;
        }

        // Every partial product must fit in a long, as in the reference implementation's checked fold.
        BigInteger count = BigInteger.One;
        foreach (long dimension in shape)
        {
            count *= dimension;
            if (count > long.MaxValue)
            {
                reason = $"tensor {name}: element count overflows";
                return null;
            }
        }

        if (count * size > long.MaxValue || count * size != end - begin)
        {
            reason = $"tensor {name}: {count} elements of {size} bytes in [{begin}, {end}]";
            return null;
        }

        return new OracleTensor(name, dtype.GetString()!, shape, begin, end, index);
    }

    private static long[]? Integers(JsonElement array)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var values = new List<long>();
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number
                || !item.GetRawText().All(char.IsAsciiDigit)
                || !item.TryGetInt64(out long value))
            {
                return null;
            }

            values.Add(value);
        }

        return [.. values];
    }

    private static bool IsStringMap(JsonElement value, out string reason)
    {
        reason = "metadata is not an object of strings";
        if (value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (!keys.Add(property.Name) || property.Value.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            _ = property.Value.GetString();
        }

        return true;
    }
}

internal sealed record OracleFile(long DataStart, Dictionary<string, OracleTensor> Tensors);

internal sealed record OracleTensor(string Name, string DType, long[] Shape, long Begin, long End, int Index);

/// <summary>Helpers shared by the weights tests.</summary>
internal static class WeightsTestHelpers
{
    /// <summary>The header text of a file (for assertions and textual edits).</summary>
    public static string HeaderText(byte[] file)
        => Encoding.UTF8.GetString(file, 8, (int)BinaryPrimitives.ReadUInt64LittleEndian(file));

    /// <summary>True when both arrays hold the same float bit patterns.</summary>
    public static bool SameBits(float[] a, float[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToUInt32Bits(a[i]) != BitConverter.SingleToUInt32Bits(b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
