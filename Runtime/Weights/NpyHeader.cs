// Shared-source ready: uses only APIs that netstandard2.0 has too (as SafetensorsHeader.cs does), so the generator
// can link this file to check .npy/.npz headers at compile time; STATICNET_GENERATOR then gives it its own namespace.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>
/// The parsed and validated header of one NumPy <c>.npy</c> array: the magic <c>\x93NUMPY</c>, a format version (1.0:
/// 2-byte header length; 2.0 and 3.0: 4-byte), then a Python dict literal
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c> padded with spaces and a newline, then the data.
/// </summary>
/// <remarks>
/// Strict, for what <c>np.save</c> writes: exactly the three keys, each once; <c>descr</c> one of the little-endian
/// float types <c>&lt;f2</c>, <c>&lt;f4</c>, <c>&lt;f8</c>; <c>shape</c> a tuple of non-negative integers (Python 2's
/// <c>3L</c> suffix accepted), at most <see cref="MaxDimensions"/> of them; the header at most
/// <see cref="MaxHeaderLength"/> bytes (NumPy's own <c>np.load</c> limit). The data after the header must be exactly
/// element count × element size bytes (overflow-checked), so a header claiming a huge shape is rejected before anything
/// is allocated. Every failure is an <see cref="InvalidDataException"/> naming the array.
/// </remarks>
internal sealed class NpyHeader
{
    /// <summary>The largest header accepted, in bytes: NumPy's <c>np.load(max_header_size=10000)</c> default.</summary>
    public const int MaxHeaderLength = 10_000;

    /// <summary>The most dimensions accepted (NumPy 2's <c>NPY_MAXDIMS</c>).</summary>
    public const int MaxDimensions = 64;

    /// <summary>Bytes before the header text in format 2.0 and 3.0 (magic, version, 4-byte length).</summary>
    public const int LongPreambleLength = 12;

    private NpyHeader(int major, string descr, int elementSize, bool fortranOrder, long[] shape, long elementCount, int dataStart)
    {
        Major = major;
        Descr = descr;
        ElementSize = elementSize;
        FortranOrder = fortranOrder;
        Shape = shape;
        ElementCount = elementCount;
        DataStart = dataStart;
    }

    /// <summary>The format's major version: 1, 2 or 3.</summary>
    public int Major { get; }

    /// <summary>The dtype string: "&lt;f2", "&lt;f4" or "&lt;f8".</summary>
    public string Descr { get; }

    /// <summary>Bytes per element: 2, 4 or 8.</summary>
    public int ElementSize { get; }

    /// <summary>Whether the data is column-major (the first index varies fastest).</summary>
    public bool FortranOrder { get; }

    /// <summary>The dimensions, outermost first; empty for a 0-d array. Do not modify.</summary>
    public long[] Shape { get; }

    /// <summary>The product of <see cref="Shape"/> (1 for a 0-d array).</summary>
    public long ElementCount { get; }

    /// <summary>Offset of the first data byte from the start of the array file.</summary>
    public int DataStart { get; }

    /// <summary>Bytes of data: <see cref="ElementCount"/> × <see cref="ElementSize"/>.</summary>
    public long DataLength => ElementCount * ElementSize;

    /// <summary>The shape as "(3, 4)", "(5)", "()".</summary>
    public string DescribeShape() => SafetensorsMessages.DescribeShape(Shape);

