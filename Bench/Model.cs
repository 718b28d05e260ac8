using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Weights;

namespace StaticNet.Bench;

/// <summary>One dense layer as PyTorch stores it: weight (outputs, inputs) row-major, bias (outputs), then ReLU or not.</summary>
public sealed record DenseLayer(int Inputs, int Outputs, float[] Weight, float[] Bias, bool ReLU);

/// <summary>
/// A benchmarked network in plain arrays, for the contenders that are not StaticNet: dense layers in order, then a
/// softmax over each sample's outputs (both networks here end with one). The arrays are read from the same
/// safetensors file StaticNet loads, so every contender computes the same function.
/// </summary>
public sealed class Model
{
    /// <summary>Names of the networks, as the benchmarks' <c>Network</c> parameter spells them.</summary>
    public const string Mnist = "MNIST", Wide = "Wide";

    private Model(string name, string path, IReadOnlyList<DenseLayer> layers)
    {
        Name = name;
        WeightsPath = path;
        Layers = layers;
    }

    /// <summary><see cref="Mnist"/> or <see cref="Wide"/>.</summary>
    public string Name { get; }

    /// <summary>The safetensors file the weights came from.</summary>
    public string WeightsPath { get; }

    /// <summary>Dense layers in order; the last has no ReLU and is followed by a softmax.</summary>
    public IReadOnlyList<DenseLayer> Layers { get; }

    /// <summary>Features per sample in.</summary>
    public int InputSize => Layers[0].Inputs;

    /// <summary>Features per sample out.</summary>
    public int OutputSize => Layers[^1].Outputs;

    /// <summary>FLOP per sample, a multiply-add counted as two: 2·Σ K·N.</summary>
    public long FlopPerSample => Layers.Sum(l => 2L * l.Inputs * l.Outputs);

    /// <summary>Bytes of float32 weights and biases: what a batch-1 forward pass has to read.</summary>
    public long WeightBytes => Layers.Sum(l => 4L * (l.Weight.Length + l.Bias.Length));

    /// <summary>The layer sizes of a network: (inputs, outputs) per dense layer.</summary>
    public static (int Inputs, int Outputs)[] Shape(string name) => name switch
    {
        Mnist => [(784, 128), (128, 64), (64, 10)],
        Wide => [(1024, 1024), (1024, 1024), (1024, 10)],
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown network."),
    };

    /// <summary>FLOP per sample of a network by name, without loading it.</summary>
    public static long Flop(string name) => Shape(name).Sum(s => 2L * s.Inputs * s.Outputs);

    /// <summary>Weight and bias bytes of a network by name, without loading it.</summary>
    public static long Bytes(string name) => Shape(name).Sum(s => 4L * ((long)s.Inputs * s.Outputs + s.Outputs));

    /// <summary>
    /// The weights of a network: MNIST's trained file, or for the wide network random weights (fixed seed,
    /// PyTorch's default initialisation range U(−1/√K, 1/√K)) written to a temporary safetensors file.
    /// </summary>
    public static Model Create(string name)
    {
        string path = name == Mnist ? MnistWeightsPath() : WriteWideWeights();
        return Read(name, path);
    }

    /// <summary>Reads the layers of <paramref name="name"/> from a safetensors file with keys 0.*, 2.*, 4.*.</summary>
    public static Model Read(string name, string path)
    {
        var shape = Shape(name);
        byte[] bytes = File.ReadAllBytes(path);
        var file = SafetensorsReader.Open(bytes);
        var layers = new DenseLayer[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            (int k, int n) = shape[i];
            string key = (2 * i).ToString(CultureInfo.InvariantCulture);
            layers[i] = new DenseLayer(k, n, file.ReadTensor(key + ".weight", n, k), file.ReadTensor(key + ".bias", n), ReLU: i < shape.Length - 1);
        }

        return new Model(name, path, layers);
    }

