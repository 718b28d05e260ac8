using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// The fixtures of Generator.Tests/Fixtures/WeightFormats/, written by tools/make_weight_formats.py: per file, each
/// tensor's stored shape and expected float32 values, and for networks the layers, inputs and reference outputs.
/// </summary>
internal static class WeightFormatFixtures
{
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "WeightFormats");

    private static readonly Lazy<Manifest> Loaded = new(Load);

    public static Manifest Data => Loaded.Value;

    public static byte[] File(string name) => System.IO.File.ReadAllBytes(Path.Combine(Directory, name));

    public static IEnumerable<string> Files(string extension)
        => Data.Files.Keys.Where(f => f.EndsWith(extension, StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal);

    private static Manifest Load()
    {
        float[] expected = ReadFloats("expected.bin");
        float[] inputs = ReadFloats("inputs.bin");
        float[] outputs = ReadFloats("outputs.bin");
        using JsonDocument json = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Directory, "manifest.json")));
        var files = new Dictionary<string, FixtureFile>(StringComparer.Ordinal);
        foreach (JsonProperty file in json.RootElement.GetProperty("files").EnumerateObject())
        {
            var tensors = new Dictionary<string, ExpectedTensor>(StringComparer.Ordinal);
            foreach (JsonProperty tensor in file.Value.GetProperty("tensors").EnumerateObject())
            {
                int[] shape = tensor.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
                int offset = tensor.Value.GetProperty("offset").GetInt32();
                int count = shape.Aggregate(1, (a, b) => a * b);
                tensors.Add(tensor.Name, new ExpectedTensor(shape, expected.AsSpan(offset, count).ToArray()));
            }

            FixtureNetwork? network = null;
            if (file.Value.TryGetProperty("network", out JsonElement n))
            {
                int rows = n.GetProperty("rows").GetInt32();
                int inputSize = n.GetProperty("inputSize").GetInt32();
                int outputSize = n.GetProperty("outputSize").GetInt32();
                network = new FixtureNetwork(
                    n.GetProperty("layers").EnumerateArray().Select(l => l.GetString()!).ToArray(),
                    n.GetProperty("layout").GetString()!,
                    rows,
                    inputSize,
                    outputSize,
                    inputs.AsSpan(n.GetProperty("inputOffset").GetInt32(), rows * inputSize).ToArray(),
                    outputs.AsSpan(n.GetProperty("outputOffset").GetInt32(), rows * outputSize).ToArray(),
                    n.TryGetProperty("predictedClasses", out JsonElement classes) ? classes.EnumerateArray().Select(c => c.GetInt32()).ToArray() : null);
            }

            files.Add(file.Name, new FixtureFile(tensors, network));
        }

        return new Manifest(files);
    }

    private static float[] ReadFloats(string name)
    {
        byte[] bytes = File(name);
        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4));
        }

        return values;
    }
}

internal sealed record Manifest(Dictionary<string, FixtureFile> Files);

internal sealed record FixtureFile(Dictionary<string, ExpectedTensor> Tensors, FixtureNetwork? Network);

/// <summary>A tensor as stored (shape) and the floats a reader must give (row-major over that shape).</summary>
internal sealed record ExpectedTensor(int[] Shape, float[] Values);

/// <param name="PredictedClasses">For a classifier, what scikit-learn's <c>predict</c> returned for each row.</param>
internal sealed record FixtureNetwork(string[] Layers, string Layout, int Rows, int InputSize, int OutputSize, float[] Inputs, float[] Outputs, int[]? PredictedClasses = null);

/// <summary>
/// The forward pass of a layer list written as in the manifest ("Dense(12, 16)", "LeakyReLU(0.1)", "BatchNorm(8,
/// Epsilon = 0.001)", "GELU(Approximate = "tanh")"), in double, from tensors the test supplies: the definitions of
/// PyTorch's modules written out by hand, independent of StaticNet's kernels.
/// </summary>
internal static partial class ReferenceForward
{
    /// <summary>The tensors of one layer: Dense weight (out, in) and bias; BatchNorm weight, bias, mean, var.</summary>
    public sealed record LayerTensors(float[]? Weight = null, float[]? Bias = null, float[]? Mean = null, float[]? Variance = null);

