using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using StaticNet.Weights;

namespace StaticNet.Declare;

/// <summary>
/// The StaticNet declaration that matches a weights file: for ONNX the whole graph (every layer and activation, in
/// order); for safetensors and NumPy .npz, which hold only tensors, the Dense, Conv1d/Conv2d, BatchNorm and LayerNorm
/// layers with their sizes, and a marked placeholder where a layer without tensors (an activation, pooling, Flatten,
/// Dropout) must have been.
/// </summary>
internal static class Declaration
{
    private const string PlaceholderNote = "the file holds no tensors here: the activation (or pooling layer, or Dropout) the model had at this position; ReLU is a placeholder";

    private const string ConvolutionNote = "TODO: Stride, Padding and Dilation as the model had them (the file holds none)";

    private const string FlattenNote = "the pooling layers the model had before this Flatten, if any";

    /// <summary>The declaration as C# source, ready to paste.</summary>
    /// <param name="fileName">The file's name, for the [Weights] line and the class name.</param>
    /// <param name="file">The file's bytes.</param>
    /// <param name="layout">How a .npz or .safetensors file stores Dense weights; null: told from how the layers chain.</param>
    /// <param name="className">The class name; null: from the file name.</param>
    /// <exception cref="InvalidDataException">The file cannot be read, or an ONNX graph does not map to StaticNet layers.</exception>
    public static string For(string fileName, byte[] file, WeightLayout? layout = null, string? className = null)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(file);
        string name = className ?? ClassName(fileName);
        if (fileName.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            return FromOnnx(fileName, file, name);
        }

