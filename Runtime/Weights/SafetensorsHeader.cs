// Shared source: compiled into the runtime (net10.0) and linked into the source generator (netstandard2.0), so
// it uses only APIs both have: no System.Text.Json, no Half, no ThrowIfNull, no Array.MaxLength. The files that
// make up the header reader (this one, TensorEntry.cs, SafetensorsJsonReader.cs, SafetensorsMessages.cs) are
// listed in Generator/StaticNet.Generator.csproj, which defines STATICNET_GENERATOR. That symbol puts the
// generator's copy in its own namespace, so the two builds are distinct types: the tests, which see the
// internals of both assemblies, can name either copy and run them side by side.
using System;
using System.Collections.Generic;
#if NETCOREAPP3_0_OR_GREATER
using System.Diagnostics.CodeAnalysis;
#endif
using System.Globalization;
using System.IO;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>
/// The parsed and validated header of a safetensors file: an 8-byte little-endian header length N, N bytes of
/// UTF-8 JSON, then the raw data that the JSON's <c>data_offsets</c> index into.
/// </summary>
/// <remarks>
/// The JSON reader (<see cref="SafetensorsJsonReader"/>) is hand-written, strict and bounded, for exactly what
/// the format holds: one object whose values are tensor entries
/// (<c>{"dtype": string, "shape": [integers], "data_offsets": [begin, end]}</c>) or, under <c>"__metadata__"</c>,
/// an object of strings (or <c>null</c>). The header must start with '{'; JSON whitespace may separate tokens and
/// pad the end (writers pad with spaces). Unknown fields in a tensor entry, duplicate keys, negative, fractional or
/// out-of-range numbers, invalid UTF-8 and lone surrogates are errors; nesting deeper than the format's own
/// (object, entry, array) is rejected where it starts. The reader never recurses, allocates only in proportion to
/// the header bytes actually present, and reports every failure as an <see cref="InvalidDataException"/> naming
/// the header byte offset or the tensor. After parsing, each entry is checked against the data
/// (<see cref="TensorEntry"/>): known dtype, begin ≤ end ≤ data length, element count × element size =
/// end − begin (with overflow checks), and, as the format requires, the tensors tile the data exactly: no
/// overlaps, no holes, nothing after the last tensor.
/// </remarks>
internal sealed class SafetensorsHeader
{
    /// <summary>Largest header accepted, in bytes (the limit of the reference implementation).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Bytes of the little-endian header length that starts the file.</summary>
    public const int LengthPrefixSize = 8;

    /// <summary>The reserved top-level key holding string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    private readonly Dictionary<string, TensorEntry> _byName;

    private SafetensorsHeader(
        long headerLength,
        long dataLength,
        List<TensorEntry> tensors,
        Dictionary<string, TensorEntry> byName,
        Dictionary<string, string> metadata)
    {
        HeaderLength = headerLength;
        DataLength = dataLength;
        Tensors = tensors;
        _byName = byName;
        Metadata = metadata;
        var names = new string[tensors.Count];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = tensors[i].Name;
        }

