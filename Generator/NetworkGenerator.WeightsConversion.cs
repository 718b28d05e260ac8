using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Weights;

namespace StaticNet.Generator;

/// <summary>
/// <c>[Weights]</c> with dense layers stored as bfloat16 or int8: the embedded file is converted at compile time, by
/// the rules <c>Load</c> applies (the same source, <c>WeightQuantization.cs</c>), so the assembly carries 2 or 1 bytes a
/// weight and <c>LoadEmbedded</c> builds the very network that <c>Load</c> builds from the original file.
/// </summary>
public sealed partial class NetworkGenerator
{
    /// <summary>
    /// The dense layers whose weights are converted when embedded: those stored in another format than float32 and not
    /// folded with a batch normalisation (that fold happens in float at load, before converting, so their file
    /// tensors stay as they are), by weight tensor name.
    /// </summary>
    internal static Dictionary<string, DenseLayer> ConvertedWeights(NetworkSpec spec)
        => ForwardPlan.Create(spec).ProducerSteps
            .Where(step => step.Folded is null && step.Producer is DenseLayer { Format: not StoredFormat.Float32 })
            .Select(step => (DenseLayer)step.Producer)
            .ToDictionary(dense => dense.TensorPrefix + ".weight", StringComparer.Ordinal);

    /// <summary>
    /// A new safetensors file holding the tensors the network reads: the converted dense weights (int8:
    /// <c>{name}</c> I8 and <c>{name}_scale</c> F32 (out); bfloat16: <c>{name}</c> BF16) and every other tensor's bytes
    /// as they are. Null when no layer is converted (the file is embedded unchanged).
    /// </summary>
    /// <exception cref="InvalidDataException">A weight cannot be converted (int8 needs finite weights).</exception>
    internal static string? ConvertEmbeddedWeights(NetworkSpec spec, string base64)
    {
        Dictionary<string, DenseLayer> converted = ConvertedWeights(spec);
        if (converted.Count == 0)
        {
            return null;
        }

        byte[] file = Convert.FromBase64String(base64);
        SafetensorsHeader header = SafetensorsHeader.Parse(file);
        var output = new List<(string Name, string DType, long[] Shape, byte[] Data)>();
        var read = new HashSet<string>(spec.Layers.SelectMany(l => l.Tensors()).Select(t => t.Name), StringComparer.Ordinal);
        foreach (string name in read.ToList())
        {
            read.Add(name + "_scale");
        }

        foreach (TensorEntry entry in header.Tensors)
        {
            if (!read.Contains(entry.Name))
            {
                continue;
            }

            byte[] data = new byte[entry.ByteLength];
            Array.Copy(file, header.DataStart + entry.Begin, data, 0, data.Length);
            if (converted.TryGetValue(entry.Name, out DenseLayer? dense) && entry.IsFloat)
            {
                float[] weights = DecodeFloats(entry.DType, data);
                if (StoredFormats.IsInt8(dense.Format))
                {
                    var quantized = new sbyte[weights.Length];
                    var scales = new byte[dense.Outputs * sizeof(float)];
                    for (int o = 0; o < dense.Outputs; o++)
                    {
                        float scale = WeightQuantization.QuantizeRow(weights, o * dense.Inputs, dense.Inputs, quantized, o * dense.Inputs, entry.Name);
                        Array.Copy(BitConverter.GetBytes(scale), 0, scales, o * sizeof(float), sizeof(float));
                    }

                    output.Add((entry.Name, "I8", entry.Shape, (byte[])(Array)quantized));
                    output.Add((entry.Name + "_scale", "F32", new long[] { dense.Outputs }, scales));
                }
                else
                {
                    var bfloat16 = new byte[weights.Length * 2];
                    for (int i = 0; i < weights.Length; i++)
                    {
                        ushort bits = WeightQuantization.ToBFloat16Bits(weights[i]);
                        bfloat16[2 * i] = (byte)bits;
                        bfloat16[(2 * i) + 1] = (byte)(bits >> 8);
                    }

                    output.Add((entry.Name, "BF16", entry.Shape, bfloat16));
                }
            }
            else
            {
                output.Add((entry.Name, entry.DType, entry.Shape, data));
            }
        }

        return Convert.ToBase64String(WriteSafetensors(output));
    }

    /// <summary>Little-endian F32, F16 or BF16 data as floats, exactly (the run-time reader's conversions, in plain C#).</summary>
    private static float[] DecodeFloats(string dtype, byte[] data)
    {
        int size = TensorEntry.ElementSizeOf(dtype);
        var values = new float[data.Length / size];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = dtype switch
            {
                "F32" => BitConverter.ToSingle(data, 4 * i),
                "BF16" => WeightQuantization.FromBFloat16Bits(BitConverter.ToUInt16(data, 2 * i)),
                _ => HalfToSingle(BitConverter.ToUInt16(data, 2 * i)),
            };
        }

        return values;
    }

    /// <summary>A binary16 value as float, exactly: every step is a power-of-two scaling of an integer.</summary>
    private static float HalfToSingle(ushort bits)
    {
        int exponent = (bits >> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        double magnitude = exponent == 0 ? mantissa * Math.Pow(2, -24)
            : exponent == 31 ? (mantissa == 0 ? double.PositiveInfinity : double.NaN)
            : (1024 + mantissa) * Math.Pow(2, exponent - 25);
        return (float)((bits & 0x8000) != 0 ? -magnitude : magnitude);
    }

    /// <summary>A safetensors file: the JSON header (padded with spaces to 8 bytes), then the tensors in order.</summary>
    private static byte[] WriteSafetensors(List<(string Name, string DType, long[] Shape, byte[] Data)> tensors)
    {
        var json = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, dtype, shape, data) in tensors)
        {
            json.Append(json.Length > 1 ? "," : string.Empty)
                .Append('"').Append(name.Replace("\\", "\\\\").Replace("\"", "\\\"")).Append("\":{\"dtype\":\"").Append(dtype)
                .Append("\",\"shape\":[").Append(string.Join(",", shape)).Append("],\"data_offsets\":[")
                .Append(offset).Append(',').Append(offset + data.Length).Append("]}");
            offset += data.Length;
        }

        json.Append('}');
        while ((json.Length + 8) % 8 != 0)
        {
            json.Append(' ');
        }

        byte[] header = Encoding.UTF8.GetBytes(json.ToString());
        using var stream = new MemoryStream();
        stream.Write(BitConverter.GetBytes((ulong)header.Length), 0, 8);
        stream.Write(header, 0, header.Length);
        foreach (var tensor in tensors)
        {
            stream.Write(tensor.Data, 0, tensor.Data.Length);
        }

        return stream.ToArray();
    }
}