    /// <summary>Parses and validates the header of a .npy array.</summary>
    /// <param name="prefix">The array file's first bytes: at least the whole header (or the whole file).</param>
    /// <param name="arrayLength">The length of the whole array file, header and data.</param>
    /// <param name="array">The array's name, for messages.</param>
    /// <exception cref="InvalidDataException">The header is malformed, or the data is not exactly what it describes.</exception>
    public static NpyHeader Parse(ReadOnlySpan<byte> prefix, long arrayLength, string array)
    {
        string shown = SafetensorsMessages.Shown(array);
        if (prefix.Length < 10 || prefix[0] != 0x93 || prefix[1] != (byte)'N' || prefix[2] != (byte)'U' || prefix[3] != (byte)'M'
            || prefix[4] != (byte)'P' || prefix[5] != (byte)'Y')
        {
            throw new InvalidDataException($"Array '{shown}': not a NumPy .npy array (it does not start with \\x93NUMPY).");
        }

        int major = prefix[6];
        int minor = prefix[7];
        if (major is < 1 or > 3 || minor != 0)
        {
            throw new InvalidDataException($"Array '{shown}': .npy format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are).");
        }

        long headerLength;
        int start;
        if (major == 1)
        {
            headerLength = prefix[8] | (prefix[9] << 8);
            start = 10;
        }
        else
        {
            if (prefix.Length < LongPreambleLength)
            {
                throw new InvalidDataException($"Array '{shown}': the file ends inside the .npy preamble.");
            }

            headerLength = (uint)(prefix[8] | (prefix[9] << 8) | (prefix[10] << 16) | (prefix[11] << 24));
            start = LongPreambleLength;
        }

        if (headerLength > MaxHeaderLength)
        {
            throw new InvalidDataException(
                $"Array '{shown}': the .npy header claims {SafetensorsMessages.Number(headerLength)} bytes, more than the {SafetensorsMessages.Number(MaxHeaderLength)} accepted (NumPy's own limit).");
        }

        if (start + headerLength > prefix.Length || start + headerLength > arrayLength)
        {
            throw new InvalidDataException(
                $"Array '{shown}': the .npy header claims {SafetensorsMessages.Number(headerLength)} bytes, but the file ends first.");
        }

        int dataStart = start + (int)headerLength;
        var parser = new DictParser(prefix.Slice(start, (int)headerLength), shown);
        (string descr, bool fortranOrder, long[] shape) = parser.Parse();

        int elementSize = descr switch
        {
            "<f2" => 2,
            "<f4" => 4,
            "<f8" => 8,
            _ => 0,
        };
        if (elementSize == 0)
        {
            string hint = descr.Length == 3 && descr[0] == '>' && descr[1] == 'f'
                ? $" (big-endian: save a.astype('<{descr.Substring(1)}') instead)"
                : string.Empty;
            throw new InvalidDataException(
                $"Array '{shown}': dtype '{SafetensorsMessages.Shown(descr)}' is not one StaticNet reads (little-endian float16, float32, float64: '<f2', '<f4', '<f8'){hint}.");
        }

        long count = 1;
        foreach (long dimension in shape)
        {
            if (dimension != 0 && count > long.MaxValue / 8 / dimension)
            {
                throw new InvalidDataException(
                    $"Array '{shown}': the size of shape {SafetensorsMessages.DescribeShape(shape)} overflows a 64-bit integer.");
            }

            count *= dimension;
        }

        long dataLength = arrayLength - dataStart;
        if (count * elementSize != dataLength)
        {
            throw new InvalidDataException(
                $"Array '{shown}': shape {SafetensorsMessages.DescribeShape(shape)} as {descr} needs {SafetensorsMessages.Number(count * elementSize)} bytes of data, but the array holds {SafetensorsMessages.Number(dataLength)} after its header.");
        }

        return new NpyHeader(major, descr, elementSize, fortranOrder, shape, count, dataStart);
    }

