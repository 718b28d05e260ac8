using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace StaticNet.Generator.Tests.Support;

/// <summary>
/// Writes safetensors files the way the official writer does (JSON header padded with spaces to 8 bytes,
/// <c>__metadata__</c>, tensors back to back), independently of the reader under test.
/// </summary>
internal static class SafetensorsWriter
{
    public sealed record Tensor(string Name, int[] Shape, float[] Values);

    public static byte[] Write(IEnumerable<Tensor> tensors, string dtype = "F32")
    {
        var list = tensors.ToList();
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var data = new MemoryStream();
        foreach (Tensor tensor in list)
        {
            long begin = data.Length;
            foreach (float value in tensor.Values)
            {
                WriteValue(data, value, dtype);
            }

            header.Append($",\"{tensor.Name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{begin},{data.Length}]}}");
        }

        header.Append('}');
        while ((8 + Encoding.UTF8.GetByteCount(header.ToString())) % 8 != 0)
        {
            header.Append(' ');
        }

        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.ToArray().CopyTo(file, 8 + json.Length);
        return file;
    }

    /// <summary>The value a tensor stored as <paramref name="dtype"/> decodes to.</summary>
    public static float RoundTo(float value, string dtype) => dtype switch
    {
        "F32" => value,
        "F16" => (float)(Half)value,
        "BF16" => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(value) & unchecked((int)0xFFFF0000)),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    private static void WriteValue(Stream stream, float value, string dtype)
    {
        Span<byte> bytes = stackalloc byte[4];
        switch (dtype)
        {
            case "F32":
                BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                stream.Write(bytes[..4]);
                break;
            case "F16":
                BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)value);
                stream.Write(bytes[..2]);
                break;
            case "BF16":
                // Truncation, so RoundTo can mirror it exactly.
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16));
                stream.Write(bytes[..2]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype));
        }
    }
}
