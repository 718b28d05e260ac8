using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace StaticNet.Generator.Tests.Support;

/// <summary>
/// The independent reference: PyTorch's eval-mode semantics written as plain loops in double precision,
/// straight from the unpacked (outputs, inputs) weights. It shares no code with the generator or kernels.
/// </summary>
internal sealed class ReferenceNetwork
{
    private readonly IReadOnlyList<RefLayer> _layers;
    private readonly IReadOnlyDictionary<string, float[]> _tensors;

    public ReferenceNetwork(IReadOnlyList<RefLayer> layers, IReadOnlyDictionary<string, float[]> tensors)
    {
        _layers = layers;
        _tensors = tensors;
    }

    public int InputSize => _layers.First(l => l.IsSized).In;

    public int OutputSize => _layers.Last(l => l.IsSized).Out;

    public float[] Forward(float[] inputs)
    {
        int batch = inputs.Length / InputSize;
        var outputs = new float[batch * OutputSize];
        for (int r = 0; r < batch; r++)
        {
            double[] x = inputs.Skip(r * InputSize).Take(InputSize).Select(v => (double)v).ToArray();
            for (int i = 0; i < _layers.Count; i++)
            {
                x = Apply(_layers[i], i, x);
            }

            for (int o = 0; o < x.Length; o++)
            {
                outputs[(r * OutputSize) + o] = (float)x[o];
            }
        }

        return outputs;
    }

    private double[] Apply(RefLayer layer, int position, double[] x)
    {
        string p = layer.Name ?? position.ToString(CultureInfo.InvariantCulture);
        switch (layer.Kind)
        {
            case "Dense":
            {
                float[] w = _tensors[p + ".weight"];
                float[]? b = layer.Bias ? _tensors[p + ".bias"] : null;
                var y = new double[layer.Out];
                for (int o = 0; o < layer.Out; o++)
                {
                    double acc = b?[o] ?? 0.0;
                    for (int k = 0; k < layer.In; k++)
                    {
                        acc += x[k] * w[(o * layer.In) + k];
                    }

                    y[o] = acc;
                }

                return y;
            }

            case "BatchNorm":
            {
                float[] g = _tensors[p + ".weight"], b = _tensors[p + ".bias"], m = _tensors[p + ".running_mean"], v = _tensors[p + ".running_var"];
                return x.Select((value, i) => ((value - m[i]) / Math.Sqrt(v[i] + (double)layer.Epsilon) * g[i]) + b[i]).ToArray();
            }

            case "LayerNorm":
            {
                // nn.LayerNorm: mean and biased variance over the sample's features.
                float[] g = _tensors[p + ".weight"], b = _tensors[p + ".bias"];
                double mean = x.Average();
                double variance = x.Select(v => (v - mean) * (v - mean)).Average();
                double sigma = Math.Sqrt(variance + layer.Epsilon);
                return x.Select((value, i) => ((value - mean) / sigma * g[i]) + b[i]).ToArray();
            }

            case "Dropout": return x;
            case "GELU": return x.Select(v => layer.Approximate == "tanh" ? Kernels.DoubleReference.GeluTanh(v) : Kernels.DoubleReference.Gelu(v)).ToArray();
            case "SiLU": return x.Select(Kernels.DoubleReference.Silu).ToArray();
            case "ELU": return x.Select(v => Kernels.DoubleReference.Elu(v, layer.Alpha)).ToArray();
            case "Softplus": return x.Select(v => Kernels.DoubleReference.Softplus(v, layer.Beta, layer.Threshold)).ToArray();
            case "ReLU": return x.Select(v => v < 0 ? 0 : v).ToArray();
            case "LeakyReLU": return x.Select(v => v < 0 ? v * layer.Slope : v).ToArray();
            case "Sigmoid": return x.Select(v => 1 / (1 + Math.Exp(-v))).ToArray();
            case "Tanh": return x.Select(Math.Tanh).ToArray();
            case "Softmax":
            {
                double max = x.Max();
                double[] e = x.Select(v => Math.Exp(v - max)).ToArray();
                double sum = e.Sum();
                return e.Select(v => v / sum).ToArray();
            }

            default: throw new ArgumentOutOfRangeException(nameof(layer), layer.Kind, null);
        }
    }

    /// <summary>PyTorch's tolerance from the contract: |Δ| ≤ 1e-5 · max(1, |y|).</summary>
    public static void AssertClose(float[] expected, float[] actual, string context, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double allowed = tolerance * Math.Max(1.0, Math.Abs(expected[i]));
            double delta = Math.Abs((double)expected[i] - actual[i]);
            if (!(delta <= allowed))
            {
                Assert.Fail($"{context}: output {i} is {actual[i]:R}, expected {expected[i]:R} (|Δ| = {delta:G3} > {allowed:G3}).");
            }
        }
    }
}

/// <summary>A layer as the reference sees it: the attribute's meaning, written out by hand.</summary>
internal sealed record RefLayer(string Kind, int In = 0, int Out = 0, bool Bias = true, float Epsilon = 1e-5f, float Slope = 0.01f, float P = 0f, string? Name = null)
{
    /// <summary>ELU's alpha.</summary>
    public float Alpha { get; init; } = 1f;

    /// <summary>Softplus's beta.</summary>
    public float Beta { get; init; } = 1f;

    /// <summary>Softplus's threshold.</summary>
    public float Threshold { get; init; } = 20f;

    /// <summary>GELU's approximation: null (exact) or "tanh".</summary>
    public string? Approximate { get; init; }

