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

    public int InputSize => _layers[0].Kind == "InputShape" ? _layers[0].Dimensions.Aggregate(1, (a, b) => a * b) : _layers.First(l => l.IsSized).In;

    /// <summary>
    /// The last sized layer's outputs when there is a Dense (every such network here ends with a Dense or a layer
    /// that keeps its width); otherwise the input shape walked through the convolutions and poolings.
    /// </summary>
    public int OutputSize => _layers.Any(l => l.Kind == "Dense") ? _layers.Last(l => l.IsSized).Out : WalkedOutputSize();

    /// <summary>PyTorch's output length of a convolution or pooling along one axis.</summary>
    private static int OutputLength(int length, int kernel, int stride, int padding, int dilation)
        => ((length + (2 * padding) - (dilation * (kernel - 1)) - 1) / stride) + 1;

    private int WalkedOutputSize()
    {
        int[] shape = _layers[0].Dimensions;
        foreach (RefLayer layer in _layers)
        {
            bool conv = layer.Kind is "Conv1d" or "Conv2d";
            if (conv || layer.Kind is "MaxPool1d" or "MaxPool2d" or "AvgPool1d" or "AvgPool2d")
            {
                int stride = conv ? layer.Stride : layer.Stride == 0 ? layer.Kernel : layer.Stride;
                int dilation = conv ? layer.Dilation : 1;
                int[] spatial = shape.Skip(1).Select(n => OutputLength(n, layer.Kernel, stride, layer.Padding, dilation)).ToArray();
                shape = [conv ? layer.Out : shape[0], .. spatial];
            }
        }

        return shape.Aggregate(1, (a, b) => a * b);
    }

    /// <summary>The per-sample shape while a sample goes through the layers: (features), (C, L) or (C, H, W).</summary>
    private int[] _shape = [];

    public float[] Forward(float[] inputs)
    {
        int inputSize = InputSize;
        int batch = inputs.Length / inputSize;
        var rows = new List<double[]>();
        for (int r = 0; r < batch; r++)
        {
            double[] x = inputs.Skip(r * inputSize).Take(inputSize).Select(v => (double)v).ToArray();
            _shape = _layers[0].Kind == "InputShape" ? _layers[0].Dimensions : [inputSize];
            for (int i = 0; i < _layers.Count; i++)
            {
                x = Apply(_layers[i], RefLayer.PositionOf(_layers, i), x);
            }

            rows.Add(x);
        }

        int outputSize = rows.Count > 0 ? rows[0].Length : 0;
        var outputs = new float[batch * outputSize];
        for (int r = 0; r < batch; r++)
        {
            double[] x = rows[r];

            for (int o = 0; o < x.Length; o++)
            {
                outputs[(r * outputSize) + o] = (float)x[o];
            }
        }

        return outputs;
    }

    private double[] Apply(RefLayer layer, int position, double[] x)
    {
        string p = layer.Name ?? position.ToString(CultureInfo.InvariantCulture);
        switch (layer.Kind)
        {
            case "InputShape": return x;
            case "Flatten":
                _shape = [x.Length];
                return x;
            case "Conv1d" or "Conv2d": return Convolve(layer, p, x);
            case "MaxPool1d" or "MaxPool2d" or "AvgPool1d" or "AvgPool2d": return Pool(layer, x);
            case "BatchNorm" when _shape.Length > 1:
            {
                // BatchNorm1d/2d after a convolution: per channel.
                float[] g = _tensors[p + ".weight"], b = _tensors[p + ".bias"], m = _tensors[p + ".running_mean"], v = _tensors[p + ".running_var"];
                int plane = x.Length / _shape[0];
                return x.Select((value, i) => ((value - m[i / plane]) / Math.Sqrt(v[i / plane] + (double)layer.Epsilon) * g[i / plane]) + b[i / plane]).ToArray();
            }

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

                _shape = [layer.Out];
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

    /// <summary>nn.Conv1d / nn.Conv2d from their definition: zero padding, stride, dilation, groups; a 1-D layer as height 1.</summary>
    private double[] Convolve(RefLayer layer, string p, double[] x)
    {
        bool twoD = layer.Kind == "Conv2d";
        int c = _shape[0], h = twoD ? _shape[1] : 1, w = _shape[^1];
        int kh = twoD ? layer.Kernel : 1, kw = layer.Kernel;
        int sh = twoD ? layer.Stride : 1, ph = twoD ? layer.Padding : 0, dh = twoD ? layer.Dilation : 1;
        int oh = ((h + (2 * ph) - (dh * (kh - 1)) - 1) / sh) + 1;
        int ow = ((w + (2 * layer.Padding) - (layer.Dilation * (kw - 1)) - 1) / layer.Stride) + 1;
        int inPerGroup = c / layer.Groups, outPerGroup = layer.Out / layer.Groups;
        float[] weight = _tensors[p + ".weight"];
        float[]? bias = layer.Bias ? _tensors[p + ".bias"] : null;
        var y = new double[layer.Out * oh * ow];
        for (int o = 0; o < layer.Out; o++)
        {
            int group = o / outPerGroup;
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    double acc = bias?[o] ?? 0.0;
                    for (int ic = 0; ic < inPerGroup; ic++)
                    {
                        for (int a = 0; a < kh; a++)
                        {
                            for (int b = 0; b < kw; b++)
                            {
                                int row = (i * sh) - ph + (a * dh), col = (j * layer.Stride) - layer.Padding + (b * layer.Dilation);
                                if (row >= 0 && row < h && col >= 0 && col < w)
                                {
                                    acc += x[((((group * inPerGroup) + ic) * h) + row) * w + col] * weight[((((o * inPerGroup) + ic) * kh) + a) * kw + b];
                                }
                            }
                        }
                    }

                    y[(((o * oh) + i) * ow) + j] = acc;
                }
            }
        }

        _shape = twoD ? [layer.Out, oh, ow] : [layer.Out, ow];
        return y;
    }

    /// <summary>nn.MaxPool1d/2d (NaN propagates, padding never wins) and nn.AvgPool1d/2d (padding counted in the mean).</summary>
    private double[] Pool(RefLayer layer, double[] x)
    {
        bool twoD = layer.Kind.EndsWith("2d", StringComparison.Ordinal);
        bool max = layer.Kind.StartsWith("Max", StringComparison.Ordinal);
        int stride = layer.Stride == 0 ? layer.Kernel : layer.Stride;
        int c = _shape[0], h = twoD ? _shape[1] : 1, w = _shape[^1];
        int kh = twoD ? layer.Kernel : 1, sh = twoD ? stride : 1, ph = twoD ? layer.Padding : 0;
        int oh = ((h + (2 * ph) - kh) / sh) + 1, ow = ((w + (2 * layer.Padding) - layer.Kernel) / stride) + 1;
        var y = new double[c * oh * ow];
        for (int ch = 0; ch < c; ch++)
        {
            for (int i = 0; i < oh; i++)
            {
                for (int j = 0; j < ow; j++)
                {
                    double value = max ? double.NegativeInfinity : 0.0;
                    for (int a = 0; a < kh; a++)
                    {
                        for (int b = 0; b < layer.Kernel; b++)
                        {
                            int row = (i * sh) - ph + a, col = (j * stride) - layer.Padding + b;
                            if (row >= 0 && row < h && col >= 0 && col < w)
                            {
                                double v = x[(((ch * h) + row) * w) + col];
                                value = max ? (v > value || double.IsNaN(v) ? v : value) : value + v;
                            }
                        }
                    }

                    y[(((ch * oh) + i) * ow) + j] = max ? value : value / (kh * layer.Kernel);
                }
            }
        }

        _shape = twoD ? [c, oh, ow] : [c, ow];
        return y;
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

    /// <summary>InputShape's dimensions.</summary>
    public int[] Dimensions { get; init; } = [];

    /// <summary>A convolution's or pool's kernel size.</summary>
    public int Kernel { get; init; }

    /// <summary>A convolution's stride (1), or a pool's (0: the kernel size).</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; init; }

    /// <summary>A convolution's dilation.</summary>
    public int Dilation { get; init; } = 1;

    /// <summary>A convolution's groups.</summary>
    public int Groups { get; init; } = 1;

    /// <summary>The tensor position of layer <paramref name="index"/>: InputShape, first in a list, is not a layer.</summary>
    public static int PositionOf(IReadOnlyList<RefLayer> layers, int index) => layers.Count > 0 && layers[0].Kind == "InputShape" ? index - 1 : index;

    public static RefLayer Shape(params int[] dimensions) => new("InputShape") { Dimensions = dimensions };

    public static RefLayer Conv(int rank, int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true, string? name = null)
        => new(rank == 1 ? "Conv1d" : "Conv2d", inChannels, outChannels, bias, Name: name) { Kernel = kernel, Stride = stride, Padding = padding, Dilation = dilation, Groups = groups };

    public static RefLayer Pool(string kind, int kernel, int stride = 0, int padding = 0) => new(kind) { Kernel = kernel, Stride = stride, Padding = padding };

    /// <summary>The shape of the learned weight in PyTorch's layout.</summary>
    public int[] WeightShape => Kind switch
    {
        "Dense" => [Out, In],
        "Conv1d" => [Out, In / Groups, Kernel],
        "Conv2d" => [Out, In / Groups, Kernel, Kernel],
        _ => [In],
    };

    private string ConvOptions => string.Concat(
        Stride != 1 && Kind.StartsWith("Conv", StringComparison.Ordinal) || Stride != 0 && Kind.Contains("Pool", StringComparison.Ordinal) ? $", Stride = {Stride}" : string.Empty,
        Padding != 0 ? $", Padding = {Padding}" : string.Empty,
        Dilation != 1 ? $", Dilation = {Dilation}" : string.Empty,
        Groups != 1 ? $", Groups = {Groups}" : string.Empty);

    /// <summary>Layers that state their width (the others take the width before them).</summary>
    public bool IsSized => Kind is "Dense" or "BatchNorm" or "LayerNorm";

    public static RefLayer LayerNorm(int features, float epsilon = 1e-5f, string? name = null) => new("LayerNorm", features, features, Epsilon: epsilon, Name: name);

    public static RefLayer Dense(int inputs, int outputs, bool bias = true, string? name = null) => new("Dense", inputs, outputs, bias, Name: name);

    public static RefLayer BatchNorm(int features, float epsilon = 1e-5f, string? name = null) => new("BatchNorm", features, features, Epsilon: epsilon, Name: name);

    public static RefLayer Act(string kind, float slope = 0.01f) => new(kind, Slope: slope);

    /// <summary>The C# attribute that declares this layer.</summary>
    public string Attribute => Kind switch
    {
        "InputShape" => $"InputShape({string.Join(", ", Dimensions)})",
        "Conv1d" or "Conv2d" => $"{Kind}({In}, {Out}, {Kernel}{ConvOptions}{(Bias ? string.Empty : ", Bias = false")}{(Name is null ? string.Empty : $", Name = \"{Name}\"")})",
        "MaxPool1d" or "MaxPool2d" or "AvgPool1d" or "AvgPool2d" => $"{Kind}({Kernel}{ConvOptions})",
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
            string p = layer.Name ?? RefLayer.PositionOf(layers, i).ToString(CultureInfo.InvariantCulture);
            if (layer.Kind is "Conv1d" or "Conv2d")
            {
                // PyTorch's default init range, 1/√fan_in.
                int fanIn = layer.WeightShape.Skip(1).Aggregate(1, (a, b) => a * b);
                double bound = 1 / Math.Sqrt(fanIn);
                tensors[p + ".weight"] = Enumerable.Range(0, layer.Out * fanIn).Select(_ => Next(bound)).ToArray();
                if (layer.Bias)
                {
                    tensors[p + ".bias"] = Enumerable.Range(0, layer.Out).Select(_ => Next(bound)).ToArray();
                }
            }
            else if (layer.Kind == "Dense")
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
            string p = layer.Name ?? RefLayer.PositionOf(layers, i).ToString(CultureInfo.InvariantCulture);
            foreach ((string name, float[] values) in tensors.Where(t => t.Key.StartsWith(p + ".", StringComparison.Ordinal)))
            {
                int[] shape = name.EndsWith(".weight", StringComparison.Ordinal) && layer.Kind is "Dense" or "Conv1d" or "Conv2d" ? layer.WeightShape : new[] { values.Length };
                list.Add(new SafetensorsWriter.Tensor(name, shape, values));
            }
        }

        return SafetensorsWriter.Write(list, dtype);
    }

    public static float[] Inputs(int count, Random random, double scale = 2)
        => Enumerable.Range(0, count).Select(_ => (float)(((random.NextDouble() * 2) - 1) * scale)).ToArray();
}