    /// <summary>Sample/Data/mnist.safetensors: copied next to the program, or found from the repository.</summary>
    public static string MnistWeightsPath()
    {
        string copied = Path.Combine(AppContext.BaseDirectory, "Data", "mnist.safetensors");
        if (File.Exists(copied))
        {
            return copied;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "Sample", "Data", "mnist.safetensors");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("Sample/Data/mnist.safetensors was not found next to the benchmark or above it.");
    }

    /// <summary>Random inputs in [0, 1), like pixel intensities; fixed seed.</summary>
    public static void FillInputs(Span<float> inputs, int seed = 7)
    {
        var random = new Random(seed);
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = random.NextSingle();
        }
    }

    /// <summary>
    /// A random layer as PyTorch initialises one: weight (<paramref name="outputs"/> × <paramref name="inputs"/>) and bias
    /// drawn from U(−1/√K, 1/√K), K = <paramref name="inputs"/> (for a convolution, the weights per output). The one
    /// source of random weights in the benchmarks, so that every comparison multiplies values of the same scale.
    /// </summary>
    public static (float[] Weight, float[] Bias) RandomLayer(int inputs, int outputs, Random random)
    {
        float bound = 1f / MathF.Sqrt(inputs);
        float[] weight = new float[outputs * inputs];
        float[] bias = new float[outputs];
        for (int j = 0; j < weight.Length; j++)
        {
            weight[j] = ((2 * random.NextSingle()) - 1) * bound;
        }

        for (int j = 0; j < bias.Length; j++)
        {
            bias[j] = ((2 * random.NextSingle()) - 1) * bound;
        }

        return (weight, bias);
    }

    /// <summary>
    /// Writes the wide network's weights as safetensors (F32, keys 0.*, 2.*, 4.*) to a file in the temporary
    /// folder and returns its path. The content is the same on every call (seed 9).
    /// </summary>
    public static string WriteWideWeights()
    {
        var random = new Random(9);
        var tensors = new List<(string Name, int[] Shape, float[] Data)>();
        var shape = Shape(Wide);
        for (int i = 0; i < shape.Length; i++)
        {
            (int k, int n) = shape[i];
            (float[] weight, float[] bias) = RandomLayer(k, n, random);
            string key = (2 * i).ToString(CultureInfo.InvariantCulture);
            tensors.Add((key + ".weight", [n, k], weight));
            tensors.Add((key + ".bias", [n], bias));
        }

        string path = Path.Combine(Path.GetTempPath(), $"staticnet-bench-wide-{Environment.ProcessId}.safetensors");
        File.WriteAllBytes(path, SafetensorsWriter.Write(tensors));
        return path;
    }
}

/// <summary>
/// Writes F32 safetensors: an 8-byte little-endian header length, a JSON header
/// <c>{"name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]}}</c> padded with spaces to a multiple of 8, then the data.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>The bytes of a safetensors file holding <paramref name="tensors"/> in order.</summary>
    public static byte[] Write(IReadOnlyList<(string Name, int[] Shape, float[] Data)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("The safetensors writer assumes a little-endian machine.");
        }

        var json = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, shape, data) in tensors)
        {
            long end = offset + (4L * data.Length);
            json.Append(CultureInfo.InvariantCulture, $"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(',', shape)}],\"data_offsets\":[{offset},{end}]}},");
            offset = end;
        }

        json[^1] = '}';
        while ((8 + json.Length) % 8 != 0)
        {
            json.Append(' ');
        }

        byte[] header = Encoding.UTF8.GetBytes(json.ToString());
        byte[] file = new byte[8 + header.Length + offset];
        BitConverter.TryWriteBytes(file.AsSpan(0, 8), (long)header.Length);
        header.CopyTo(file, 8);
        int position = 8 + header.Length;
        foreach (var (_, _, data) in tensors)
        {
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).CopyTo(file.AsSpan(position));
            position += 4 * data.Length;
        }

        return file;
    }
}
