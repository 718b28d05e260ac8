// Shared-source ready: uses only APIs that netstandard2.0 has too, so the generator can link it.
using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>The StaticNet layer an ONNX operator (or operator pair) maps to.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum OnnxLayerKind
{
    /// <summary><c>Dense</c>, from Gemm or MatMul (+ Add).</summary>
    Dense,

    /// <summary><c>BatchNorm</c>, from BatchNormalization.</summary>
    BatchNorm,

    /// <summary><c>LayerNorm</c>, from LayerNormalization over the last axis.</summary>
    LayerNorm,

    /// <summary><c>ReLU</c>, from Relu.</summary>
    ReLU,

    /// <summary><c>LeakyReLU(slope)</c>, from LeakyRelu (alpha).</summary>
    LeakyReLU,

    /// <summary><c>Sigmoid</c>.</summary>
    Sigmoid,

    /// <summary><c>Tanh</c>.</summary>
    Tanh,

    /// <summary><c>Softmax</c> over the features (axis 1 or −1).</summary>
    Softmax,

    /// <summary><c>GELU</c> (approximate "none" or "tanh").</summary>
    GELU,

    /// <summary><c>ELU(alpha)</c>.</summary>
    ELU,

    /// <summary><c>Softplus</c> (ONNX's has no beta or threshold: β = 1).</summary>
    Softplus,

    /// <summary><c>Flatten</c>, from Flatten with axis 1.</summary>
    Flatten,

    /// <summary><c>Conv1d</c>, from Conv with a (out, in / group, k) weight.</summary>
    Conv1d,

    /// <summary><c>Conv2d</c>, from Conv with a (out, in / group, k, k) weight.</summary>
    Conv2d,

    /// <summary><c>MaxPool1d</c>, from MaxPool over one spatial axis.</summary>
    MaxPool1d,

    /// <summary><c>MaxPool2d</c>, from MaxPool over two spatial axes.</summary>
    MaxPool2d,

    /// <summary><c>AvgPool1d</c>, from AveragePool over one spatial axis.</summary>
    AvgPool1d,

    /// <summary><c>AvgPool2d</c>, from AveragePool over two spatial axes.</summary>
    AvgPool2d,
}