    /// <summary>The header text's Python dict literal, read byte by byte: no recursion, no allocation beyond its length.</summary>
    private ref struct DictParser
    {
        private readonly ReadOnlySpan<byte> _text;
        private readonly string _array;
        private int _position;

        public DictParser(ReadOnlySpan<byte> text, string array)
        {
            _text = text;
            _array = array;
            _position = 0;
        }

        public (string Descr, bool FortranOrder, long[] Shape) Parse()
        {
            string? descr = null;
            bool? fortranOrder = null;
            long[]? shape = null;
            Expect((byte)'{', "'{'");
            while (!TryConsume((byte)'}'))
            {
                int keyPosition = SkipSpace();
                string key = ReadString("a key");
                Expect((byte)':', "':'");
                bool duplicate;
                switch (key)
                {
                    case "descr":
                        duplicate = descr is not null;
                        SkipSpace();
                        descr = ReadString("the dtype string of 'descr' (StaticNet reads '<f2', '<f4', '<f8')");
                        break;
                    case "fortran_order":
                        duplicate = fortranOrder is not null;
                        fortranOrder = ReadBoolean();
                        break;
                    case "shape":
                        duplicate = shape is not null;
                        shape = ReadShape();
                        break;
                    default:
                        throw Fail(keyPosition, $"unknown key '{SafetensorsMessages.Shown(key)}' (a .npy header holds 'descr', 'fortran_order' and 'shape')");
                }

                if (duplicate)
                {
                    throw Fail(keyPosition, $"key '{key}' appears twice");
                }

                if (!TryConsume((byte)','))
                {
                    Expect((byte)'}', "',' or '}'");
                    break;
                }
            }

            if (SkipSpace() != _text.Length)
            {
                throw Fail(_position, "text follows the closing '}'");
            }

            if (descr is null || fortranOrder is null || shape is null)
            {
                string missing = descr is null ? "descr" : fortranOrder is null ? "fortran_order" : "shape";
                throw Fail(_position, $"the key '{missing}' is missing");
            }

            return (descr, fortranOrder.Value, shape);
        }

        private string ReadString(string what)
        {
            int begin = _position;
            if (_position >= _text.Length || (_text[_position] != (byte)'\'' && _text[_position] != (byte)'"'))
            {
                throw Fail(begin, $"expected {what}");
            }

            byte quote = _text[_position++];
            int end = _text.Slice(_position).IndexOf(quote);
            if (end < 0)
            {
                throw Fail(begin, "a string is not closed");
            }

            ReadOnlySpan<byte> content = _text.Slice(_position, end);
            var text = new StringBuilder(content.Length);
            foreach (byte b in content)
            {
                if (b is < 0x20 or > 0x7E or (byte)'\\')
                {
                    throw Fail(begin, "a string holds a byte other than printable ASCII (or an escape)");
                }

                text.Append((char)b);
            }

            _position += end + 1;
            return text.ToString();
        }

        private bool ReadBoolean()
        {
            int begin = SkipSpace();
            if (Matches("True"))
            {
                return true;
            }

            if (Matches("False"))
            {
                return false;
            }

            throw Fail(begin, "expected True or False for 'fortran_order'");
        }

        private long[] ReadShape()
        {
            int begin = SkipSpace();
            Expect((byte)'(', "a tuple '(...)' for 'shape'");
            var dimensions = new List<long>();
            bool comma = true;
            while (!TryConsume((byte)')'))
            {
                if (!comma)
                {
                    throw Fail(_position, "expected ',' or ')' in 'shape'");
                }

                if (dimensions.Count == MaxDimensions)
                {
                    throw Fail(begin, $"'shape' has more than {MaxDimensions} dimensions");
                }

                dimensions.Add(ReadDimension());
                comma = TryConsume((byte)',');
            }

            if (dimensions.Count == 1 && !comma)
            {
                // "(5)" is the integer 5 in Python, not a tuple; np.save writes "(5,)".
                throw Fail(begin, "'shape' is '(n)', not the tuple '(n,)'");
            }

            return dimensions.ToArray();
        }

        private long ReadDimension()
        {
            int begin = SkipSpace();
            long value = 0;
            while (_position < _text.Length && _text[_position] is >= (byte)'0' and <= (byte)'9')
            {
                if (value > (long.MaxValue - 9) / 10)
                {
                    throw Fail(begin, "a dimension of 'shape' does not fit in a 64-bit integer");
                }

                value = (value * 10) + (_text[_position++] - '0');
            }

            if (_position == begin)
            {
                throw Fail(begin, "expected a non-negative integer in 'shape'");
            }

            // Python 2 wrote long integers as "3L" (NumPy's reader still accepts them in version 1.0 files).
            if (_position < _text.Length && _text[_position] == (byte)'L')
            {
                _position++;
            }

            return value;
        }

        private bool Matches(string word)
        {
            if (_text.Length - _position < word.Length)
            {
                return false;
            }

            for (int i = 0; i < word.Length; i++)
            {
                if (_text[_position + i] != word[i])
                {
                    return false;
                }
            }

            _position += word.Length;
            return true;
        }

        private int SkipSpace()
        {
            while (_position < _text.Length && _text[_position] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r')
            {
                _position++;
            }

            return _position;
        }

        private bool TryConsume(byte expected)
        {
            SkipSpace();
            if (_position < _text.Length && _text[_position] == expected)
            {
                _position++;
                return true;
            }

            return false;
        }

        private void Expect(byte expected, string what)
        {
            if (!TryConsume(expected))
            {
                throw Fail(_position, $"expected {what}");
            }
        }

        private readonly InvalidDataException Fail(int position, string problem)
            => new($"Array '{_array}': the .npy header is not valid at byte {SafetensorsMessages.Number(position)} of its text: {problem}.");
    }
}
