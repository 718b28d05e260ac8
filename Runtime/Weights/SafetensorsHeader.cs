// Shared source: compiled into the runtime (net10.0) and linked into the source generator (netstandard2.0),
// so it uses only APIs both have: no System.Text.Json, no Half, no ThrowIfNull, no Array.MaxLength.
using System;
using System.Collections.Generic;
#if NETCOREAPP3_0_OR_GREATER
using System.Diagnostics.CodeAnalysis;
#endif
using System.Globalization;
using System.IO;
using System.Text;

namespace StaticNet.Weights;

/// <summary>
/// The parsed and validated header of a safetensors file: an 8-byte little-endian header length N, N bytes of
/// UTF-8 JSON, then the raw data that the JSON's <c>data_offsets</c> index into.
/// </summary>
/// <remarks>
/// The JSON reader is hand-written, strict and bounded, for exactly what the format holds: one object whose
/// values are tensor entries (<c>{"dtype": string, "shape": [integers], "data_offsets": [begin, end]}</c>) or,
/// under <c>"__metadata__"</c>, an object of strings (or <c>null</c>). The header must start with '{'; JSON
/// whitespace may separate tokens and pad the end (writers pad with spaces). Unknown fields in a tensor entry,
/// duplicate keys, negative, fractional or out-of-range numbers, invalid UTF-8 and lone surrogates are errors;
/// nesting deeper than the format's own (object, entry, array) is rejected where it starts. The reader never
/// recurses, allocates only in proportion to the header bytes actually present, and reports every failure as
/// an <see cref="InvalidDataException"/> naming the header byte offset or the tensor. After parsing, the entries
/// are checked against the data: known dtype, begin ≤ end ≤ data length, element count × element size =
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

    private const int MaxShownLength = 200;
    private const int ShownPrefixLength = 160;
    private const int MaxDimensionsShown = 32;

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
                $"The file is {Num(fileLength)} bytes long, too short for a safetensors file, which starts with an 8-byte header length.");
        }

        if (headerPrefix.Length < LengthPrefixSize)
        {
            throw new InvalidDataException($"Only {Num(headerPrefix.Length)} of the 8 bytes of the header length were given.");
        }

        ulong declared = 0;
        for (int i = 0; i < LengthPrefixSize; i++)
        {
            declared |= (ulong)headerPrefix[i] << (8 * i);
        }

        if (declared > MaxHeaderLength)
        {
            throw new InvalidDataException(
                $"The safetensors header length is {declared.ToString(CultureInfo.InvariantCulture)} bytes, more than the limit of {Num(MaxHeaderLength)} bytes.");
        }

        long available = fileLength - LengthPrefixSize;
        if (declared > (ulong)available)
        {
            throw new InvalidDataException(
                $"The safetensors header length is {declared.ToString(CultureInfo.InvariantCulture)} bytes, but only {Num(available)} bytes follow it: the file is truncated or is not a safetensors file.");
        }

        int headerLength = (int)declared;
        if (headerPrefix.Length - LengthPrefixSize < headerLength)
        {
            throw new InvalidDataException(
                $"Only {Num(headerPrefix.Length - LengthPrefixSize)} of the {Num(headerLength)} header bytes were given.");
        }

        long dataLength = available - headerLength;
        var json = new JsonReader(headerPrefix.Slice(LengthPrefixSize, headerLength));
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
                        throw json.Fail(keyPosition, $"tensor '{Shown(key)}' is listed twice");
                    }

                    TensorEntry entry = ReadTensorEntry(ref json, key, tensors.Count, dataLength);
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

    /// <summary>
    /// Formats a shape as PyTorch users read it: "(128, 784)", "(10)", "()" for a scalar; past 32 dimensions,
    /// "(1, 1, …: 5000 dimensions)".
    /// </summary>
    public static string DescribeShape(IReadOnlyList<long> shape)
    {
        if (shape is null)
        {
            throw new ArgumentNullException(nameof(shape));
        }

        var text = new StringBuilder("(");
        int shown = Math.Min(shape.Count, MaxDimensionsShown);
        for (int i = 0; i < shown; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(Num(shape[i]));
        }

        if (shown < shape.Count)
        {
            text.Append(", …: ").Append(Num(shape.Count)).Append(" dimensions");
        }

        return text.Append(')').ToString();
    }

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
    /// A name from the file as messages show it: whole unless it is absurdly long, so a hostile header cannot
    /// turn one error message into megabytes.
    /// </summary>
    internal static string Shown(string text)
    {
        if (text.Length <= MaxShownLength)
        {
            return text;
        }

        int cut = char.IsHighSurrogate(text[ShownPrefixLength - 1]) ? ShownPrefixLength - 1 : ShownPrefixLength;
        return text.Substring(0, cut) + "…(" + Num(text.Length) + " characters)";
    }

    internal static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static Dictionary<string, string>? ReadMetadata(ref JsonReader json)
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
            string value = json.ReadString($"a string value for metadata key '{Shown(key)}'");
            if (metadata.ContainsKey(key))
            {
                throw json.Fail(keyPosition, $"metadata key '{Shown(key)}' appears twice");
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

    private static TensorEntry ReadTensorEntry(ref JsonReader json, string name, int index, long dataLength)
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
                        throw json.Fail(fieldPosition, $"unknown field \"{Shown(field)}\" (a tensor entry holds only \"dtype\", \"shape\" and \"data_offsets\")");
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
            throw json.Fail(offsetsPosition, $"\"data_offsets\" must hold exactly two integers [begin, end] but holds {Num(offsets.Length)}");
        }

        int elementSize = ElementSizeOf(dtype);
        if (elementSize == 0)
        {
            throw json.Fail(
                dtypePosition,
                $"unknown dtype '{Shown(dtype)}' (safetensors dtypes: BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, C64)");
        }

        json.Tensor = null;
        return TensorEntry.Create(name, dtype, elementSize, shape, offsets[0], offsets[1], index, dataLength);
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
                    $"Tensor '{Shown(entry.Name)}': data_offsets {entry.DescribeOffsets()} overlap tensor '{Shown(previous!.Name)}' at {previous.DescribeOffsets()}.");
            }

            if (entry.Begin > cursor)
            {
                string where = previous is null ? $"before tensor '{Shown(entry.Name)}'" : $"between tensor '{Shown(previous.Name)}' and tensor '{Shown(entry.Name)}'";
                throw new InvalidDataException(
                    $"The data has a hole: bytes [{Num(cursor)}, {Num(entry.Begin)}) {where} belong to no tensor.");
            }

            cursor = entry.End;
            previous = entry;
        }

        if (cursor != dataLength)
        {
            string where = previous is null ? "and the header lists no tensors" : $"after tensor '{Shown(previous.Name)}'";
            throw new InvalidDataException(
                $"The data has a hole: bytes [{Num(cursor)}, {Num(dataLength)}) of the {Num(dataLength)} data bytes belong to no tensor ({where}).");
        }
    }

    /// <summary>
    /// A forward-only, non-recursive reader over the JSON header. Positions are byte offsets in the header;
    /// messages also give the file offset (header offset + 8).
    /// </summary>
    private ref struct JsonReader
    {
        private readonly ReadOnlySpan<byte> _json;
        private readonly StringBuilder _text;
        private readonly List<long> _integers;
        private int _position;

        public JsonReader(ReadOnlySpan<byte> json)
        {
            _json = json;
            _text = new StringBuilder();
            _integers = new List<long>();
            _position = 0;
            Tensor = null;
        }

        /// <summary>The tensor whose entry is being read, named in messages.</summary>
        public string? Tensor { get; set; }

        public readonly int Position => _position;

        public void ExpectFirstByteOpenBrace()
        {
            // The format requires the header to start with '{' itself, not with whitespace.
            if (_json.Length == 0 || _json[0] != (byte)'{')
            {
                throw Fail(0, $"the header must begin with '{{' but begins with {Describe(0)}");
            }

            _position = 1;
        }

        public void ExpectOnlyPaddingLeft()
        {
            SkipWhitespace();
            if (_position < _json.Length)
            {
                throw Fail(_position, $"found {Describe(_position)} after the closing '}}' (only whitespace padding may follow)");
            }
        }

        public bool TryConsume(byte token)
        {
            SkipWhitespace();
            if (_position < _json.Length && _json[_position] == token)
            {
                _position++;
                return true;
            }

            return false;
        }

        public bool TryConsumeNull()
        {
            SkipWhitespace();
            if (_json.Length - _position >= 4
                && _json[_position] == (byte)'n'
                && _json[_position + 1] == (byte)'u'
                && _json[_position + 2] == (byte)'l'
                && _json[_position + 3] == (byte)'l')
            {
                _position += 4;
                return true;
            }

            return false;
        }

        public void Expect(byte token, string what)
        {
            if (!TryConsume(token))
            {
                throw Unexpected(what);
            }
        }

        public string ReadString(string what)
        {
            SkipWhitespace();
            if (_position >= _json.Length || _json[_position] != (byte)'"')
            {
                throw Unexpected(what);
            }

            int start = _position;
            _position++;
            _text.Clear();
            while (true)
            {
                if (_position >= _json.Length)
                {
                    throw Fail(start, "a string is not terminated before the end of the header");
                }

                byte b = _json[_position];
                if (b == (byte)'"')
                {
                    _position++;
                    return _text.ToString();
                }

                if (b == (byte)'\\')
                {
                    ReadEscape();
                }
                else if (b < 0x20)
                {
                    throw Fail(_position, $"control character 0x{b:X2} in a string must be escaped");
                }
                else if (b < 0x80)
                {
                    _text.Append((char)b);
                    _position++;
                }
                else
                {
                    ReadUtf8Sequence();
                }
            }
        }

        public long[] ReadIntegerArray(string what)
        {
            Expect((byte)'[', $"an array of integers for {what}");
            _integers.Clear();
            if (TryConsume((byte)']'))
            {
                return Array.Empty<long>();
            }

            while (true)
            {
                _integers.Add(ReadInteger());
                if (TryConsume((byte)','))
                {
                    continue;
                }

                Expect((byte)']', "',' or ']'");
                return _integers.ToArray();
            }
        }

        public readonly InvalidDataException Fail(int position, string message)
        {
            string where = $"header byte {Num(position)}, file offset {Num(position + (long)LengthPrefixSize)}";
            return new InvalidDataException(Tensor is null
                ? $"Invalid safetensors header: {message} ({where})."
                : $"Tensor '{Shown(Tensor)}': invalid header entry: {message} ({where}).");
        }

        private long ReadInteger()
        {
            SkipWhitespace();
            int start = _position;
            if (_position < _json.Length && _json[_position] == (byte)'-')
            {
                throw Fail(start, "negative numbers are not allowed (dimensions and offsets are non-negative integers)");
            }

            if (_position >= _json.Length || !IsDigit(_json[_position]))
            {
                throw Unexpected("a non-negative integer");
            }

            if (_json[_position] == (byte)'0' && _position + 1 < _json.Length && IsDigit(_json[_position + 1]))
            {
                throw Fail(start, "numbers must not have leading zeros");
            }

            long value = 0;
            while (_position < _json.Length && IsDigit(_json[_position]))
            {
                int digit = _json[_position] - (byte)'0';
                if (value > (long.MaxValue - digit) / 10)
                {
                    throw Fail(start, $"a number is larger than {Num(long.MaxValue)}");
                }

                value = (value * 10) + digit;
                _position++;
            }

            if (_position < _json.Length && _json[_position] is (byte)'.' or (byte)'e' or (byte)'E')
            {
                throw Fail(start, "fractions and exponents are not allowed (dimensions and offsets are integers)");
            }

            return value;
        }

        private void ReadEscape()
        {
            int start = _position;
            if (_position + 1 >= _json.Length)
            {
                throw Fail(start, "a string is not terminated before the end of the header");
            }

            byte kind = _json[_position + 1];
            _position += 2;
            switch (kind)
            {
                case (byte)'"': _text.Append('"'); return;
                case (byte)'\\': _text.Append('\\'); return;
                case (byte)'/': _text.Append('/'); return;
                case (byte)'b': _text.Append('\b'); return;
                case (byte)'f': _text.Append('\f'); return;
                case (byte)'n': _text.Append('\n'); return;
                case (byte)'r': _text.Append('\r'); return;
                case (byte)'t': _text.Append('\t'); return;
                case (byte)'u': break;
                default: throw Fail(start, $"invalid escape '\\' followed by {Describe(start + 1)}");
            }

            int unit = ReadHex4(start);
            if (unit is >= 0xDC00 and <= 0xDFFF)
            {
                throw Fail(start, $"lone low surrogate \\u{unit:X4} in a string");
            }

            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (_json.Length - _position < 6 || _json[_position] != (byte)'\\' || _json[_position + 1] != (byte)'u')
                {
                    throw Fail(start, $"high surrogate \\u{unit:X4} is not followed by a \\u low surrogate");
                }

                int lowStart = _position;
                _position += 2;
                int low = ReadHex4(lowStart);
                if (low is < 0xDC00 or > 0xDFFF)
                {
                    throw Fail(lowStart, $"high surrogate \\u{unit:X4} is followed by \\u{low:X4}, not by a low surrogate");
                }

                _text.Append((char)unit).Append((char)low);
                return;
            }

            _text.Append((char)unit);
        }

        private int ReadHex4(int escapeStart)
        {
            if (_json.Length - _position < 4)
            {
                throw Fail(escapeStart, "a \\u escape needs four hex digits");
            }

            int value = 0;
            for (int i = 0; i < 4; i++)
            {
                byte b = _json[_position + i];
                int digit = b switch
                {
                    >= (byte)'0' and <= (byte)'9' => b - '0',
                    >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                    >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                    _ => -1,
                };
                if (digit < 0)
                {
                    throw Fail(escapeStart, "a \\u escape needs four hex digits");
                }

                value = (value << 4) | digit;
            }

            _position += 4;
            return value;
        }

        private void ReadUtf8Sequence()
        {
            // Strict UTF-8 (RFC 3629): no overlong forms, no encoded surrogates, nothing above U+10FFFF.
            int start = _position;
            byte lead = _json[start];
            int length;
            int codePoint;
            byte min = 0x80;
            byte max = 0xBF;
            if (lead is >= 0xC2 and <= 0xDF)
            {
                length = 2;
                codePoint = lead & 0x1F;
            }
            else if (lead is >= 0xE0 and <= 0xEF)
            {
                length = 3;
                codePoint = lead & 0x0F;
                min = lead == 0xE0 ? (byte)0xA0 : (byte)0x80;
                max = lead == 0xED ? (byte)0x9F : (byte)0xBF;
            }
            else if (lead is >= 0xF0 and <= 0xF4)
            {
                length = 4;
                codePoint = lead & 0x07;
                min = lead == 0xF0 ? (byte)0x90 : (byte)0x80;
                max = lead == 0xF4 ? (byte)0x8F : (byte)0xBF;
            }
            else
            {
                throw Fail(start, $"byte 0x{lead:X2} is not valid UTF-8");
            }

            if (_json.Length - start < length)
            {
                throw Fail(start, "a UTF-8 sequence is cut off by the end of the header");
            }

            for (int i = 1; i < length; i++)
            {
                byte next = _json[start + i];
                if (next < min || next > max)
                {
                    throw Fail(start, $"bytes starting with 0x{lead:X2} are not valid UTF-8");
                }

                min = 0x80;
                max = 0xBF;
                codePoint = (codePoint << 6) | (next & 0x3F);
            }

            _position = start + length;
            if (codePoint < 0x10000)
            {
                _text.Append((char)codePoint);
            }
            else
            {
                codePoint -= 0x10000;
                _text.Append((char)(0xD800 + (codePoint >> 10))).Append((char)(0xDC00 + (codePoint & 0x3FF)));
            }
        }

        private void SkipWhitespace()
        {
            while (_position < _json.Length && _json[_position] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                _position++;
            }
        }

        private readonly InvalidDataException Unexpected(string what)
        {
            string hint = _position < _json.Length && _json[_position] is (byte)'[' or (byte)'{'
                ? " (nesting deeper than the safetensors format allows)"
                : string.Empty;
            return Fail(_position, $"expected {what} but found {Describe(_position)}{hint}");
        }

        private readonly string Describe(int position)
        {
            if (position >= _json.Length)
            {
                return "the end of the header";
            }

            byte b = _json[position];
            return b is > 0x20 and < 0x7F ? $"'{(char)b}'" : $"byte 0x{b:X2}";
        }

        private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
    }
}

