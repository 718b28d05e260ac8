// Shared source: compiled into the runtime (net10.0) and linked into the source generator (netstandard2.0), so it
// uses only APIs both have. See SafetensorsHeader.cs for why the namespace depends on STATICNET_GENERATOR.
using System.IO;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>
/// One tensor of a safetensors header, validated against the file's data: a known dtype, begin ≤ end ≤ data
/// length, and element count × element size = end − begin, with overflow checks. Whether the tensors together
/// tile the data is the header's check (<see cref="SafetensorsHeader"/>).
/// </summary>
internal sealed class TensorEntry
{
    private TensorEntry(string name, string dtype, int elementSize, long[] shape, long begin, long end, long elementCount, int index)
    {
        Name = name;
        DType = dtype;
        ElementSize = elementSize;
        Shape = shape;
        Begin = begin;
        End = end;
        ElementCount = elementCount;
        Index = index;
    }

    /// <summary>The tensor name, e.g. "0.weight".</summary>
    public string Name { get; }

    /// <summary>The dtype as written in the file, e.g. "F32".</summary>
    public string DType { get; }

    /// <summary>The dtypes StaticNet reads as weights (converted to float), as messages name them.</summary>
    public const string FloatDTypes = "F32, F16 or BF16";

    /// <summary>Whether <see cref="DType"/> is one StaticNet reads as weights: F32, F16 or BF16.</summary>
    public bool IsFloat => DType is "F32" or "F16" or "BF16";

    /// <summary>Bytes per element of <see cref="DType"/>.</summary>
    public int ElementSize { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar. Do not modify.</summary>
    public long[] Shape { get; }

    /// <summary>First byte, relative to <see cref="SafetensorsHeader.DataStart"/>.</summary>
    public long Begin { get; }

    /// <summary>One past the last byte, relative to <see cref="SafetensorsHeader.DataStart"/>.</summary>
    public long End { get; }

    /// <summary>The product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>End − Begin.</summary>
    public long ByteLength => End - Begin;

    /// <summary>Position in the header's list of tensors.</summary>
    public int Index { get; }

    /// <summary>The shape as "(128, 784)"; "()" for a scalar.</summary>
    public string DescribeShape() => SafetensorsMessages.DescribeShape(Shape);

    /// <summary>The byte range as written in the header: "[begin, end]".</summary>
    public string DescribeOffsets() => $"[{SafetensorsMessages.Number(Begin)}, {SafetensorsMessages.Number(End)}]";

    /// <summary>Bytes per element of a safetensors dtype, or 0 for a name the format does not define.</summary>
    public static int ElementSizeOf(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" or "F8_E8M0" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "F64" or "I64" or "U64" or "C64" => 8,
        _ => 0,
    };

    /// <summary>
    /// Reads one tensor's entry (<c>{"dtype": string, "shape": [integers], "data_offsets": [begin, end]}</c>) and
    /// checks it against the data.
    /// </summary>
    /// <param name="json">The reader, just after the tensor's name and ':'.</param>
    /// <param name="name">The tensor's name, for messages.</param>
    /// <param name="index">The entry's position in the header.</param>
    /// <param name="dataLength">Bytes of data after the header.</param>
    /// <exception cref="InvalidDataException">The entry is malformed or does not fit the data.</exception>
    internal static TensorEntry Read(ref SafetensorsJsonReader json, string name, int index, long dataLength)
    {
        json.Tensor = name;
        json.Expect((byte)'{', "a tensor entry {\"dtype\", \"shape\", \"data_offsets\"}");
        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        int dtypePosition = 0;
        int offsetsPosition = 0;
        if (!json.TryConsume((byte)'}'))
        {
            while (true)
            {
                int fieldPosition = json.Position;
                string field = json.ReadString("a field name");
                json.Expect((byte)':', "':'");
                bool duplicate;
                switch (field)
                {
                    case "dtype":
                        duplicate = dtype is not null;
                        dtypePosition = json.Position;
                        dtype = json.ReadString("the dtype string");
                        break;
                    case "shape":
                        duplicate = shape is not null;
                        shape = json.ReadIntegerArray("\"shape\"");
                        break;
                    case "data_offsets":
                        duplicate = offsets is not null;
                        offsetsPosition = json.Position;
                        offsets = json.ReadIntegerArray("\"data_offsets\"");
                        break;
                    default:
                        throw json.Fail(fieldPosition, $"unknown field \"{SafetensorsMessages.Shown(field)}\" (a tensor entry holds only \"dtype\", \"shape\" and \"data_offsets\")");
                }

                if (duplicate)
                {
                    throw json.Fail(fieldPosition, $"field \"{field}\" appears twice");
                }

                if (json.TryConsume((byte)','))
                {
                    continue;
                }

                json.Expect((byte)'}', "',' or '}'");
                break;
            }
        }

        int end = json.Position - 1;
        if (dtype is null)
        {
            throw json.Fail(end, "the entry has no \"dtype\"");
        }

        if (shape is null)
        {
            throw json.Fail(end, "the entry has no \"shape\"");
        }

        if (offsets is null)
        {
            throw json.Fail(end, "the entry has no \"data_offsets\"");
        }

        if (offsets.Length != 2)
        {
            throw json.Fail(offsetsPosition, $"\"data_offsets\" must hold exactly two integers [begin, end] but holds {SafetensorsMessages.Number(offsets.Length)}");
        }

        int elementSize = ElementSizeOf(dtype);
        if (elementSize == 0)
        {
            throw json.Fail(
                dtypePosition,
                $"unknown dtype '{SafetensorsMessages.Shown(dtype)}' (safetensors dtypes: BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, C64)");
        }

        json.Tensor = null;
        return Create(name, dtype, elementSize, shape, offsets[0], offsets[1], index, dataLength);
    }

    private static TensorEntry Create(string name, string dtype, int elementSize, long[] shape, long begin, long end, int index, long dataLength)
    {
        var entry = new TensorEntry(name, dtype, elementSize, shape, begin, end, 0, index);
        if (begin > end)
        {
            throw new InvalidDataException($"Tensor '{SafetensorsMessages.Shown(name)}': data_offsets {entry.DescribeOffsets()} begin after they end.");
        }

        if (end > dataLength)
        {
            throw new InvalidDataException(
                $"Tensor '{SafetensorsMessages.Shown(name)}': data_offsets {entry.DescribeOffsets()} lie outside the data, which is {SafetensorsMessages.Number(dataLength)} bytes long.");
        }

        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension != 0 && count > long.MaxValue / dimension)
            {
                throw new InvalidDataException(
                    $"Tensor '{SafetensorsMessages.Shown(name)}': the element count of shape {entry.DescribeShape()} overflows a 64-bit integer.");
            }

            count *= dimension;
        }

        if (count > long.MaxValue / elementSize)
        {
            throw new InvalidDataException(
                $"Tensor '{SafetensorsMessages.Shown(name)}': the byte size of shape {entry.DescribeShape()} as {dtype} overflows a 64-bit integer.");
        }

        long bytes = count * elementSize;
        if (bytes != end - begin)
        {
            throw new InvalidDataException(
                $"Tensor '{SafetensorsMessages.Shown(name)}': shape {entry.DescribeShape()} as {dtype} needs {SafetensorsMessages.Number(bytes)} bytes, but data_offsets {entry.DescribeOffsets()} span {SafetensorsMessages.Number(end - begin)}.");
        }

        return new TensorEntry(name, dtype, elementSize, shape, begin, end, count, index);
    }
}
