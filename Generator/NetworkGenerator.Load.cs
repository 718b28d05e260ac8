using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Weights;

namespace StaticNet.Generator;

/// <summary>
/// The emitted <c>Load</c> members: one generic <c>LoadFrom</c> builds the network from any tensor source, and each
/// format's public overloads open the file and call it.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Load(string path)</c> picks the format by extension (<c>.onnx</c>, <c>.npz</c>, anything else safetensors);
/// <c>Load(Stream)</c> and <c>Load(ReadOnlySpan&lt;byte&gt;)</c> read safetensors.</item>
/// <item><c>LoadNumpy(path | stream | bytes, WeightLayout)</c>: a .npz with PyTorch names, Dense weights in the given layout.</item>
/// <item><c>LoadOnnx(path | stream | bytes)</c>: an ONNX model whose operators must be the declared layers; the
/// declaration is written into the call as <c>DeclaredLayer</c> values, which the runtime compares with the graph by
/// the same code (<c>OnnxNetworkCheck</c>) the generator runs for <c>[Weights("model.onnx")]</c>.</item>
/// </list>
/// The overloads pass bytes on as an explicit span, or call <c>LoadFrom</c> (reserved), so a user's <c>LoadNumpy(byte[], …)</c>
/// overload is never called in their place.
/// </remarks>
public sealed partial class NetworkGenerator
{
    private const string LayoutOutputsByInputs = "global::StaticNet.WeightLayout.OutputsByInputs";
    private const string LayoutInputsByOutputs = "global::StaticNet.WeightLayout.InputsByOutputs";
    private const string SafetensorsReader = "global::StaticNet.Weights.SafetensorsReader";
    private const string Bytes = "global::System.ReadOnlySpan<byte>";