    public static float[] Run(IReadOnlyList<string> layers, Func<int, LayerTensors> tensors, float[] inputs, int rows)
    {
        double[] x = inputs.Select(v => (double)v).ToArray();
        int features = inputs.Length / rows;
        for (int position = 0; position < layers.Count; position++)
        {
            (string kind, string[] arguments) = Parse(layers[position]);
            switch (kind)
            {
                case "Dense":
                {
                    int inputsCount = int.Parse(arguments[0], CultureInfo.InvariantCulture);
                    int outputs = int.Parse(arguments[1], CultureInfo.InvariantCulture);
                    Assert.Equal(features, inputsCount);
                    LayerTensors t = tensors(position);
                    var y = new double[rows * outputs];
                    for (int r = 0; r < rows; r++)
                    {
                        for (int o = 0; o < outputs; o++)
                        {
                            double sum = t.Bias is null ? 0 : t.Bias[o];
                            for (int i = 0; i < inputsCount; i++)
                            {
                                sum += x[(r * inputsCount) + i] * t.Weight![(o * inputsCount) + i];
                            }

                            y[(r * outputs) + o] = sum;
                        }
                    }

                    x = y;
                    features = outputs;
                    break;
                }

                case "BatchNorm":
                {
                    double epsilon = arguments.Length > 1 ? double.Parse(arguments[1].Split('=')[1], CultureInfo.InvariantCulture) : 1e-5;
                    epsilon = (float)epsilon;
                    LayerTensors t = tensors(position);
                    for (int k = 0; k < x.Length; k++)
                    {
                        int f = k % features;
                        x[k] = ((x[k] - t.Mean![f]) / Math.Sqrt(t.Variance![f] + epsilon) * t.Weight![f]) + t.Bias![f];
                    }

                    break;
                }

                case "Softmax":
                    for (int r = 0; r < rows; r++)
                    {
                        Span<double> row = x.AsSpan(r * features, features);
                        double max = double.NegativeInfinity;
                        foreach (double v in row)
                        {
                            max = Math.Max(max, v);
                        }

                        double sum = 0;
                        for (int f = 0; f < features; f++)
                        {
                            row[f] = Math.Exp(row[f] - max);
                            sum += row[f];
                        }

                        for (int f = 0; f < features; f++)
                        {
                            row[f] /= sum;
                        }
                    }

                    break;
                case "Flatten":
                    break;
                default:
                    Func<double, double> function = Elementwise(kind, arguments);
                    for (int k = 0; k < x.Length; k++)
                    {
                        x[k] = function(x[k]);
                    }

                    break;
            }
        }

        return x.Select(v => (float)v).ToArray();
    }

    private static Func<double, double> Elementwise(string kind, string[] arguments) => kind switch
    {
        "ReLU" => v => Math.Max(v, 0),
        "Tanh" => Math.Tanh,
        "Sigmoid" => v => 1 / (1 + Math.Exp(-v)),
        "LeakyReLU" => SlopeOf(arguments),
        "GELU" when arguments.Length == 1 => v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + (0.044715 * v * v * v)))),
        "GELU" => v => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))),
        _ => throw new ArgumentException($"No reference for {kind}."),
    };

    private static Func<double, double> SlopeOf(string[] arguments)
    {
        double slope = (float)double.Parse(arguments[0], CultureInfo.InvariantCulture);
        return v => v >= 0 ? v : slope * v;
    }

    /// <summary>erf by its Maclaurin series (|x| &lt; 3) or continued fraction: far below float rounding.</summary>
    public static double Erf(double x)
    {
        double a = Math.Abs(x);
        double result;
        if (a < 3)
        {
            double term = a;
            double sum = a;
            for (int n = 1; n < 200; n++)
            {
                term *= -a * a / n;
                sum += term / ((2 * n) + 1);
            }

            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(a) = exp(-a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + …)))).
            double fraction = a;
            for (int k = 60; k >= 1; k--)
            {
                fraction = a + (k / 2.0 / fraction);
            }

            result = 1 - (Math.Exp(-a * a) / Math.Sqrt(Math.PI) / fraction);
        }

        return x < 0 ? -result : result;
    }

    /// <summary>"Dense(3, 2, Bias = false)" → ("Dense", ["3", "2", "Bias = false"]).</summary>
    public static (string Kind, string[] Arguments) Parse(string layer)
    {
        Match match = LayerPattern().Match(layer);
        Assert.True(match.Success, layer);
        string[] arguments = match.Groups[2].Success
            ? match.Groups[2].Value.Split(',').Select(a => a.Trim()).ToArray()
            : [];
        return (match.Groups[1].Value, arguments);
    }

    [GeneratedRegex(@"^(\w+)(?:\((.*)\))?$")]
    private static partial Regex LayerPattern();
}