/// <summary>One tensor of a safetensors header, validated against the file's data.</summary>
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
    public string DescribeShape() => SafetensorsHeader.DescribeShape(Shape);

    /// <summary>The byte range as written in the header: "[begin, end]".</summary>
    public string DescribeOffsets() => $"[{SafetensorsHeader.Num(Begin)}, {SafetensorsHeader.Num(End)}]";

    internal static TensorEntry Create(string name, string dtype, int elementSize, long[] shape, long begin, long end, int index, long dataLength)
    {
        var entry = new TensorEntry(name, dtype, elementSize, shape, begin, end, 0, index);
        if (begin > end)
        {
            throw new InvalidDataException($"Tensor '{SafetensorsHeader.Shown(name)}': data_offsets {entry.DescribeOffsets()} begin after they end.");
        }

        if (end > dataLength)
        {
            throw new InvalidDataException(
                $"Tensor '{SafetensorsHeader.Shown(name)}': data_offsets {entry.DescribeOffsets()} lie outside the data, which is {SafetensorsHeader.Num(dataLength)} bytes long.");
        }

        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension != 0 && count > long.MaxValue / dimension)
            {
                throw new InvalidDataException(
                    $"Tensor '{SafetensorsHeader.Shown(name)}': the element count of shape {entry.DescribeShape()} overflows a 64-bit integer.");
            }

            count *= dimension;
        }

        if (count > long.MaxValue / elementSize)
        {
            throw new InvalidDataException(
                $"Tensor '{SafetensorsHeader.Shown(name)}': the byte size of shape {entry.DescribeShape()} as {dtype} overflows a 64-bit integer.");
        }

        long bytes = count * elementSize;
        if (bytes != end - begin)
        {
            throw new InvalidDataException(
                $"Tensor '{SafetensorsHeader.Shown(name)}': shape {entry.DescribeShape()} as {dtype} needs {SafetensorsHeader.Num(bytes)} bytes, but data_offsets {entry.DescribeOffsets()} span {SafetensorsHeader.Num(end - begin)}.");
        }

        return new TensorEntry(name, dtype, elementSize, shape, begin, end, count, index);
    }
}
