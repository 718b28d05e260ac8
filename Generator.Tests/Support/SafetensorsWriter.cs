using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Tests.Weights;

namespace StaticNet.Generator.Tests.Support;

/// <summary>
/// Float tensors to a safetensors file in F32, F16 or BF16, through <see cref="SafetensorsTestWriter"/> (which
/// writes the format independently of the reader under test), plus the rounding each dtype applies.
/// </summary>
internal static class SafetensorsWriter
{
    public sealed record Tensor(string Name, int[] Shape, float[] Values);

    public static byte[] Write(IEnumerable<Tensor> tensors, string dtype = "F32")
    {
        var writer = new SafetensorsTestWriter { Metadata = new() { ["format"] = "pt" } };
        foreach (Tensor tensor in tensors)
        {
            long[] shape = tensor.Shape.Select(d => (long)d).ToArray();
            _ = dtype switch
            {
                "F32" => writer.AddF32(tensor.Name, shape, tensor.Values),
                "F16" => writer.AddF16(tensor.Name, shape, tensor.Values.Select(v => (Half)v).ToArray()),
                // Truncation, so RoundTo can mirror it exactly.
                "BF16" => writer.AddBF16(tensor.Name, shape, tensor.Values.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray()),
                _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
            };
        }

        return writer.ToArray();
    }

    /// <summary>The value a tensor stored as <paramref name="dtype"/> decodes to.</summary>
    public static float RoundTo(float value, string dtype) => dtype switch
    {
        "F32" => value,
        "F16" => (float)(Half)value,
        "BF16" => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(value) & unchecked((int)0xFFFF0000)),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