/// <summary>
/// One StaticNet layer found in an ONNX graph, with the initializers it reads and how (see
/// <see cref="OnnxLayerMapping"/> for the arithmetic).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OnnxLayer
{
    internal OnnxLayer(OnnxLayerKind kind, OnnxNode node)
    {
        Kind = kind;
        Node = node;
    }

    /// <summary>The layer.</summary>
    public OnnxLayerKind Kind { get; }

    /// <summary>The (first) ONNX node it comes from.</summary>
    public OnnxNode Node { get; }

    /// <summary>The Add node folded into a MatMul's Dense, or null.</summary>
    public OnnxNode? BiasNode { get; internal set; }

    /// <summary>Dense: input features (from the weight's shape); norms: features; convolutions: input channels.</summary>
    public int Inputs { get; internal set; }

    /// <summary>Dense: output features; norms: features; convolutions: output channels.</summary>
    public int Outputs { get; internal set; }

    /// <summary>Convolutions and pools: the kernel's size along each spatial axis (kernel_shape).</summary>
    public int KernelSize { get; internal set; }

    /// <summary>Convolutions and pools: the step along each spatial axis (strides).</summary>
    public int Stride { get; internal set; } = 1;

    /// <summary>Convolutions and pools: the zeros added at both ends of each spatial axis (pads).</summary>
    public int Padding { get; internal set; }

    /// <summary>Convolutions: the spacing of the kernel's taps (dilations).</summary>
    public int Dilation { get; internal set; } = 1;

    /// <summary>Convolutions: the channel groups (group).</summary>
    public int Groups { get; internal set; } = 1;

    /// <summary>Dense: the weight initializer; BatchNorm/LayerNorm: the scale (γ); convolutions: W.</summary>
    public string? Weight { get; internal set; }

    /// <summary>Dense: whether <see cref="Weight"/> is stored (inputs, outputs) and must be transposed.</summary>
    public bool WeightIsInputsByOutputs { get; internal set; }

    /// <summary>Dense: Gemm's alpha, multiplied into every weight (1 otherwise).</summary>
    public float WeightScale { get; internal set; } = 1f;

    /// <summary>Dense: the bias initializer (null without bias); BatchNorm/LayerNorm: β.</summary>
    public string? Bias { get; internal set; }

    /// <summary>Dense: Gemm's beta, multiplied into every bias value (1 otherwise).</summary>
    public float BiasScale { get; internal set; } = 1f;

    /// <summary>BatchNorm: the running mean initializer.</summary>
    public string? Mean { get; internal set; }

    /// <summary>BatchNorm: the running variance initializer.</summary>
    public string? Variance { get; internal set; }

    /// <summary>BatchNorm/LayerNorm: ε.</summary>
    public float Epsilon { get; internal set; }

    /// <summary>LeakyReLU: the slope; ELU: alpha.</summary>
    public float Alpha { get; internal set; }

    /// <summary>GELU: "none" or "tanh".</summary>
    public string? Approximate { get; internal set; }

    /// <summary>The layer as a StaticNet attribute would declare it: "Dense(784, 128)", "LeakyReLU(0.1)".</summary>
    public string Describe()
    {
        switch (Kind)
        {
            case OnnxLayerKind.Dense:
                return Bias is null ? $"Dense({Inputs}, {Outputs}, Bias = false)" : $"Dense({Inputs}, {Outputs})";
            case OnnxLayerKind.BatchNorm:
            case OnnxLayerKind.LayerNorm:
                string name = Kind == OnnxLayerKind.BatchNorm ? "BatchNorm" : "LayerNorm";
                return Epsilon == 1e-5f ? $"{name}({Outputs})" : $"{name}({Outputs}, Epsilon = {Number(Epsilon)})";
            case OnnxLayerKind.LeakyReLU:
            case OnnxLayerKind.ELU:
                return $"{Kind}({Number(Alpha)})";
            case OnnxLayerKind.GELU:
                return Approximate == "tanh" ? "GELU(Approximate = \"tanh\")" : "GELU";
            case OnnxLayerKind.Conv1d:
            case OnnxLayerKind.Conv2d:
                return DeclarationText.Convolution(Kind.ToString(), Inputs, Outputs, KernelSize, Stride, Padding, Dilation, Groups, Bias is not null);
            case OnnxLayerKind.MaxPool1d:
            case OnnxLayerKind.MaxPool2d:
            case OnnxLayerKind.AvgPool1d:
            case OnnxLayerKind.AvgPool2d:
                // A pool's stride defaults to its kernel size in StaticNet (and PyTorch), so only another one is shown.
                return DeclarationText.Pooling(Kind.ToString(), KernelSize, Stride, Padding);
            default:
                return Kind.ToString();
        }
    }

    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>Why an ONNX graph does not map to StaticNet layers: the node at fault and what was expected.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OnnxMappingError
{
    internal OnnxMappingError(OnnxNode? node, string message)
    {
        Node = node;
        Message = message;
    }

    /// <summary>The node at fault, or null for a problem of the graph as a whole.</summary>
    public OnnxNode? Node { get; }

    /// <summary>What is wrong, naming the node and what was expected.</summary>
    public string Message { get; }
}

/// <summary>The result of <see cref="OnnxLayerMapping.Map"/>: the layers, or the first error.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OnnxMapping
{
    internal OnnxMapping(IReadOnlyList<OnnxLayer>? layers, OnnxMappingError? error)
    {
        Layers = layers;
        Error = error;
    }

    /// <summary>The layers in order, or null when <see cref="Error"/> is set.</summary>
    public IReadOnlyList<OnnxLayer>? Layers { get; }

    /// <summary>Why the graph does not map, or null.</summary>
    public OnnxMappingError? Error { get; }
}

/// <summary>
/// Maps an ONNX graph that is a chain of operators (each node consumes the previous one's output) to StaticNet layers.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>Gemm(x, B, C)</c>, transA = 0: Y = alpha·x·B′ + beta·C → Dense. transB = 1: B is (out, in), as PyTorch
/// exports <c>nn.Linear</c>; transB = 0: B is (in, out) and is transposed. The weight is W[o, i] = alpha × B′[o, i] and
/// the bias b[o] = beta × C[o], each one float multiplication (correctly rounded; exact when the factor is 1, so
/// files with alpha = beta = 1 load bit for bit). C must be (out) or (1, out); without C the Dense has no bias.</item>
/// <item><c>MatMul(x, W)</c>, W (in, out) an initializer → Dense with W transposed; an <c>Add</c> right after it
/// with the MatMul's output and an initializer of shape (out) or (1, out), in either order, becomes its bias.</item>
/// <item><c>BatchNormalization(x, scale, B, mean, var)</c> (epsilon, default 1e-5; training_mode 0) → BatchNorm
/// reading scale, B, mean, var as weight, bias, running_mean, running_var.</item>
/// <item><c>LayerNormalization</c> (axis −1, epsilon) → LayerNorm; <c>Relu</c>, <c>LeakyRelu</c> (alpha, default
/// 0.01), <c>Sigmoid</c>, <c>Tanh</c>, <c>Softmax</c> (axis 1 or −1), <c>Gelu</c> (approximate "none"/"tanh"),
/// <c>Elu</c> (alpha, default 1), <c>Softplus</c>, <c>Flatten</c> (axis 1) → the layer of that name.</item>
/// <item><c>Conv(x, W[, B])</c>, W (out, in / group, k[, k]) → Conv1d/Conv2d (kernel_shape, strides, pads, dilations
/// and group, each the same along every spatial axis, pads the same at both ends; auto_pad NOTSET); <c>MaxPool</c> and
/// <c>AveragePool</c> (ceil_mode 0; an AveragePool's pads counted in the mean, count_include_pad = 1) → the pools; a
/// <c>Pad</c> of zeros on the spatial axes right before an AveragePool (PyTorch's export of nn.AvgPool, its pads from a
/// <c>Constant</c> or an initializer) becomes that pool's padding, and a Pad of no zeros is the identity.</item>
/// <item><c>Identity</c> and <c>Dropout</c> (inference: identity) give no layer; a declared <c>Dropout</c> therefore
/// has no ONNX counterpart, as PyTorch exports none in eval mode.</item>
/// </list>
/// Consecutive Dense, norm and convolution layers must chain their feature (channel) counts. Anything else (another operator, a node that
/// does not read the previous output, an initializer of the wrong rank, a graph output that is not the last node's)
/// is an <see cref="OnnxMappingError"/> naming the node. A pure function of the parsed model: no tensor data is read.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OnnxLayerMapping
{
    /// <summary>Maps the model's graph to layers, or says which node does not map.</summary>
    public static OnnxMapping Map(OnnxModel model)
    {
        if (model is null)
        {
            throw new ArgumentNullException(nameof(model));
        }

        var layers = new List<OnnxLayer>();
        string? current = null;
        foreach (string input in model.Inputs)
        {
            if (model.Initializer(input) is null)
            {
                if (current is not null)
                {
                    return Fail(null, $"the graph has several data inputs ('{SafetensorsMessages.Shown(current)}', '{SafetensorsMessages.Shown(input)}'); a StaticNet network has one");
                }

                current = input;
            }
        }

        if (current is null)
        {
            return Fail(null, "the graph has no data input");
        }

        long features = -1;
        var constants = new Dictionary<string, OnnxTensorInfo>(StringComparer.Ordinal);
        (OnnxNode Node, long[] Pads)? pendingPad = null;
        IReadOnlyList<OnnxNode> nodes = model.Nodes;
        for (int n = 0; n < nodes.Count; n++)
        {
            OnnxNode node = nodes[n];
            string op = node.OpType;
            if (node.Domain is not ("" or "ai.onnx"))
            {
                return Fail(node, $"its domain '{SafetensorsMessages.Shown(node.Domain)}' is not the default ONNX operator set");
            }

            if (node.Outputs.Count != 1 && op != "Dropout")
            {
                return Fail(node, $"it has {node.Outputs.Count} outputs; the operators StaticNet maps have one");
            }

            if (pendingPad is { } pad && op != "AveragePool")
            {
                return Fail(pad.Node, "it adds zeros, which StaticNet maps only right before an AveragePool (PyTorch's export of nn.AvgPool with padding)");
            }

            if (op == "Constant")
            {
                // PyTorch exports an AvgPool as Constant (the pads) + Pad + AveragePool: the value is kept for the Pad.
                if (node.Inputs.Count != 0 || node.Attribute("value") is not { Type: OnnxAttributeType.Tensor, Tensor: { } value })
                {
                    return Fail(node, "StaticNet maps a Constant only as the pads of a Pad (a 'value' tensor)");
                }

                constants[node.Outputs[0]] = value;
                continue;
            }

            string? dataInput = node.Inputs.Count > 0 ? node.Inputs[0] : null;
            if (op != "Add" && dataInput != current)
            {
                return Fail(node, $"it reads '{SafetensorsMessages.Shown(dataInput ?? string.Empty)}', but the previous layer's output is '{SafetensorsMessages.Shown(current)}': the graph is not a chain of layers");
            }

            OnnxLayer? layer;
            string? problem;
            switch (op)
            {
                case "Gemm":
                    (layer, problem) = MapGemm(model, node);
                    break;
                case "MatMul":
                    (layer, problem) = MapMatMul(model, node, n + 1 < nodes.Count ? nodes[n + 1] : null);
                    if (layer?.BiasNode is not null)
                    {
                        n++;
                        node = nodes[n];
                    }

                    break;
                case "BatchNormalization":
                    (layer, problem) = MapBatchNorm(model, node);
                    break;
                case "LayerNormalization":
                    (layer, problem) = MapLayerNorm(model, node);
                    break;
                case "Relu":
                    (layer, problem) = Simple(node, OnnxLayerKind.ReLU);
                    break;
                case "Sigmoid":
                    (layer, problem) = Simple(node, OnnxLayerKind.Sigmoid);
                    break;
                case "Tanh":
                    (layer, problem) = Simple(node, OnnxLayerKind.Tanh);
                    break;
                case "Softplus":
                    (layer, problem) = Simple(node, OnnxLayerKind.Softplus);
                    break;
                case "LeakyRelu":
                    (layer, problem) = Simple(node, OnnxLayerKind.LeakyReLU);
                    layer!.Alpha = FloatAttribute(node, "alpha", 0.01f);
                    break;
                case "Elu":
                    (layer, problem) = Simple(node, OnnxLayerKind.ELU);
                    layer!.Alpha = FloatAttribute(node, "alpha", 1f);
                    break;
                case "Softmax":
                    long axis = IntAttribute(node, "axis", model.OpsetVersion is > 0 and < 13 ? 1 : -1);
                    (layer, problem) = axis is 1 or -1
                        ? Simple(node, OnnxLayerKind.Softmax)
                        : (null, $"its axis is {axis}; StaticNet's Softmax normalises over the features (axis 1 or -1)");
                    break;
                case "Gelu":
                    string approximate = node.Attribute("approximate")?.String ?? "none";
                    (layer, problem) = approximate is "none" or "tanh"
                        ? Simple(node, OnnxLayerKind.GELU)
                        : (null, $"its approximate is '{SafetensorsMessages.Shown(approximate)}' (\"none\" or \"tanh\" expected)");
                    if (layer is not null)
                    {
                        layer.Approximate = approximate;
                    }

                    break;
                case "Flatten":
                    long flattenAxis = IntAttribute(node, "axis", 1);
                    (layer, problem) = flattenAxis == 1
                        ? Simple(node, OnnxLayerKind.Flatten)
                        : (null, $"its axis is {flattenAxis}; StaticNet's Flatten keeps the batch axis (axis 1)");
                    break;
                case "Conv":
                    (layer, problem) = MapConv(model, node);
                    break;
                case "MaxPool":
                case "AveragePool":
                    (layer, problem) = MapPool(node, pendingPad?.Pads);
                    pendingPad = null;
                    break;
                case "Pad":
                    if (ReadPad(model, node, constants, out long[]? spatialPads) is { } padProblem)
                    {
                        return Fail(node, padProblem);
                    }

                    // Zero pads (PyTorch's export of an AvgPool without padding) are the identity.
                    pendingPad = spatialPads is null ? null : (node, spatialPads);
                    current = node.Outputs[0];
                    continue;
                case "Identity":
                case "Dropout":
                    current = node.Outputs[0];
                    continue;
                default:
                    return Fail(node, "the operator is not one StaticNet maps (Gemm, MatMul + Add, Conv, MaxPool, AveragePool, BatchNormalization, LayerNormalization, Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Gelu, Elu, Softplus, Flatten, Identity, Dropout; Add only as the bias right after a MatMul)");
            }

            if (layer is null)
            {
                return Fail(node, problem!);
            }

            if (layer.Kind is OnnxLayerKind.Dense or OnnxLayerKind.BatchNorm or OnnxLayerKind.LayerNorm or OnnxLayerKind.Conv1d or OnnxLayerKind.Conv2d)
            {
                // After a convolution the count is of channels, which a BatchNormalization normalises one by one.
                if (features >= 0 && layer.Inputs != features)
                {
                    string what = layer.Kind is OnnxLayerKind.Conv1d or OnnxLayerKind.Conv2d ? "input channels" : "input features";
                    return Fail(layer.Node, $"it expects {layer.Inputs} {what}, but the layer before it produces {features}");
                }

                features = layer.Outputs;
            }
            else if (layer.Kind == OnnxLayerKind.Flatten)
            {
                features = -1;
            }

            layers.Add(layer);
            current = node.Outputs[0];
        }

        if (pendingPad is { } lastPad)
        {
            return Fail(lastPad.Node, "it adds zeros, which StaticNet maps only right before an AveragePool (PyTorch's export of nn.AvgPool with padding)");
        }

        if (model.Outputs.Count != 1 || model.Outputs[0] != current)
        {
            return Fail(null, $"the graph's output{(model.Outputs.Count == 1 ? $" '{SafetensorsMessages.Shown(model.Outputs[0])}'" : "s")} must be the last layer's output '{SafetensorsMessages.Shown(current)}'");
        }

        return new OnnxMapping(layers, null);
    }

    private static (OnnxLayer?, string?) MapGemm(OnnxModel model, OnnxNode node)
    {
        if (IntAttribute(node, "transA", 0) != 0)
        {
            return (null, "transA is 1; the activations must be A as they are (transA = 0)");
        }

        long transB = IntAttribute(node, "transB", 0);
        if (transB is not (0 or 1))
        {
            return (null, $"transB is {transB} (0 or 1 expected)");
        }

        if (node.Inputs.Count < 2 || Matrix(model, node.Inputs[1]) is not OnnxTensorInfo b)
        {
            return (null, "its B is not a 2-D float initializer");
        }

        var layer = new OnnxLayer(OnnxLayerKind.Dense, node)
        {
            Weight = b.Name,
            WeightIsInputsByOutputs = transB == 0,
            Outputs = (int)(transB == 1 ? b.Dims[0] : b.Dims[1]),
            Inputs = (int)(transB == 1 ? b.Dims[1] : b.Dims[0]),
            WeightScale = FloatAttribute(node, "alpha", 1f),
            BiasScale = FloatAttribute(node, "beta", 1f),
        };
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            if (!IsBias(model, node.Inputs[2], layer.Outputs))
            {
                return (null, $"its C '{SafetensorsMessages.Shown(node.Inputs[2])}' is not a float initializer of shape ({layer.Outputs}) or (1, {layer.Outputs})");
            }

            layer.Bias = node.Inputs[2];
        }

        return (layer, null);
    }

    private static (OnnxLayer?, string?) MapMatMul(OnnxModel model, OnnxNode node, OnnxNode? next)
    {
        if (node.Inputs.Count != 2 || Matrix(model, node.Inputs[1]) is not OnnxTensorInfo w)
        {
            return (null, "its second input is not a 2-D float initializer (in, out)");
        }

        var layer = new OnnxLayer(OnnxLayerKind.Dense, node)
        {
            Weight = w.Name,
            WeightIsInputsByOutputs = true,
            Inputs = (int)w.Dims[0],
            Outputs = (int)w.Dims[1],
        };
        string output = node.Outputs[0];
        if (next is { OpType: "Add", Inputs.Count: 2 } && next.Outputs.Count == 1
            && (next.Inputs[0] == output || next.Inputs[1] == output))
        {
            string bias = next.Inputs[0] == output ? next.Inputs[1] : next.Inputs[0];
            if (!IsBias(model, bias, layer.Outputs))
            {
                return (null, $"the Add after it ({next.Describe()}) adds '{SafetensorsMessages.Shown(bias)}', not a float initializer of shape ({layer.Outputs}) or (1, {layer.Outputs})");
            }

            layer.Bias = bias;
            layer.BiasNode = next;
        }

        return (layer, null);
    }

    private static (OnnxLayer?, string?) MapBatchNorm(OnnxModel model, OnnxNode node)
    {
        if (IntAttribute(node, "training_mode", 0) != 0)
        {
            return (null, "training_mode is 1; StaticNet uses the running statistics (inference)");
        }

        if (node.Inputs.Count != 5 || Vector(model, node.Inputs[1]) is not OnnxTensorInfo scale)
        {
            return (null, "it does not have the inputs (X, scale, B, input_mean, input_var) with 1-D float initializers");
        }

        int features = (int)scale.Dims[0];
        for (int i = 2; i < 5; i++)
        {
            if (Vector(model, node.Inputs[i]) is not OnnxTensorInfo other || other.Dims[0] != features)
            {
                return (null, $"its input '{SafetensorsMessages.Shown(node.Inputs[i])}' is not a float initializer of shape ({features})");
            }
        }

        var layer = new OnnxLayer(OnnxLayerKind.BatchNorm, node)
        {
            Inputs = features,
            Outputs = features,
            Weight = node.Inputs[1],
            Bias = node.Inputs[2],
            Mean = node.Inputs[3],
            Variance = node.Inputs[4],
            Epsilon = FloatAttribute(node, "epsilon", 1e-5f),
        };
        return (layer, null);
    }

    private static (OnnxLayer?, string?) MapLayerNorm(OnnxModel model, OnnxNode node)
    {
        long axis = IntAttribute(node, "axis", -1);
        if (axis is not (-1 or 1))
        {
            return (null, $"its axis is {axis}; StaticNet's LayerNorm normalises over the features (axis -1)");
        }

        if (node.Inputs.Count < 2 || Vector(model, node.Inputs[1]) is not OnnxTensorInfo scale)
        {
            return (null, "its scale is not a 1-D float initializer");
        }

        int features = (int)scale.Dims[0];
        if (node.Inputs.Count < 3 || Vector(model, node.Inputs[2]) is not OnnxTensorInfo bias || bias.Dims[0] != features)
        {
            return (null, $"its B is not a float initializer of shape ({features}); StaticNet's LayerNorm has a bias");
        }

        var layer = new OnnxLayer(OnnxLayerKind.LayerNorm, node)
        {
            Inputs = features,
            Outputs = features,
            Weight = node.Inputs[1],
            Bias = node.Inputs[2],
            Epsilon = FloatAttribute(node, "epsilon", 1e-5f),
        };
        return (layer, null);
    }

    private static (OnnxLayer?, string?) MapConv(OnnxModel model, OnnxNode node)
    {
        if (node.Inputs.Count < 2 || model.Initializer(node.Inputs[1]) is not { IsFloat: true, External: false, Dims.Count: 3 or 4 } w
            || w.Dims[0] > int.MaxValue || w.Dims[1] > int.MaxValue || w.Dims[2] > int.MaxValue)
        {
            return (null, "its W is not a float initializer (out, in / group, k) or (out, in / group, k, k)");
        }

        int rank = w.Dims.Count - 2;
        if (rank == 2 && w.Dims[2] != w.Dims[3])
        {
            return (null, $"its W '{SafetensorsMessages.Shown(w.Name)}' is {w.DescribeShape()}: the kernel is not square, and StaticNet's Conv2d has one kernel size");
        }

        long group = IntAttribute(node, "group", 1);
        if (group < 1 || group > int.MaxValue || w.Dims[0] % group != 0 || w.Dims[1] * group > int.MaxValue)
        {
            return (null, $"its group is {group}, which does not divide the {w.Dims[0]} output channels of W");
        }

        var layer = new OnnxLayer(rank == 1 ? OnnxLayerKind.Conv1d : OnnxLayerKind.Conv2d, node)
        {
            Weight = w.Name,
            Outputs = (int)w.Dims[0],
            Inputs = (int)(w.Dims[1] * group),
            Groups = (int)group,
        };
        if (Window(node, rank, layer, (int)w.Dims[2], dilations: true) is { } problem)
        {
            return (null, problem);
        }

        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            if (Vector(model, node.Inputs[2]) is not { } bias || bias.Dims[0] != layer.Outputs)
            {
                return (null, $"its B '{SafetensorsMessages.Shown(node.Inputs[2])}' is not a float initializer of shape ({layer.Outputs})");
            }

            layer.Bias = node.Inputs[2];
        }

        return (layer, null);
    }

    /// <summary>
    /// A Pad that adds zeros to the spatial axes of (N, C, …): its pads (from an initializer, a Constant or, before
    /// opset 11, its attribute), the begins of the spatial axes then their ends; null when it adds none.
    /// </summary>
    private static string? ReadPad(OnnxModel model, OnnxNode node, Dictionary<string, OnnxTensorInfo> constants, out long[]? spatialPads)
    {
        spatialPads = null;
        string mode = node.Attribute("mode")?.String ?? "constant";
        if (mode != "constant")
        {
            return $"its mode is '{SafetensorsMessages.Shown(mode)}'; StaticNet pads with zeros (mode constant)";
        }

        IReadOnlyList<long>? pads;
        if (model.OpsetVersion is > 0 and < 11)
        {
            pads = node.Attribute("pads") is { Type: OnnxAttributeType.Ints } attribute ? attribute.Ints : null;
            if (FloatAttribute(node, "value", 0f) != 0f)
            {
                return "its value is not 0; StaticNet pads with zeros";
            }
        }
        else
        {
            if (node.Inputs.Count > 3 || (node.Inputs.Count == 3 && node.Inputs[2].Length > 0))
            {
                return "it has a constant_value or axes input; StaticNet maps only a Pad with zeros over every axis";
            }

            string name = node.Inputs.Count > 1 ? node.Inputs[1] : string.Empty;
            pads = constants.TryGetValue(name, out OnnxTensorInfo? constant) ? constant.SmallInts : model.Initializer(name)?.SmallInts;
        }

        if (pads is null || pads.Count < 6 || pads.Count % 2 != 0)
        {
            return "its pads are not a constant INT64 tensor of the begins and ends of (N, C, L) or (N, C, H, W)";
        }

        int rank = pads.Count / 2;
        if (pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0)
        {
            return $"its pads [{string.Join(", ", pads)}] pad the batch or channel axis; StaticNet pads the spatial axes";
        }

        var spatial = new long[2 * (rank - 2)];
        bool any = false;
        for (int i = 2; i < rank; i++)
        {
            spatial[i - 2] = pads[i];
            spatial[rank - 2 + i - 2] = pads[rank + i];
            any |= pads[i] != 0 || pads[rank + i] != 0;
        }

        spatialPads = any ? spatial : null;
        return null;
    }

    /// <param name="node">The MaxPool or AveragePool.</param>
    /// <param name="padded">The spatial pads of a Pad right before an AveragePool, or null.</param>
    private static (OnnxLayer?, string?) MapPool(OnnxNode node, long[]? padded)
    {
        bool max = node.OpType == "MaxPool";
        if (node.Attribute("kernel_shape") is not { Type: OnnxAttributeType.Ints, Ints.Count: 1 or 2 } kernelShape)
        {
            return (null, "its kernel_shape is not 1 or 2 sizes; StaticNet pools over (L) or (H, W)");
        }

        if (IntAttribute(node, "ceil_mode", 0) != 0)
        {
            return (null, "its ceil_mode is 1; StaticNet's pools round the output size down (ceil_mode = 0, PyTorch's default)");
        }

        if (max && (IntAttribute(node, "storage_order", 0) != 0 || node.Outputs.Count != 1))
        {
            return (null, "it returns the indices or has a storage_order; StaticNet's MaxPool returns the values");
        }

        int rank = kernelShape.Ints.Count;
        OnnxLayerKind kind = (max, rank) switch
        {
            (true, 1) => OnnxLayerKind.MaxPool1d,
            (true, _) => OnnxLayerKind.MaxPool2d,
            (false, 1) => OnnxLayerKind.AvgPool1d,
            _ => OnnxLayerKind.AvgPool2d,
        };
        var layer = new OnnxLayer(kind, node);
        if (Window(node, rank, layer, kernel: -1, dilations: max) is { } problem)
        {
            return (null, problem);
        }

        if (!max && layer.Padding != 0 && IntAttribute(node, "count_include_pad", 0) != 1)
        {
            return (null, "its count_include_pad is 0, so the padding is left out of the mean; StaticNet's AvgPool counts it, as PyTorch's nn.AvgPool does by default (count_include_pad=True)");
        }

        if (padded is not null)
        {
            // The zeros the Pad added are values the mean counts: PyTorch's count_include_pad=True.
            if (padded.Length != 2 * rank || layer.Padding != 0)
            {
                return (null, $"the Pad before it adds [{string.Join(", ", padded)}] to its input, and it pads too or pools over another number of axes; StaticNet's AvgPool has one padding");
            }

            for (int i = 0; i < padded.Length; i++)
            {
                if (padded[i] != padded[0])
                {
                    return (null, $"the Pad before it adds [{string.Join(", ", padded)}] (begins, then ends): not the same at both ends of every axis, as StaticNet's AvgPool pads");
                }
            }

            if (padded[0] is < 0 or > int.MaxValue)
            {
                return (null, $"the Pad before it adds {padded[0]} (at least 0 expected)");
            }

            layer.Padding = (int)padded[0];
        }

        return (layer, null);
    }

    /// <summary>
    /// Reads a convolution's or pool's kernel_shape, strides, pads and dilations into <paramref name="layer"/>: each the
    /// same along every spatial axis, the pads the same at both ends (StaticNet has one size of each).
    /// </summary>
    /// <param name="node">The Conv, MaxPool or AveragePool.</param>
    /// <param name="rank">Its spatial axes: 1 or 2.</param>
    /// <param name="layer">The layer the sizes are written into.</param>
    /// <param name="kernel">The kernel size W says, or −1 when kernel_shape alone gives it.</param>
    /// <param name="dilations">Whether the operator has dilations (Conv and MaxPool).</param>
    private static string? Window(OnnxNode node, int rank, OnnxLayer layer, int kernel, bool dilations)
    {
        string autoPad = node.Attribute("auto_pad")?.String ?? "NOTSET";
        if (autoPad != "NOTSET")
        {
            return $"its auto_pad is '{SafetensorsMessages.Shown(autoPad)}'; StaticNet reads explicit pads (auto_pad NOTSET, as PyTorch exports)";
        }

        if (Uniform(node, "kernel_shape", rank, kernel < 0 ? 0 : kernel, out long k) is { } kernelProblem)
        {
            return kernelProblem;
        }

        if (kernel >= 0 && k != kernel)
        {
            return $"its kernel_shape ({k}) is not the size of its W ({kernel})";
        }

        if (k < 1 || k > int.MaxValue)
        {
            return $"its kernel_shape is {k} (at least 1 expected)";
        }

        layer.KernelSize = (int)k;
        if (Uniform(node, "strides", rank, 1, out long stride) is { } strideProblem)
        {
            return strideProblem;
        }

        if (stride is < 1 or > int.MaxValue)
        {
            return $"its strides are {stride} (at least 1 expected)";
        }

        layer.Stride = (int)stride;
        if (dilations)
        {
            if (Uniform(node, "dilations", rank, 1, out long dilation) is { } dilationProblem)
            {
                return dilationProblem;
            }

            if (dilation is < 1 or > int.MaxValue)
            {
                return $"its dilations are {dilation} (at least 1 expected)";
            }

            if (layer.Kind is OnnxLayerKind.MaxPool1d or OnnxLayerKind.MaxPool2d && dilation != 1)
            {
                return $"its dilations are {dilation}; StaticNet's MaxPool has none";
            }

            layer.Dilation = (int)dilation;
        }

        if (node.Attribute("pads") is { Type: OnnxAttributeType.Ints } pads)
        {
            IReadOnlyList<long> p = pads.Ints;
            if (p.Count != 2 * rank)
            {
                return $"its pads have {p.Count} values ({2 * rank} expected: the begins, then the ends of each spatial axis)";
            }

            for (int i = 0; i < rank; i++)
            {
                if (p[i] != p[i + rank])
                {
                    return $"its pads [{string.Join(", ", p)}] are asymmetric (axis {i + 2} is padded by {p[i]} before and {p[i + rank]} after); StaticNet pads both ends alike, as PyTorch's padding does";
                }

                if (p[i] != p[0])
                {
                    return $"its pads [{string.Join(", ", p)}] differ between the spatial axes; StaticNet has one padding for all of them";
                }
            }

            if (p[0] is < 0 or > int.MaxValue)
            {
                return $"its pads are {p[0]} (at least 0 expected)";
            }

            layer.Padding = (int)p[0];
        }

        return null;
    }

    /// <summary>An ints attribute with one value per spatial axis, all equal (or absent: <paramref name="fallback"/>).</summary>
    private static string? Uniform(OnnxNode node, string name, int rank, long fallback, out long value)
    {
        value = fallback;
        if (node.Attribute(name) is not { } attribute)
        {
            return null;
        }

        if (attribute.Type != OnnxAttributeType.Ints || attribute.Ints.Count != rank)
        {
            return $"its {name} is not {rank} integer{(rank == 1 ? string.Empty : "s")}, one per spatial axis";
        }

        for (int i = 1; i < rank; i++)
        {
            if (attribute.Ints[i] != attribute.Ints[0])
            {
                return $"its {name} [{string.Join(", ", attribute.Ints)}] differ between the axes; StaticNet has one size for all of them";
            }
        }

        value = attribute.Ints[0];
        return null;
    }

    private static (OnnxLayer?, string?) Simple(OnnxNode node, OnnxLayerKind kind) => (new OnnxLayer(kind, node), null);

    private static OnnxTensorInfo? Matrix(OnnxModel model, string name)
        => model.Initializer(name) is { IsFloat: true, External: false, Dims.Count: 2 } tensor && tensor.Dims[0] <= int.MaxValue && tensor.Dims[1] <= int.MaxValue ? tensor : null;

    private static OnnxTensorInfo? Vector(OnnxModel model, string name)
        => model.Initializer(name) is { IsFloat: true, External: false, Dims.Count: 1 } tensor && tensor.Dims[0] <= int.MaxValue ? tensor : null;

    private static bool IsBias(OnnxModel model, string name, int outputs)
        => model.Initializer(name) is { IsFloat: true, External: false } tensor
            && ((tensor.Dims.Count == 1 && tensor.Dims[0] == outputs) || (tensor.Dims.Count == 2 && tensor.Dims[0] == 1 && tensor.Dims[1] == outputs));

    private static float FloatAttribute(OnnxNode node, string name, float fallback)
        => node.Attribute(name) is { Type: OnnxAttributeType.Float } attribute ? attribute.Float : fallback;

    private static long IntAttribute(OnnxNode node, string name, long fallback)
        => node.Attribute(name) is { Type: OnnxAttributeType.Int } attribute ? attribute.Int : fallback;

    private static OnnxMapping Fail(OnnxNode? node, string problem)
        => new(null, new OnnxMappingError(node, node is null ? $"The ONNX graph does not map to StaticNet layers: {problem}." : $"ONNX {node.Describe()} does not map to a StaticNet layer: {problem}."));
}
