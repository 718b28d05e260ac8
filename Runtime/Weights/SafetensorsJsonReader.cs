// Shared source: compiled into the runtime (net10.0) and linked into the source generator (netstandard2.0), so it
// uses only APIs both have. See SafetensorsHeader.cs for why the namespace depends on STATICNET_GENERATOR.
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
/// A forward-only, non-recursive reader over a safetensors JSON header: the tokens <see cref="SafetensorsHeader"/>
/// and <see cref="TensorEntry"/> ask for, strict and bounded (see <see cref="SafetensorsHeader"/> for the rules).
/// Positions are byte offsets in the header; messages also give the file offset (header offset + 8).
/// </summary>
internal ref struct SafetensorsJsonReader
{
    private readonly ReadOnlySpan<byte> _json;
    private readonly StringBuilder _text;
    private readonly List<long> _integers;
    private int _position;

    public SafetensorsJsonReader(ReadOnlySpan<byte> json)
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
        string where = $"header byte {SafetensorsMessages.Number(position)}, file offset {SafetensorsMessages.Number(position + (long)SafetensorsHeader.LengthPrefixSize)}";
        return new InvalidDataException(Tensor is null
            ? $"Invalid safetensors header: {message} ({where})."
            : $"Tensor '{SafetensorsMessages.Shown(Tensor)}': invalid header entry: {message} ({where}).");
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
                throw Fail(start, $"a number is larger than {SafetensorsMessages.Number(long.MaxValue)}");
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
