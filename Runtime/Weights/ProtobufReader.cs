// Shared-source ready: uses only APIs that netstandard2.0 has too, so the generator can link it.
using System;
using System.IO;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>
/// Reads the protocol buffers wire format from a span, field by field: tag (field number, wire type), then a varint
/// (0), 64-bit (1), length-delimited (2) or 32-bit (5) value. Groups (3, 4), deprecated since proto2, are refused.
/// </summary>
/// <remarks>
/// Never recurses and never allocates: a nested message is a slice handed to a new reader, so depth is the caller's
/// choice (the ONNX parser descends only into the message types it knows, at most five levels). Every malformed byte
/// sequence (a varint longer than 10 bytes or overflowing 64 bits, a length past the end, field number 0) is an
/// <see cref="InvalidDataException"/> naming the message and byte offset.
/// </remarks>
internal ref struct ProtobufReader
{
    /// <summary>Varint: int32, int64, uint64, bool, enum.</summary>
    public const int Varint = 0;

    /// <summary>64-bit: fixed64, sfixed64, double.</summary>
    public const int Fixed64 = 1;

    /// <summary>Length-delimited: string, bytes, embedded message, packed repeated field.</summary>
    public const int LengthDelimited = 2;

    /// <summary>32-bit: fixed32, sfixed32, float.</summary>
    public const int Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private readonly int _origin;
    private readonly string _message;
    private int _position;

    /// <summary>A reader over one message.</summary>
    /// <param name="data">The message's bytes.</param>
    /// <param name="origin">Their offset in the file, for messages and for <see cref="FileOffset"/>.</param>
    /// <param name="message">The message type, for error messages ("ModelProto").</param>
    public ProtobufReader(ReadOnlySpan<byte> data, int origin, string message)
    {
        _data = data;
        _origin = origin;
        _message = message;
        _position = 0;
    }

    /// <summary>Whether the message has more fields.</summary>
    public readonly bool HasMore => _position < _data.Length;

    /// <summary>The current position as an offset in the file.</summary>
    public readonly int FileOffset => _origin + _position;

    /// <summary>Reads the next tag.</summary>
    public (int Field, int WireType) ReadTag()
    {
        int start = _position;
        ulong tag = ReadVarint();
        ulong field = tag >> 3;
        int wireType = (int)(tag & 7);
        if (field == 0 || field > int.MaxValue)
        {
            throw Fail(start, $"field number {field} is not valid");
        }

        if (wireType is not (Varint or Fixed64 or LengthDelimited or Fixed32))
        {
            throw Fail(start, $"wire type {wireType} of field {field} is not supported (groups are deprecated; 6 and 7 do not exist)");
        }

        return ((int)field, wireType);
    }

    /// <summary>Reads a varint of up to 10 bytes.</summary>
    public ulong ReadVarint()
    {
        int start = _position;
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw Fail(start, "a varint runs past the end");
            }

            byte b = _data[_position++];
            if (shift == 63 && b > 1)
            {
                throw Fail(start, "a varint overflows 64 bits");
            }

            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Fail(start, "a varint is longer than 10 bytes");
    }

    /// <summary>Reads a little-endian 32-bit value.</summary>
    public uint ReadFixed32()
    {
        ReadOnlySpan<byte> bytes = Take(4, "a 32-bit value");
        return (uint)(bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24));
    }

    /// <summary>Reads a little-endian 64-bit value.</summary>
    public ulong ReadFixed64()
    {
        ReadOnlySpan<byte> bytes = Take(8, "a 64-bit value");
        ulong low = (uint)(bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24));
        ulong high = (uint)(bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24));
        return low | (high << 32);
    }

    /// <summary>Reads a length-delimited value; <paramref name="offset"/> is its first byte's offset in the file.</summary>
    public ReadOnlySpan<byte> ReadBytes(out int offset)
    {
        int start = _position;
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw Fail(start, $"a length of {length} bytes runs past the end ({_data.Length - _position} left)");
        }

        offset = _origin + _position;
        return Take((int)length, "bytes");
    }

    /// <summary>Skips a value of the given wire type.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint:
                ReadVarint();
                break;
            case Fixed64:
                Take(8, "a 64-bit value");
                break;
            case LengthDelimited:
                ReadBytes(out _);
                break;
            default:
                Take(4, "a 32-bit value");
                break;
        }
    }

    /// <summary>An error at the current position.</summary>
    public readonly InvalidDataException Fail(string problem) => Fail(_position, problem);

    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if (_data.Length - _position < count)
        {
            throw Fail(_position, $"{what} runs past the end");
        }

        ReadOnlySpan<byte> result = _data.Slice(_position, count);
        _position += count;
        return result;
    }

    private readonly InvalidDataException Fail(int position, string problem)
        => new($"Not a valid ONNX model: in a {_message} at byte {_origin + position}: {problem}.");
}