    private static void EmitLoad(SourceWriter w, NetworkSpec network, ForwardPlan plan)
    {
        string type = network.TypeName;
        string tensors = string.Join(", ", NetworkSummary.TensorsRead(network).Select(t => $"<c>{XmlEscape(t)}</c>"));
        const string FileNotFound = "/// <exception cref=\"global::System.IO.FileNotFoundException\">The file does not exist.</exception>";

        w.Line("/// <summary>");
        w.Line("/// Loads the network from a weights file, its format told by the extension: <c>.onnx</c> (see <see cref=\"LoadOnnx(string)\"/>),");
        w.Line("/// <c>.npz</c> (NumPy, Dense weights (out, in) as PyTorch stores them; for (in, out) call");
        w.Line("/// <see cref=\"LoadNumpy(string, global::StaticNet.WeightLayout)\"/>), anything else safetensors with PyTorch <c>state_dict</c> names.");
        w.Line("/// </summary>");
        w.Line($"/// <remarks>Reads {tensors}. Other tensors in the file are ignored.</remarks>");
        w.Line(FileNotFound);
        w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The file is not valid, or a tensor is missing or has the wrong shape or dtype, or an ONNX graph's operators are not the declared layers.</exception>");
        w.OpenBlock($"public static {type} Load(string path) => global::StaticNet.Weights.WeightFile.FormatOf(path) switch");
        w.Line("global::StaticNet.Weights.WeightFileFormat.Onnx => LoadOnnx(path),");
        w.Line($"global::StaticNet.Weights.WeightFileFormat.Numpy => LoadNumpy(path, {LayoutOutputsByInputs}),");
        w.Line($"_ => Load({SafetensorsReader}.ReadAllBytes(path)),");
        w.CloseBlock(";");
        w.Line();
        w.Line("/// <summary>Loads the network from a stream holding a .safetensors file.</summary>");
        w.Line("/// <inheritdoc cref=\"Load(string)\"/>");
        w.Line($"public static {type} Load(global::System.IO.Stream stream) => Load({SafetensorsReader}.ReadAllBytes(stream));");
        w.Line();
        w.Line("/// <summary>Loads the network from the bytes of a .safetensors file.</summary>");
        w.Line($"/// <remarks>Reads {tensors}. Other tensors are ignored. Every tensor is checked before the network is built, so a bad file never yields a half-loaded network.</remarks>");
        w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The bytes are not valid safetensors, or a tensor is missing or has the wrong shape or dtype.</exception>");
        w.Line($"public static {type} Load({Bytes} safetensors) => LoadFrom({SafetensorsReader}.Open(safetensors), {LayoutOutputsByInputs});");
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// Loads the network from a NumPy .npz file (<c>np.savez</c>, <c>np.savez_compressed</c>) whose array names are PyTorch's");
        w.Line("/// <c>state_dict</c> names, with Dense weights in <paramref name=\"layout\"/>: <see cref=\"global::StaticNet.WeightLayout.InputsByOutputs\"/>");
        w.Line("/// for NumPy's <c>x @ W</c> and scikit-learn's <c>coefs_</c>, <see cref=\"global::StaticNet.WeightLayout.OutputsByInputs\"/> for PyTorch's.");
        w.Line("/// </summary>");
        w.Line("/// <remarks>Reads the tensors <see cref=\"Load(string)\"/> reads; float32, float64 (rounded) and float16, C or Fortran order. A non-square matrix in the other layout is an error that says it looks transposed.</remarks>");
        w.Line(FileNotFound);
        w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The file is not a valid .npz, or an array is missing or has the wrong shape or dtype.</exception>");
        w.Line($"public static {type} LoadNumpy(string path, global::StaticNet.WeightLayout layout) => LoadNumpy(new {Bytes}({SafetensorsReader}.ReadAllBytes(path)), layout);");
        w.Line();
        w.Line("/// <summary>Loads the network from a stream holding a NumPy .npz file.</summary>");
        w.Line("/// <inheritdoc cref=\"LoadNumpy(string, global::StaticNet.WeightLayout)\"/>");
        w.Line($"public static {type} LoadNumpy(global::System.IO.Stream stream, global::StaticNet.WeightLayout layout) => LoadNumpy(new {Bytes}({SafetensorsReader}.ReadAllBytes(stream)), layout);");
        w.Line();
        w.Line("/// <summary>Loads the network from the bytes of a NumPy .npz file.</summary>");
        w.Line("/// <inheritdoc cref=\"LoadNumpy(string, global::StaticNet.WeightLayout)\"/>");
        w.Line($"public static {type} LoadNumpy({Bytes} npz, global::StaticNet.WeightLayout layout) => LoadFrom(global::StaticNet.Weights.NpzReader.Open(npz), layout);");
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// Loads the network from an ONNX model whose graph is the declared layers: Gemm or MatMul (+ Add) for Dense, Conv,");
        w.Line("/// MaxPool, AveragePool, Flatten, BatchNormalization, LayerNormalization and the activations, in order (Dropout and Identity nodes are skipped).");
        w.Line("/// Initializers are found through the graph, not by name.");
        w.Line("/// </summary>");
        w.Line(FileNotFound);
        w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The file is not a valid ONNX model, or its operators are not the declared layers: the message names the ONNX node, its attribute or initializer, and the declared layer.</exception>");
        w.Line($"public static {type} LoadOnnx(string path) => LoadOnnx(new {Bytes}({SafetensorsReader}.ReadAllBytes(path)));");
        w.Line();
        w.Line("/// <summary>Loads the network from a stream holding an ONNX model.</summary>");
        w.Line("/// <inheritdoc cref=\"LoadOnnx(string)\"/>");
        w.Line($"public static {type} LoadOnnx(global::System.IO.Stream stream) => LoadOnnx(new {Bytes}({SafetensorsReader}.ReadAllBytes(stream)));");
        w.Line();
        w.Line("/// <summary>Loads the network from the bytes of an ONNX model.</summary>");
        w.Line("/// <inheritdoc cref=\"LoadOnnx(string)\"/>");
        using (w.Block($"public static {type} LoadOnnx({Bytes} onnx)"))
        {
            w.Line("var file = global::StaticNet.Weights.OnnxNetworkReader.Open(");
            w.Line("    onnx,");
            for (int i = 0; i < network.Layers.Count; i++)
            {
                w.Line($"    {DeclareForOnnx(network.Layers[i]).Expression}{(i < network.Layers.Count - 1 ? "," : ");")}");
            }

            w.Line($"return LoadFrom(file, {LayoutOutputsByInputs});");
        }