        TensorNames = names;
    }

    /// <summary>N, the length of the JSON header in bytes (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>File offset of the first data byte: 8 + N. Tensor offsets are relative to it.</summary>
    public long DataStart => LengthPrefixSize + HeaderLength;

    /// <summary>Bytes of data after the header; the tensors cover exactly this many.</summary>
    public long DataLength { get; }

    /// <summary>Every tensor entry, in the order the header lists them.</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>The tensor names, in the order the header lists them.</summary>
    public IReadOnlyList<string> TensorNames { get; }

    /// <summary>The <c>__metadata__</c> strings; empty when the header has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Parses and validates the header of a whole safetensors file, data offsets included.</summary>
    /// <param name="file">The complete file.</param>
    /// <exception cref="InvalidDataException">The file is truncated, corrupt or not a safetensors file.</exception>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> file) => ParseHeaderOnly(file, file.Length);

    /// <summary>
    /// Parses and validates a header from the start of a file whose total length is known, without the data:
    /// offsets are checked against <paramref name="fileLength"/>.
    /// </summary>
    /// <param name="headerPrefix">At least the first 8 + N bytes of the file (more is fine).</param>
    /// <param name="fileLength">The length of the whole file.</param>
    /// <exception cref="InvalidDataException">The header is corrupt, or does not fit the file.</exception>
    public static SafetensorsHeader ParseHeaderOnly(ReadOnlySpan<byte> headerPrefix, long fileLength)
    {
        if (fileLength < headerPrefix.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(fileLength), "The file cannot be shorter than the bytes given from its start.");
        }

        if (fileLength < LengthPrefixSize)
        {
            throw new InvalidDataException(
                $"The file is {SafetensorsMessages.Number(fileLength)} bytes long, too short for a safetensors file, which starts with an 8-byte header length.");
        }

        if (headerPrefix.Length < LengthPrefixSize)
        {
            throw new InvalidDataException($"Only {SafetensorsMessages.Number(headerPrefix.Length)} of the 8 bytes of the header length were given.");
        }

        ulong declared = 0;
        for (int i = 0; i < LengthPrefixSize; i++)
        {
            declared |= (ulong)headerPrefix[i] << (8 * i);
        }

        if (declared > MaxHeaderLength)
        {
            throw new InvalidDataException(
                $"The safetensors header length is {declared.ToString(CultureInfo.InvariantCulture)} bytes, more than the limit of {SafetensorsMessages.Number(MaxHeaderLength)} bytes.");
        }

        long available = fileLength - LengthPrefixSize;
        if (declared > (ulong)available)
        {
            throw new InvalidDataException(
                $"The safetensors header length is {declared.ToString(CultureInfo.InvariantCulture)} bytes, but only {SafetensorsMessages.Number(available)} bytes follow it: the file is truncated or is not a safetensors file.");
        }

        int headerLength = (int)declared;
        if (headerPrefix.Length - LengthPrefixSize < headerLength)
        {
            throw new InvalidDataException(
                $"Only {SafetensorsMessages.Number(headerPrefix.Length - LengthPrefixSize)} of the {SafetensorsMessages.Number(headerLength)} header bytes were given.");
        }

        long dataLength = available - headerLength;
        var json = new SafetensorsJsonReader(headerPrefix.Slice(LengthPrefixSize, headerLength));
        var tensors = new List<TensorEntry>();
        var byName = new Dictionary<string, TensorEntry>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        bool sawMetadata = false;

        json.ExpectFirstByteOpenBrace();
        if (!json.TryConsume((byte)'}'))
        {
            while (true)
            {
                int keyPosition = json.Position;
                string key = json.ReadString("a tensor name");
                json.Expect((byte)':', "':'");
                if (key == MetadataKey)
                {
                    if (sawMetadata)
                    {
                        throw json.Fail(keyPosition, $"\"{MetadataKey}\" appears twice");
                    }

                    sawMetadata = true;
                    metadata = ReadMetadata(ref json);
                }
                else
                {
                    if (byName.ContainsKey(key))
                    {
                        throw json.Fail(keyPosition, $"tensor '{SafetensorsMessages.Shown(key)}' is listed twice");
                    }

                    TensorEntry entry = TensorEntry.Read(ref json, key, tensors.Count, dataLength);
                    byName.Add(key, entry);
                    tensors.Add(entry);
                }

                if (json.TryConsume((byte)','))
                {
                    continue;
                }

                json.Expect((byte)'}', "',' or '}'");
                break;
            }
        }

        json.ExpectOnlyPaddingLeft();
        CheckDataIsTiled(tensors, dataLength);
        return new SafetensorsHeader(headerLength, dataLength, tensors, byName, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal));
    }

    /// <summary>Finds a tensor by its exact (ordinal) name.</summary>
    /// <param name="name">The tensor name, as in PyTorch's <c>state_dict()</c>.</param>
    /// <param name="entry">The entry when found; unspecified (null) otherwise.</param>
    /// <returns>Whether the header lists the tensor.</returns>
    public bool TryGetTensor(
        string name,
#if NETCOREAPP3_0_OR_GREATER
        [MaybeNullWhen(false)]
#endif
        out TensorEntry entry)
    {
        if (name is not null && _byName.TryGetValue(name, out TensorEntry? found))
        {
            entry = found;
            return true;
        }

        entry = null!;
        return false;
    }

    private static Dictionary<string, string>? ReadMetadata(ref SafetensorsJsonReader json)
    {
        if (json.TryConsumeNull())
        {
            return null;
        }

        json.Expect((byte)'{', $"an object of strings for \"{MetadataKey}\"");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (json.TryConsume((byte)'}'))
        {
            return metadata;
        }

        while (true)
        {
            int keyPosition = json.Position;
            string key = json.ReadString("a metadata key");
            json.Expect((byte)':', "':'");
            string value = json.ReadString($"a string value for metadata key '{SafetensorsMessages.Shown(key)}'");
            if (metadata.ContainsKey(key))
            {
                throw json.Fail(keyPosition, $"metadata key '{SafetensorsMessages.Shown(key)}' appears twice");
            }

            metadata.Add(key, value);
            if (json.TryConsume((byte)','))
            {
                continue;
            }

            json.Expect((byte)'}', "',' or '}'");
            return metadata;
        }
    }

    private static void CheckDataIsTiled(List<TensorEntry> tensors, long dataLength)
    {
        // The format requires the tensors to cover the data exactly. Sort by (begin, end), file order breaking
        // ties, and walk: each tensor must start where the previous one ended.
        var sorted = tensors.ToArray();
        Array.Sort(sorted, static (a, b) =>
        {
            int byBegin = a.Begin.CompareTo(b.Begin);
            if (byBegin != 0)
            {
                return byBegin;
            }

            int byEnd = a.End.CompareTo(b.End);
            return byEnd != 0 ? byEnd : a.Index.CompareTo(b.Index);
        });

        long cursor = 0;
        TensorEntry? previous = null;
        foreach (TensorEntry entry in sorted)
        {
            if (entry.Begin < cursor)
            {
                throw new InvalidDataException(
                    $"Tensor '{SafetensorsMessages.Shown(entry.Name)}': data_offsets {entry.DescribeOffsets()} overlap tensor '{SafetensorsMessages.Shown(previous!.Name)}' at {previous.DescribeOffsets()}.");
            }

            if (entry.Begin > cursor)
            {
                string where = previous is null ? $"before tensor '{SafetensorsMessages.Shown(entry.Name)}'" : $"between tensor '{SafetensorsMessages.Shown(previous.Name)}' and tensor '{SafetensorsMessages.Shown(entry.Name)}'";
                throw new InvalidDataException(
                    $"The data has a hole: bytes [{SafetensorsMessages.Number(cursor)}, {SafetensorsMessages.Number(entry.Begin)}) {where} belong to no tensor.");
            }

            cursor = entry.End;
            previous = entry;
        }

        if (cursor != dataLength)
        {
            string where = previous is null ? "and the header lists no tensors" : $"after tensor '{SafetensorsMessages.Shown(previous.Name)}'";
            throw new InvalidDataException(
                $"The data has a hole: bytes [{SafetensorsMessages.Number(cursor)}, {SafetensorsMessages.Number(dataLength)}) of the {SafetensorsMessages.Number(dataLength)} data bytes belong to no tensor ({where}).");
        }
    }
}