    /// <summary>Layers that state their width (the others take the width before them).</summary>
    public bool IsSized => Kind is "Dense" or "BatchNorm" or "LayerNorm";

    public static RefLayer LayerNorm(int features, float epsilon = 1e-5f, string? name = null) => new("LayerNorm", features, features, Epsilon: epsilon, Name: name);

    public static RefLayer Dense(int inputs, int outputs, bool bias = true, string? name = null) => new("Dense", inputs, outputs, bias, Name: name);

    public static RefLayer BatchNorm(int features, float epsilon = 1e-5f, string? name = null) => new("BatchNorm", features, features, Epsilon: epsilon, Name: name);

    public static RefLayer Act(string kind, float slope = 0.01f) => new(kind, Slope: slope);

    /// <summary>The C# attribute that declares this layer.</summary>
    public string Attribute => Kind switch
    {
        "Dense" => $"Dense({In}, {Out}{(Bias ? string.Empty : ", Bias = false")}{(Name is null ? string.Empty : $", Name = \"{Name}\"")})",
        "BatchNorm" => $"BatchNorm({In}, Epsilon = {Epsilon.ToString("R", CultureInfo.InvariantCulture)}f{(Name is null ? string.Empty : $", Name = \"{Name}\"")})",
        "LayerNorm" => $"LayerNorm({In}, Epsilon = {Epsilon.ToString("R", CultureInfo.InvariantCulture)}f{(Name is null ? string.Empty : $", Name = \"{Name}\"")})",
        "LeakyReLU" => $"LeakyReLU({Slope.ToString("R", CultureInfo.InvariantCulture)}f)",
        "GELU" => Approximate is null ? "GELU" : $"GELU(Approximate = \"{Approximate}\")",
        "ELU" => $"ELU({Alpha.ToString("R", CultureInfo.InvariantCulture)}f)",
        "Softplus" => $"Softplus({Beta.ToString("R", CultureInfo.InvariantCulture)}f, {Threshold.ToString("R", CultureInfo.InvariantCulture)}f)",
        "Dropout" => $"Dropout({P.ToString("R", CultureInfo.InvariantCulture)}f)",
        _ => Kind,
    };
}

/// <summary>Random weights in PyTorch layout for a layer list, and the safetensors file holding them.</summary>
internal static class RandomWeights
{
    public static Dictionary<string, float[]> For(IReadOnlyList<RefLayer> layers, Random random, string dtype = "F32")
    {
        var tensors = new Dictionary<string, float[]>();
        // Every value is rounded to the file's dtype last, so the reference sees exactly what the file holds.
        float Next(double scale, double offset = 0) => SafetensorsWriter.RoundTo((float)(offset + (((random.NextDouble() * 2) - 1) * scale)), dtype);
        for (int i = 0; i < layers.Count; i++)
        {
            RefLayer layer = layers[i];
            string p = layer.Name ?? i.ToString(CultureInfo.InvariantCulture);
            if (layer.Kind == "Dense")
            {
                // PyTorch's default init range, 1/√inputs, so activations stay O(1) through deep networks.
                double bound = 1 / Math.Sqrt(layer.In);
                tensors[p + ".weight"] = Enumerable.Range(0, layer.In * layer.Out).Select(_ => Next(bound)).ToArray();
                if (layer.Bias)
                {
                    tensors[p + ".bias"] = Enumerable.Range(0, layer.Out).Select(_ => Next(bound)).ToArray();
                }
            }
            else if (layer.Kind == "LayerNorm")
            {
                tensors[p + ".weight"] = Enumerable.Range(0, layer.In).Select(_ => Next(0.5, offset: 1)).ToArray();
                tensors[p + ".bias"] = Enumerable.Range(0, layer.In).Select(_ => Next(0.5)).ToArray();
            }
            else if (layer.Kind == "BatchNorm")
            {
                tensors[p + ".weight"] = Enumerable.Range(0, layer.In).Select(_ => Next(0.5, offset: 1)).ToArray();
                tensors[p + ".bias"] = Enumerable.Range(0, layer.In).Select(_ => Next(0.5)).ToArray();
                tensors[p + ".running_mean"] = Enumerable.Range(0, layer.In).Select(_ => Next(2)).ToArray();
                tensors[p + ".running_var"] = Enumerable.Range(0, layer.In).Select(_ => Next(1, offset: 1.25)).ToArray();
            }
        }

        return tensors;
    }

    public static byte[] File(IReadOnlyList<RefLayer> layers, Dictionary<string, float[]> tensors, string dtype = "F32")
    {
        var list = new List<SafetensorsWriter.Tensor>();
        for (int i = 0; i < layers.Count; i++)
        {
            RefLayer layer = layers[i];
            string p = layer.Name ?? i.ToString(CultureInfo.InvariantCulture);
            foreach ((string name, float[] values) in tensors.Where(t => t.Key.StartsWith(p + ".", StringComparison.Ordinal)))
            {
                int[] shape = name.EndsWith(".weight", StringComparison.Ordinal) && layer.Kind == "Dense" ? new[] { layer.Out, layer.In } : new[] { values.Length };
                list.Add(new SafetensorsWriter.Tensor(name, shape, values));
            }
        }

        return SafetensorsWriter.Write(list, dtype);
    }

    public static float[] Inputs(int count, Random random, double scale = 2)
        => Enumerable.Range(0, count).Select(_ => (float)(((random.NextDouble() * 2) - 1) * scale)).ToArray();
}