        bool numpy = fileName.EndsWith(".npz", StringComparison.OrdinalIgnoreCase);
        List<(string Name, long[] Shape)> tensors = numpy ? Tensors(NpzReader.Open(file)) : Tensors(SafetensorsReader.Open(file));
        return FromTensors(fileName, numpy ? "NumPy .npz" : "safetensors", tensors, layout, name);
    }

    private static string FromOnnx(string fileName, byte[] file, string className)
    {
        OnnxMapping mapping = OnnxReader.Open(file).MapLayers();
        if (mapping.Error is { } error)
        {
            throw new InvalidDataException(error.Message);
        }

        var lines = new List<string>();
        var notes = new List<string>();
        bool sawFeatures = false;
        string? inputShape = null;
        if (mapping.Layers!.Count > 0 && mapping.Layers[0].Kind is OnnxLayerKind.Conv1d or OnnxLayerKind.Conv2d)
        {
            // ONNX inputs have shapes, (N, C, L) or (N, C, H, W): the network's input is one sample of it.
            OnnxModel model = OnnxReader.Open(file).Model;
            string input = mapping.Layers[0].Node.Inputs[0];
            IReadOnlyList<long>? shape = model.InputShape(input);
            int rank = mapping.Layers[0].Kind == OnnxLayerKind.Conv1d ? 3 : 4;
            if (shape is not null && shape.Count == rank && shape.Skip(1).All(d => d > 0 && d <= int.MaxValue))
            {
                inputShape = $"[InputShape({string.Join(", ", shape.Skip(1))})]";
            }
            else
            {
                notes.Add($"// TODO: the graph's input '{input}' has no fixed (channels, {(rank == 3 ? "length" : "height, width")}): add [InputShape(…)] on the class.");
            }
        }

        foreach (OnnxLayer layer in mapping.Layers!)
        {
            // A Flatten before the first Dense or norm: the network's input is the flat row already.
            if (layer.Kind == OnnxLayerKind.Flatten && !sawFeatures)
            {
                notes.Add($"// The graph's leading Flatten ({layer.Node.Describe()}) is left out: the network's input is the flattened row.");
                continue;
            }

            sawFeatures |= layer.Kind is not (OnnxLayerKind.Flatten or OnnxLayerKind.ReLU or OnnxLayerKind.LeakyReLU or OnnxLayerKind.Sigmoid
                or OnnxLayerKind.Tanh or OnnxLayerKind.Softmax or OnnxLayerKind.GELU or OnnxLayerKind.ELU or OnnxLayerKind.Softplus);
            string text = Attribute(layer);
            if (layer.Kind is OnnxLayerKind.Dense or OnnxLayerKind.Conv1d or OnnxLayerKind.Conv2d || lines.Count == 0)
            {
                lines.Add(text);
            }
            else
            {
                lines[^1] += ", " + text;
            }
        }

        var output = new StringBuilder();
        output.AppendLine(CultureInfo.InvariantCulture, $"// From {fileName} (ONNX, {mapping.Layers!.Count} layers); list it as <AdditionalFiles Include=\"{fileName}\" /> to embed it.");
        foreach (string note in notes)
        {
            output.AppendLine(note);
        }

        if (inputShape is not null)
        {
            output.AppendLine(inputShape);
        }

        output.AppendLine(CultureInfo.InvariantCulture, $"[Weights(\"{fileName}\")]");
        AppendLayers(output, lines.Select(l => (l, (string?)null)).ToList());
        output.AppendLine(CultureInfo.InvariantCulture, $"public partial class {className} {{ }}");
        return output.ToString();
    }

    private static string Attribute(OnnxLayer layer) => layer.Kind switch
    {
        OnnxLayerKind.Dense => layer.Bias is null ? $"Dense({layer.Inputs}, {layer.Outputs}, Bias = false)" : $"Dense({layer.Inputs}, {layer.Outputs})",
        OnnxLayerKind.BatchNorm or OnnxLayerKind.LayerNorm => layer.Epsilon == 1e-5f
            ? $"{layer.Kind}({layer.Outputs})"
            : $"{layer.Kind}({layer.Outputs}, Epsilon = {Float(layer.Epsilon)})",
        OnnxLayerKind.LeakyReLU => layer.Alpha == 0.01f ? "LeakyReLU" : $"LeakyReLU({Float(layer.Alpha)})",
        OnnxLayerKind.ELU => layer.Alpha == 1f ? "ELU" : $"ELU({Float(layer.Alpha)})",
        OnnxLayerKind.GELU => layer.Approximate == "tanh" ? "GELU(Approximate = \"tanh\")" : "GELU",
        OnnxLayerKind.Conv1d or OnnxLayerKind.Conv2d or OnnxLayerKind.MaxPool1d or OnnxLayerKind.MaxPool2d or OnnxLayerKind.AvgPool1d or OnnxLayerKind.AvgPool2d => layer.Describe(),
        _ => layer.Kind.ToString(),
    };

    /// <summary>A layer found from the tensors under one prefix.</summary>
    private sealed record TensorLayer(string Prefix, string Kind, long First, long Second, bool HasBias, string? Unread)
    {
        /// <summary>A convolution's kernel size (its weight is (out, in / groups, k) or (out, in / groups, k, k)); 0 for other kinds.</summary>
        public long Kernel { get; init; }

        public bool IsConvolution => Kind is "Conv1d" or "Conv2d";

        /// <summary>A Dense bias's length, which says which side of a non-square weight is the output; 0 without.</summary>
        public long BiasLength { get; init; }
    }

    private static string FromTensors(string fileName, string format, List<(string Name, long[] Shape)> tensors, WeightLayout? requested, string className)
    {
        // Group by prefix ("0", "fc1", "encoder.layers.0.linear"), in the file's order.
        var groups = new List<(string Prefix, Dictionary<string, long[]> Tensors)>();
        foreach ((string name, long[] shape) in tensors)
        {
            int dot = name.LastIndexOf('.');
            string prefix = dot > 0 ? name[..dot] : name;
            string suffix = dot > 0 ? name[(dot + 1)..] : string.Empty;
            int index = groups.FindIndex(g => g.Prefix == prefix);
            if (index < 0)
            {
                groups.Add((prefix, new Dictionary<string, long[]>(StringComparer.Ordinal)));
                index = groups.Count - 1;
            }

            groups[index].Tensors[suffix] = shape;
        }

        var layers = groups.Select(g => Classify(g.Prefix, g.Tensors)).ToList();
        bool positional = layers.Count > 0 && layers.All(l => IsPosition(l.Prefix));
        if (positional)
        {
            layers = [.. layers.OrderBy(l => int.Parse(l.Prefix, CultureInfo.InvariantCulture))];
        }

        // Named layers (fc1, bn1, head) are in the file's order, which a writer may have sorted: put them in the order
        // their sizes chain, for each layout.
        List<TensorLayer>? outIn = positional ? layers : ChainOrder(layers, WeightLayout.OutputsByInputs);
        List<TensorLayer>? inOut = positional ? layers : ChainOrder(layers, WeightLayout.InputsByOutputs);
        // A bias's length names the output side of a non-square weight; without one, how the layers chain decides.
        bool chainsOutIn = outIn is not null && Chains(outIn, WeightLayout.OutputsByInputs) && !layers.Any(l => l.BiasLength > 0 && l.BiasLength == l.Second && l.First != l.Second);
        bool chainsInOut = inOut is not null && Chains(inOut, WeightLayout.InputsByOutputs) && !layers.Any(l => l.BiasLength > 0 && l.BiasLength == l.First && l.First != l.Second);
        WeightLayout layout = requested ?? (chainsInOut && !chainsOutIn ? WeightLayout.InputsByOutputs : WeightLayout.OutputsByInputs);
        layers = (layout == WeightLayout.OutputsByInputs ? outIn : inOut) ?? layers;

        bool convolutional = layers.Any(l => l.IsConvolution);
        var output = new StringBuilder();
        output.AppendLine(CultureInfo.InvariantCulture, $"// From {fileName} ({format}): the {(convolutional ? "Conv, " : string.Empty)}Dense, BatchNorm and LayerNorm layers its tensors describe; list it as <AdditionalFiles Include=\"{fileName}\" /> to embed it.");
        output.AppendLine(requested is not null
            ? $"// Dense weights read as {Describe(layout)}, as --layout says."
            : chainsOutIn != chainsInOut
                ? $"// Dense weights are stored {Describe(layout)}: only that layout fits the biases' lengths and makes the layers' sizes chain."
                : $"// The sizes do not tell how Dense weights are stored (square matrices or a single layer): {Describe(layout)} assumed; pass --layout in-out for NumPy or scikit-learn weights.");
        output.AppendLine(positional
            ? "// The file holds no activations: lines marked TODO need your choice (the model's activation, Dropout or Softmax)."
            : "// The file holds no activations, and names are not positions: add the model's activations between the layers, and check their order.");
        if (layers.Any(l => l.Kind is "BatchNorm" or "LayerNorm"))
        {
            output.AppendLine("// Epsilon is not stored in the file: 1e-5 (PyTorch's default) is assumed; add Epsilon = … if the model used another.");
        }

        if (convolutional)
        {
            // A convolution's weights do not give the size of its input, nor its stride or padding.
            output.AppendLine("// TODO: the file does not hold the input's size: add [InputShape(channels, height, width)] (or (channels, length) for Conv1d) on the class.");
            output.AppendLine("// Groups is told from how the channels chain (a first convolution is taken as Groups = 1).");
        }

        output.AppendLine(layout == WeightLayout.InputsByOutputs
            ? $"[Weights(\"{fileName}\", Layout = WeightLayout.InputsByOutputs)]"
            : $"[Weights(\"{fileName}\")]");

        var lines = new List<(string Text, string? Comment)>();
        int next = 0;
        long channels = 0;
        bool spatial = false;
        foreach (TensorLayer layer in layers)
        {
            if (layer.Unread is not null)
            {
                output.AppendLine(CultureInfo.InvariantCulture, $"// '{layer.Prefix}' holds {layer.Unread}: no StaticNet layer reads these.");
                continue;
            }

            if (positional)
            {
                // Positions count every layer: a gap is a layer without tensors.
                for (int position = int.Parse(layer.Prefix, CultureInfo.InvariantCulture); next < position; next++)
                {
                    // The last position before the first Dense after convolutions is where nn.Flatten sat.
                    lines.Add(spatial && layer.Kind == "Dense" && next == position - 1
                        ? ("Flatten", $"TODO position {next}: {FlattenNote}")
                        : ("ReLU", $"TODO position {next}: {PlaceholderNote}"));
                }

                next++;
            }
            else if (spatial && layer.Kind == "Dense")
            {
                lines.Add(("Flatten", "TODO: " + FlattenNote));
            }

            string? name = positional ? null : layer.Prefix;
            if (layer.IsConvolution)
            {
                // The weight holds in / groups input channels; the channels before it say how many groups that is.
                long groupCount = channels > layer.Second && channels % layer.Second == 0 ? channels / layer.Second : 1;
                lines.Add((ConvolutionText(layer, groupCount, name), ConvolutionNote));
                channels = layer.First;
                spatial = true;
                continue;
            }

            if (layer.Kind == "Dense")
            {
                spatial = false;
                channels = Sizes(layer, layout).Outputs;
            }

            lines.Add((Text(layer, layout, name), null));
        }

        if (lines.Count == 0)
        {
            throw new InvalidDataException($"{fileName} holds no Dense, BatchNorm or LayerNorm tensors ('weight', 'bias', 'running_mean', 'running_var').");
        }

        AppendLayers(output, lines);
        output.AppendLine("// TODO: the file cannot show what follows the last layer: add the output activation (Softmax, Sigmoid) if the model had one.");
        output.AppendLine(CultureInfo.InvariantCulture, $"public partial class {className} {{ }}");
        return output.ToString();
    }

    private static TensorLayer Classify(string prefix, Dictionary<string, long[]> tensors)
    {
        tensors.Remove("num_batches_tracked");
        bool Has(string suffix, int rank) => tensors.TryGetValue(suffix, out long[]? shape) && shape.Length == rank;
        if ((Has("weight", 3) || (Has("weight", 4) && tensors["weight"][2] == tensors["weight"][3]))
            && (tensors.Count == 1 || (tensors.Count == 2 && Has("bias", 1))))
        {
            long[] weight = tensors["weight"];
            return new TensorLayer(prefix, weight.Length == 3 ? "Conv1d" : "Conv2d", weight[0], weight[1], tensors.ContainsKey("bias"), null)
            {
                Kernel = weight[2],
            };
        }

        if (Has("weight", 2) && (tensors.Count == 1 || (tensors.Count == 2 && Has("bias", 1))))
        {
            long[] weight = tensors["weight"];
            return new TensorLayer(prefix, "Dense", weight[0], weight[1], tensors.ContainsKey("bias"), null)
            {
                BiasLength = tensors.TryGetValue("bias", out long[]? bias) ? bias[0] : 0,
            };
        }

        bool vectors = tensors.Values.All(s => s.Length == 1) && tensors.Values.Select(s => s[0]).Distinct().Count() == 1;
        if (vectors && tensors.Count == 4 && Has("weight", 1) && Has("bias", 1) && Has("running_mean", 1) && Has("running_var", 1))
        {
            return new TensorLayer(prefix, "BatchNorm", tensors["weight"][0], 0, true, null);
        }

        if (vectors && tensors.Count == 2 && Has("weight", 1) && Has("bias", 1))
        {
            return new TensorLayer(prefix, "LayerNorm", tensors["weight"][0], 0, true, null);
        }

        string unread = string.Join(", ", tensors.Select(t => $"{t.Key} ({string.Join(", ", t.Value)})"));
        return new TensorLayer(prefix, "?", 0, 0, false, unread.Length == 0 ? "nothing else" : unread);
    }

    /// <summary>
    /// The layers in the order their sizes chain: from the Dense whose input no other layer produces, each followed by
    /// the norms of its width, then the Dense that reads it. Null when that does not use every layer exactly once.
    /// </summary>
    private static List<TensorLayer>? ChainOrder(List<TensorLayer> layers, WeightLayout layout)
    {
        if (layers.Any(l => l.IsConvolution))
        {
            // Pooling changes a convolution's output size, so sizes cannot order a CNN's named layers.
            return null;
        }

        var remaining = layers.Where(l => l.Unread is null).ToList();
        var denses = remaining.Where(l => l.Kind == "Dense").ToList();
        var starts = denses.Where(d => !denses.Any(other => other != d && Sizes(other, layout).Outputs == Sizes(d, layout).Inputs)).ToList();
        if (starts.Count != 1)
        {
            return null;
        }

        // Norms of the first Dense's input width come before it (a network may start with a LayerNorm).
        var ordered = new List<TensorLayer>();
        while (remaining.FirstOrDefault(l => l.Kind != "Dense" && l.First == Sizes(starts[0], layout).Inputs) is { } leading)
        {
            ordered.Add(leading);
            remaining.Remove(leading);
        }

        TensorLayer? next = starts[0];
        while (next is not null)
        {
            ordered.Add(next);
            remaining.Remove(next);
            long features = Sizes(next, layout).Outputs;
            while (remaining.FirstOrDefault(l => l.Kind != "Dense" && l.First == features) is { } norm)
            {
                ordered.Add(norm);
                remaining.Remove(norm);
            }

            next = remaining.FirstOrDefault(l => l.Kind == "Dense" && Sizes(l, layout).Inputs == features);
        }

        return remaining.Count == 0 ? [.. ordered, .. layers.Where(l => l.Unread is not null)] : null;
    }

    private static (long Inputs, long Outputs) Sizes(TensorLayer dense, WeightLayout layout)
        => layout == WeightLayout.OutputsByInputs ? (dense.Second, dense.First) : (dense.First, dense.Second);

    /// <summary>Whether consecutive layers' feature counts agree when Dense weights are read in this layout.</summary>
    private static bool Chains(List<TensorLayer> layers, WeightLayout layout)
    {
        long features = -1;
        bool spatial = false;
        foreach (TensorLayer layer in layers)
        {
            switch (layer.Kind)
            {
                case "Conv1d" or "Conv2d":
                    features = layer.First;
                    spatial = true;
                    break;
                case "Dense":
                    (long inputs, long outputs) = Sizes(layer, layout);
                    // After convolutions a Dense reads channels × positions, which the file does not give.
                    bool known = !spatial;
                    spatial = false;
                    if (known && features >= 0 && inputs != features)
                    {
                        return false;
                    }

                    features = outputs;
                    break;
                case "BatchNorm" or "LayerNorm":
                    if (features >= 0 && layer.First != features)
                    {
                        return false;
                    }

                    features = layer.First;
                    break;
            }
        }

        return true;
    }

    private static string ConvolutionText(TensorLayer layer, long groups, string? name)
        => $"{layer.Kind}({layer.Second * groups}, {layer.First}, {layer.Kernel}"
            + (groups == 1 ? string.Empty : $", Groups = {groups}")
            + (layer.HasBias ? string.Empty : ", Bias = false")
            + (name is null ? string.Empty : $", Name = \"{name}\"")
            + ")";

    private static string Text(TensorLayer layer, WeightLayout layout, string? name)
    {
        string named = name is null ? string.Empty : $", Name = \"{name}\"";
        if (layer.Kind == "Dense")
        {
            (long inputs, long outputs) = Sizes(layer, layout);
            return $"Dense({inputs}, {outputs}{(layer.HasBias ? string.Empty : ", Bias = false")}{named})";
        }

        return named.Length == 0 ? $"{layer.Kind}({layer.First})" : $"{layer.Kind}({layer.First}{named})";
    }

    /// <summary>Writes the attribute list, one line per Dense with what follows it, or per commented layer.</summary>
    private static void AppendLayers(StringBuilder output, List<(string Text, string? Comment)> lines)
    {
        for (int i = 0; i < lines.Count; i++)
        {
            bool last = i == lines.Count - 1;
            output.Append(i == 0 ? "[" : " ").Append(lines[i].Text).Append(last ? "]" : ",");
            if (lines[i].Comment is { } comment)
            {
                output.Append(" // ").Append(comment);
            }

            output.AppendLine();
        }
    }

    private static string Describe(WeightLayout layout)
        => layout == WeightLayout.OutputsByInputs ? "(out, in), as PyTorch's nn.Linear" : "(in, out), as NumPy's x @ W and scikit-learn's coefs_";

    private static bool IsPosition(string prefix)
        => prefix.Length is > 0 and < 10 && prefix.All(char.IsAsciiDigit) && (prefix == "0" || prefix[0] != '0');

    private static List<(string Name, long[] Shape)> Tensors<TSource>(TSource source)
        where TSource : ITensorSource, allows ref struct
    {
        var tensors = new List<(string, long[])>();
        foreach (string name in source.TensorNames)
        {
            if (source.TryGetShape(name, out long[]? shape))
            {
                tensors.Add((name, shape));
            }
        }

        return tensors;
    }

    /// <summary>"torch_mlp.onnx" → "TorchMlpNet": the file name's words, capitalised, then "Net".</summary>
    internal static string ClassName(string fileName)
    {
        string stem = Path.GetFileNameWithoutExtension(fileName);
        var name = new StringBuilder();
        foreach (string word in stem.Split([.. stem.Where(c => !char.IsAsciiLetterOrDigit(c)).Distinct()]))
        {
            if (word.Length > 0)
            {
                name.Append(char.ToUpperInvariant(word[0])).Append(word[1..]);
            }
        }

        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            name.Insert(0, "Model");
        }

        return name.ToString().EndsWith("Net", StringComparison.Ordinal) ? name.ToString() : name + "Net";
    }

    private static string Float(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";
}