/// <summary>Writes protocol buffers for hand-made ONNX models (independent of the reader under test).</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _stream = new();

    public byte[] ToArray() => _stream.ToArray();

    public ProtoWriter Varint(int field, ulong value) => Tag(field, 0).Raw(value);

    public ProtoWriter Fixed32(int field, float value)
    {
        Tag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
        return this;
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> bytes)
    {
        Tag(field, 2).Raw((ulong)bytes.Length);
        _stream.Write(bytes);
        return this;
    }

    public ProtoWriter String(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));

    public ProtoWriter Message(int field, Action<ProtoWriter> build)
    {
        var inner = new ProtoWriter();
        build(inner);
        return Bytes(field, inner.ToArray());
    }

    private ProtoWriter Tag(int field, int wire) => Raw(((ulong)field << 3) | (uint)wire);

    private ProtoWriter Raw(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        _stream.WriteByte((byte)value);
        return this;
    }

    /// <summary>A FLOAT initializer with raw_data (TensorProto: dims 1, data_type 2, name 8, raw_data 9).</summary>
    public static Action<ProtoWriter> FloatTensor(string name, long[] dims, float[] values) => t =>
    {
        foreach (long d in dims)
        {
            t.Varint(1, (ulong)d);
        }

        t.Varint(2, 1).String(8, name);
        byte[] raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        }

        t.Bytes(9, raw);
    };

    /// <summary>A NodeProto (input 1, output 2, name 3, op_type 4, attribute 5).</summary>
    public static Action<ProtoWriter> Node(string op, string[] inputs, string output, params Action<ProtoWriter>[] attributes) => n =>
    {
        foreach (string input in inputs)
        {
            n.String(1, input);
        }

        n.String(2, output).String(3, op.ToLowerInvariant()).String(4, op);
        foreach (Action<ProtoWriter> attribute in attributes)
        {
            n.Message(5, attribute);
        }
    };

    /// <summary>An INT attribute (name 1, i 3, type 20 = INT).</summary>
    public static Action<ProtoWriter> IntAttribute(string name, long value) => a => a.String(1, name).Varint(3, (ulong)value).Varint(20, 2);

    /// <summary>A model (ir_version 1, opset_import 8, graph 7) of one chain: input "x", output the last node's.</summary>
    public static byte[] Model(long opset, Action<ProtoWriter>[] nodes, Action<ProtoWriter>[] initializers, string output)
    {
        var model = new ProtoWriter().Varint(1, 8).Message(8, o => o.String(1, string.Empty).Varint(2, (ulong)opset));
        model.Message(7, g =>
        {
            foreach (Action<ProtoWriter> node in nodes)
            {
                g.Message(1, node);
            }

            g.String(2, "net");
            foreach (Action<ProtoWriter> tensor in initializers)
            {
                g.Message(5, tensor);
            }

            g.Message(11, v => v.String(1, "x"));
            g.Message(12, v => v.String(1, output));
        });
        return model.ToArray();
    }
}

/// <summary>Writes .npy files with any header text, for the validation tests.</summary>
internal static class NpyWriter
{
    public static byte[] Write(string header, ReadOnlySpan<byte> data, int major = 1)
    {
        int preamble = major == 1 ? 10 : 12;
        string padded = header;
        while ((preamble + padded.Length + 1) % 64 != 0)
        {
            padded += " ";
        }

        padded += "\n";
        byte[] text = Encoding.Latin1.GetBytes(padded);
        var file = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0 };
        if (major == 1)
        {
            file.Add((byte)text.Length);
            file.Add((byte)(text.Length >> 8));
        }
        else
        {
            file.AddRange(BitConverter.GetBytes(text.Length));
        }

        file.AddRange(text);
        file.AddRange(data.ToArray());
        return [.. file];
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }
}