        w.Line();
        w.Line("/// <summary>Builds the network from any weights file, reading every tensor (and checking it) before anything is built.</summary>");
        w.Line($"private static {type} LoadFrom<TSource>(TSource file, global::StaticNet.WeightLayout layout)");
        using (w.Block("    where TSource : global::StaticNet.Weights.ITensorSource, allows ref struct"))
        {
            var arguments = new List<string>();
            foreach (ForwardPlan.Step step in plan.Steps)
            {
                if (step is ForwardPlan.ProducerStep { Producer.ProducerHasWeights: true } producer)
                {
                    string local = $"layer{producer.Producer.Position}";
                    foreach (string line in producer.Producer.LoadProducer(local, producer.Folded))
                    {
                        w.Line(line);
                    }

                    arguments.Add(local);
                }
                else if (step is ForwardPlan.InPlaceStep { Layer.RuntimeWeights: var (_, create) } inPlace)
                {
                    LayerSpec layer = inPlace.Layer;
                    w.Line($"// Layer {layer.Position}, {layer.Display}.");
                    w.Line($"var layer{layer.Position} = {create};");
                    arguments.Add($"layer{layer.Position}");
                }
            }

            w.Line($"return new {type}({string.Join(", ", arguments)});");
        }

        w.Line();
    }

    /// <summary>
    /// A declared layer in the terms an ONNX graph is compared in: the value the generator checks <c>[Weights]</c>
    /// with, and the expression <c>LoadOnnx</c> builds the same value with at run time.
    /// </summary>
    internal static (DeclaredLayer Layer, string Expression) DeclareForOnnx(LayerSpec layer)
    {
        const string Type = "global::StaticNet.Weights.DeclaredLayer";
        int p = layer.Position;
        string prefix = Literals.String(layer.TensorPrefix);
        switch (layer)
        {
            case DenseLayer d:
                return (DeclaredLayer.Dense(p, d.TensorPrefix, d.Inputs, d.Outputs, d.HasBias),
                    $"{Type}.Dense({p}, {prefix}, inputs: {d.Inputs}, outputs: {d.Outputs}, bias: {(d.HasBias ? "true" : "false")})");
            case NormalizationLayer n:
                string kind = n is BatchNormLayer ? "BatchNorm" : "LayerNorm";
                return (DeclaredLayer.Norm(p, kind, n.TensorPrefix, n.Features, n.Epsilon),
                    $"{Type}.Norm({p}, \"{kind}\", {prefix}, features: {n.Features}, epsilon: {Literals.Float(n.Epsilon)})");
            case ActivationLayer a when a.Function.Attribute == "GELU":
                string approximate = a.Approximate ?? "none";
                return (DeclaredLayer.Gelu(p, approximate), $"{Type}.Gelu({p}, {Literals.String(approximate)})");
            case ActivationLayer a:
                float[] arguments = a.Arguments.ToArray();
                return (DeclaredLayer.Activation(p, a.Function.Attribute, arguments),
                    $"{Type}.Activation({p}, \"{a.Function.Attribute}\"{string.Concat(arguments.Select(v => ", " + Literals.Float(v)))})");
            case SoftmaxLayer:
                return (DeclaredLayer.Activation(p, "Softmax"), $"{Type}.Activation({p}, \"Softmax\")");
            case ConvolutionLayer c:
                string conv = c.SpatialRank == 1 ? "Conv1d" : "Conv2d";
                return (DeclaredLayer.Convolution(p, conv, c.TensorPrefix, c.Display, (c.InChannels, c.OutChannels), (c.KernelSize, c.Stride, c.Padding, c.Dilation), c.Groups, c.HasBias),
                    $"{Type}.Convolution({p}, \"{conv}\", {prefix}, {Literals.String(c.Display)}, ({c.InChannels}, {c.OutChannels}), ({c.KernelSize}, {c.Stride}, {c.Padding}, {c.Dilation}), groups: {c.Groups}, bias: {(c.HasBias ? "true" : "false")})");
            case PoolingLayer pool:
                string poolKind = (pool.IsMax ? "MaxPool" : "AvgPool") + (pool.SpatialRank == 1 ? "1d" : "2d");
                return (DeclaredLayer.Pooling(p, poolKind, pool.Display, pool.KernelSize, pool.Step, pool.Padding),
                    $"{Type}.Pooling({p}, \"{poolKind}\", {Literals.String(pool.Display)}, kernelSize: {pool.KernelSize}, stride: {pool.Step}, padding: {pool.Padding})");
            case DropoutLayer:
                return (DeclaredLayer.Dropout(p, layer.Display), $"{Type}.Dropout({p}, {Literals.String(layer.Display)})");
            default:
                string name = layer.Display.Split('(')[0];
                return (DeclaredLayer.Other(p, name, layer.Display), $"{Type}.Other({p}, {Literals.String(name)}, {Literals.String(layer.Display)})");
        }
    }
}
