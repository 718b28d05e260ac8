using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// Builds safetensors files for tests, independently of the parser under test: the header is written with
/// System.Text.Json. Every field can be overridden, so the same writer also produces deliberately broken files.
/// </summary>
internal sealed class SafetensorsTestWriter
{
    private readonly List<TestTensor> _tensors = [];

    /// <summary>The <c>__metadata__</c> strings; null writes no metadata.</summary>
    public Dictionary<string, string>? Metadata { get; set; }

    /// <summary>Pads the header with spaces so the data starts at a multiple of this (1 = no padding).</summary>
    public int Alignment { get; set; } = 8;

    /// <summary>Further spaces after the JSON, beyond the alignment padding.</summary>
    public int ExtraPadding { get; set; }

    /// <summary>Writes non-ASCII characters as raw UTF-8 instead of \u escapes.</summary>
    public bool RawUtf8 { get; set; }

    /// <summary>Indents the JSON (newlines and spaces between tokens).</summary>
    public bool Indented { get; set; }

    /// <summary>Lays the data out in the reverse of the order the header lists the tensors.</summary>
    public bool ReverseDataLayout { get; set; }

    /// <summary>Bytes appended after the tensors' data (a hole at the end when not empty).</summary>
    public byte[] TrailingData { get; set; } = [];

    public IReadOnlyList<TestTensor> Tensors => _tensors;

    public SafetensorsTestWriter AddF32(string name, long[] shape, params float[] values)
    {
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        }

        return AddRaw(name, "F32", shape, data);
    }

    public SafetensorsTestWriter AddF16(string name, long[] shape, params Half[] values)
    {
        var data = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(i * 2), values[i]);
        }

        return AddRaw(name, "F16", shape, data);
    }

    /// <summary>Adds BF16 data given as raw bit patterns.</summary>
    public SafetensorsTestWriter AddBF16(string name, long[] shape, params ushort[] bits)
    {
        var data = new byte[bits.Length * 2];
        for (int i = 0; i < bits.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(i * 2), bits[i]);
        }

        return AddRaw(name, "BF16", shape, data);
    }

    public SafetensorsTestWriter AddI64(string name, long[] shape, params long[] values)
    {
        var data = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(i * 8), values[i]);
        }

        return AddRaw(name, "I64", shape, data);
    }

    /// <summary>
    /// Adds a tensor with raw data. Its header offsets are where its data lands (tensors are laid out in the
    /// order added) unless <paramref name="offsets"/> overrides what the header claims.
    /// </summary>
    public SafetensorsTestWriter AddRaw(string name, string dtype, long[] shape, byte[] data, (long Begin, long End)? offsets = null)
    {
        _tensors.Add(new TestTensor(name, dtype, shape, data, offsets));
        return this;
    }

    /// <summary>Replaces the tensor at <paramref name="index"/> (for mutations).</summary>
    public void Replace(int index, TestTensor tensor) => _tensors[index] = tensor;

    public void RemoveAt(int index) => _tensors.RemoveAt(index);

    public SafetensorsTestWriter Clone()
    {
        var copy = new SafetensorsTestWriter
        {
            Metadata = Metadata is null ? null : new Dictionary<string, string>(Metadata),
            Alignment = Alignment,
            ExtraPadding = ExtraPadding,
            RawUtf8 = RawUtf8,
            Indented = Indented,
            TrailingData = TrailingData,
            ReverseDataLayout = ReverseDataLayout,
        };
        copy._tensors.AddRange(_tensors);
        return copy;
    }

    /// <summary>The header JSON, without padding.</summary>
    public string HeaderJson() => Encoding.UTF8.GetString(HeaderJsonBytes());

    public byte[] ToArray()
    {
        byte[] json = HeaderJsonBytes();
        int alignment = Math.Max(1, Alignment);
        int padded = ((8 + json.Length + alignment - 1) / alignment * alignment) - 8 + ExtraPadding;
        var header = new byte[padded];
        header.AsSpan().Fill((byte)' ');
        json.CopyTo(header, 0);
        return Assemble(header, Data());
    }

    /// <summary>The tensors' data laid out in the order added, then <see cref="TrailingData"/>.</summary>
    public byte[] Data()
    {
        var data = new MemoryStream();
        foreach (int index in LayoutOrder())
        {
            data.Write(_tensors[index].Data);
        }

        data.Write(TrailingData);
        return data.ToArray();
    }

    /// <summary>A file from a header given as text (UTF-8 encoded, no padding added) and data.</summary>
    public static byte[] Assemble(string headerJson, byte[] data, ulong? declaredLength = null)
        => Assemble(Encoding.UTF8.GetBytes(headerJson), data, declaredLength);

    /// <summary>A file from raw header bytes and data; the length field is the header's unless overridden.</summary>
    public static byte[] Assemble(byte[] header, byte[] data, ulong? declaredLength = null)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>Tensor indices in the order their data is laid out.</summary>
    private IEnumerable<int> LayoutOrder()
    {
        IEnumerable<int> order = Enumerable.Range(0, _tensors.Count);
        return ReverseDataLayout ? order.Reverse() : order;
    }

    private byte[] HeaderJsonBytes()
    {
        var buffer = new MemoryStream();
        var options = new JsonWriterOptions
        {
            Indented = Indented,
            Encoder = RawUtf8 ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default,
            SkipValidation = true,
        };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            if (Metadata is not null)
            {
                json.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> pair in Metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json.WriteString(pair.Key, pair.Value);
                }

                json.WriteEndObject();
            }

            var starts = new long[_tensors.Count];
            long offset = 0;
            foreach (int index in LayoutOrder())
            {
                starts[index] = offset;
                offset += _tensors[index].Data.Length;
            }

            for (int index = 0; index < _tensors.Count; index++)
            {
                TestTensor tensor = _tensors[index];
                long start = starts[index];
                (long begin, long end) = tensor.Offsets ?? (start, start + tensor.Data.Length);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType);
                json.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(begin);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}

/// <summary>One tensor as the test writer lays it out; <see cref="Offsets"/> overrides what the header claims.</summary>
internal sealed record TestTensor(string Name, string DType, long[] Shape, byte[] Data, (long Begin, long End)? Offsets = null);
