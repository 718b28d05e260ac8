// Shared source: compiled into the runtime (net10.0) and linked into the source generator (netstandard2.0), so the
// operator sequence of an ONNX model is checked against the declared layers by the same code at compile time
// ([Weights]) and at run time (LoadOnnx). Uses only APIs both have.
using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>
/// One layer as the network's attributes declare it, in the terms an ONNX graph is compared in: its kind (the attribute
/// name), sizes and options, its position and the prefix its tensors are read under.
/// </summary>
/// <remarks>For generated code (a network's <c>LoadOnnx</c>), so it is hidden from IntelliSense and may change in any version.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class DeclaredLayer
{
    private DeclaredLayer(int position, string kind, string prefix, string display)
    {
        Position = position;
        Kind = kind;
        Prefix = prefix;
        Display = display;
    }

    /// <summary>The layer's position in the attribute list (every layer attribute counts).</summary>
    public int Position { get; }

    /// <summary>The attribute's name: "Dense", "BatchNorm", "ReLU", …</summary>
    public string Kind { get; }

    /// <summary>What its tensors are read under: its Name, or its position.</summary>
    public string Prefix { get; }

    /// <summary>The layer as declared, for messages: "Dense(784, 128)".</summary>
    public string Display { get; }

    /// <summary>Dense: input features; norms: features; convolutions: input channels.</summary>
    public int Inputs { get; private set; }

    /// <summary>Dense: output features; norms: features; convolutions: output channels.</summary>
    public int Outputs { get; private set; }

    /// <summary>Dense and convolutions: whether it has a bias.</summary>
    public bool HasBias { get; private set; }

    /// <summary>Convolutions and pools: the kernel size.</summary>
    public int KernelSize { get; private set; }

    /// <summary>Convolutions and pools: the stride in effect (a pool's default is its kernel size).</summary>
    public int Stride { get; private set; }

    /// <summary>Convolutions and pools: the zero padding at each end.</summary>
    public int Padding { get; private set; }

    /// <summary>Convolutions: the dilation.</summary>
    public int Dilation { get; private set; }

    /// <summary>Convolutions: the channel groups.</summary>
    public int Groups { get; private set; }

    /// <summary>Norms: ε; LeakyReLU: the slope; ELU: alpha; Softplus: beta.</summary>
    public float Parameter { get; private set; }

    /// <summary>Softplus: the threshold.</summary>
    public float Threshold { get; private set; }

    /// <summary>GELU: "none" or "tanh".</summary>
    public string? Approximate { get; private set; }

    /// <summary>Whether the layer is the identity at inference (Dropout), which an ONNX graph leaves out.</summary>
    public bool IsIdentity { get; private set; }

    /// <summary><c>[Dense(inputs, outputs)]</c>.</summary>
    public static DeclaredLayer Dense(int position, string prefix, int inputs, int outputs, bool bias)
        => new(position, "Dense", prefix, bias ? $"Dense({inputs}, {outputs})" : $"Dense({inputs}, {outputs}, Bias = false)")
        {
            Inputs = inputs,
            Outputs = outputs,
            HasBias = bias,
        };

    /// <summary><c>[BatchNorm(features)]</c> or <c>[LayerNorm(features)]</c>.</summary>
    /// <param name="position">The layer's position.</param>
    /// <param name="kind">"BatchNorm" or "LayerNorm".</param>
    /// <param name="prefix">Its Name, or its position.</param>
    /// <param name="features">Features per sample.</param>
    /// <param name="epsilon">ε.</param>
    public static DeclaredLayer Norm(int position, string kind, string prefix, int features, float epsilon)
        => new(position, kind, prefix, epsilon == 1e-5f ? $"{kind}({features})" : $"{kind}({features}, Epsilon = {Number(epsilon)})")
        {
            Inputs = features,
            Outputs = features,
            Parameter = epsilon,
        };

    /// <summary>An element-wise activation or Softmax with its arguments as declared (LeakyReLU's slope, ELU's alpha, Softplus' beta and threshold).</summary>
    public static DeclaredLayer Activation(int position, string kind, params float[] arguments)
    {
        string display = arguments.Length == 0 ? kind : $"{kind}({string.Join(", ", Array.ConvertAll(arguments, Number))})";
        return new(position, kind, position.ToString(CultureInfo.InvariantCulture), display)
        {
            Parameter = arguments.Length > 0 ? arguments[0] : 0f,
            Threshold = arguments.Length > 1 ? arguments[1] : 0f,
        };
    }

    /// <summary><c>[GELU]</c> with its Approximate ("none" or "tanh").</summary>
    public static DeclaredLayer Gelu(int position, string approximate)
        => new(position, "GELU", position.ToString(CultureInfo.InvariantCulture), approximate == "tanh" ? "GELU(Approximate = \"tanh\")" : "GELU")
        {
            Approximate = approximate,
        };

    /// <summary><c>[Dropout(p)]</c>: the identity at inference, with no ONNX node to match.</summary>
    public static DeclaredLayer Dropout(int position, string display)
        => new(position, "Dropout", position.ToString(CultureInfo.InvariantCulture), display) { IsIdentity = true };

    /// <summary><c>[Conv1d(in, out, k)]</c> or <c>[Conv2d(in, out, k)]</c> with its options.</summary>
    /// <param name="position">The layer's position.</param>
    /// <param name="kind">"Conv1d" or "Conv2d".</param>
    /// <param name="prefix">Its Name, or its position.</param>
    /// <param name="display">The layer as declared.</param>
    /// <param name="channels">Input and output channels.</param>
    /// <param name="window">Kernel size, stride, padding, dilation.</param>
    /// <param name="groups">Channel groups.</param>
    /// <param name="bias">Whether it has a bias.</param>
    public static DeclaredLayer Convolution(int position, string kind, string prefix, string display, (int In, int Out) channels, (int Kernel, int Stride, int Padding, int Dilation) window, int groups, bool bias)
        => new(position, kind, prefix, display)
        {
            Inputs = channels.In,
            Outputs = channels.Out,
            KernelSize = window.Kernel,
            Stride = window.Stride,
            Padding = window.Padding,
            Dilation = window.Dilation,
            Groups = groups,
            HasBias = bias,
        };

    /// <summary><c>[MaxPool1d(k)]</c>, <c>[AvgPool2d(k)]</c>, …: the stride in effect (the kernel size when not declared) and the padding.</summary>
    public static DeclaredLayer Pooling(int position, string kind, string display, int kernelSize, int stride, int padding)
        => new(position, kind, position.ToString(CultureInfo.InvariantCulture), display)
        {
            KernelSize = kernelSize,
            Stride = stride,
            Padding = padding,
            Dilation = 1,
            Groups = 1,
        };

    /// <summary>A layer no ONNX operator maps to.</summary>
    public static DeclaredLayer Other(int position, string kind, string display)
        => new(position, kind, position.ToString(CultureInfo.InvariantCulture), display);

    /// <summary>The kernel_shape, strides or pads that differ, as the ONNX node has them (a Pad before an AveragePool counted as its pads).</summary>
    private static string? WindowDifference(OnnxLayer onnx, DeclaredLayer layer)
        => onnx.KernelSize != layer.KernelSize ? $"attribute kernel_shape = {onnx.KernelSize}"
            : onnx.Stride != layer.Stride ? $"attribute strides = {onnx.Stride}"
            : onnx.Padding != layer.Padding ? $"attribute pads = {onnx.Padding}"
            : null;

    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// Compares the layers an ONNX graph maps to (<see cref="OnnxLayerMapping"/>) with the declared ones, in order.
/// </summary>
/// <remarks>
/// Declared Dropout layers have no counterpart (PyTorch exports none in eval mode; ONNX Dropout and Identity map to no
/// layer). Convolutions and pools must agree in channels, kernel size, stride, padding, dilation, groups and bias. A Flatten node before the first Dense or norm, with no declared Flatten there, is left out too: the network's
/// input is already a row of features. Everything else must agree: the kind, Dense sizes and whether it has a bias, a
/// norm's width and ε, LeakyReLU's slope and ELU's alpha (ONNX's alpha), GELU's approximation, Softplus' beta (ONNX's is
/// 1; the threshold must be at least 20, where PyTorch's and ONNX's differ by less than float rounding).
/// <para>For generated code and the generator, so it is hidden from IntelliSense and may change in any version.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OnnxNetworkCheck
{
    /// <summary>
    /// Pairs each declared layer with its ONNX layer, or says where they first differ, naming the ONNX node, its
    /// attribute or initializer, and the declared layer.
    /// </summary>
    /// <param name="mapped">The ONNX graph's layers.</param>
    /// <param name="declared">The declared layers, in order.</param>
    /// <param name="byPosition">For each declared layer (by index into <paramref name="declared"/>), its ONNX layer; null for Dropout.</param>
    /// <returns>Null when they agree, otherwise what differs.</returns>
    public static string? Match(IReadOnlyList<OnnxLayer> mapped, IReadOnlyList<DeclaredLayer> declared, out OnnxLayer?[] byPosition)
    {
        if (mapped is null)
        {
            throw new ArgumentNullException(nameof(mapped));
        }

        if (declared is null)
        {
            throw new ArgumentNullException(nameof(declared));
        }

        byPosition = new OnnxLayer?[declared.Count];
        int m = 0;
        bool sawFeatures = false;
        for (int d = 0; d < declared.Count; d++)
        {
            DeclaredLayer layer = declared[d];
            if (layer.IsIdentity)
            {
                continue;
            }

            // A leading Flatten the declaration does not have: the input is flat already.
            while (m < mapped.Count && mapped[m].Kind == OnnxLayerKind.Flatten && layer.Kind != "Flatten" && !sawFeatures)
            {
                m++;
            }

            if (m == mapped.Count)
            {
                return $"layer {layer.Position} is declared {layer.Display}, but the ONNX graph has no more layers after {(mapped.Count == 0 ? "its input" : mapped[mapped.Count - 1].Node.Describe())}";
            }

            OnnxLayer onnx = mapped[m];
            if (Difference(onnx, layer) is { } difference)
            {
                return $"ONNX {onnx.Node.Describe()} is {onnx.Describe()} ({difference}), but layer {layer.Position} is declared {layer.Display}";
            }

            sawFeatures |= onnx.Kind is not (OnnxLayerKind.Flatten or OnnxLayerKind.ReLU or OnnxLayerKind.LeakyReLU or OnnxLayerKind.Sigmoid or OnnxLayerKind.Tanh
                or OnnxLayerKind.Softmax or OnnxLayerKind.GELU or OnnxLayerKind.ELU or OnnxLayerKind.Softplus);
            byPosition[d] = onnx;
            m++;
        }

        if (m < mapped.Count)
        {
            OnnxLayer extra = mapped[m];
            return $"ONNX {extra.Node.Describe()} is {extra.Describe()}, but the declared layers end before it; declare {extra.Describe()} after the last layer";
        }

        return null;
    }

    /// <summary>Why the ONNX layer is not the declared one, naming the ONNX attribute or initializer; null when it is.</summary>
    private static string? Difference(OnnxLayer onnx, DeclaredLayer layer)
    {
        if (onnx.Kind.ToString() != layer.Kind)
        {
            return $"operator {onnx.Node.OpType}";
        }

        switch (onnx.Kind)
        {
            case OnnxLayerKind.Dense:
                string weight = $"its weight '{SafetensorsMessages.Shown(onnx.Weight ?? string.Empty)}' is " + (onnx.Node.OpType == "Gemm"
                    ? onnx.WeightIsInputsByOutputs ? $"B = (in, out) = ({onnx.Inputs}, {onnx.Outputs}), transB = 0" : $"B = (out, in) = ({onnx.Outputs}, {onnx.Inputs}), transB = 1"
                    : $"(in, out) = ({onnx.Inputs}, {onnx.Outputs})");
                if (onnx.Inputs != layer.Inputs || onnx.Outputs != layer.Outputs)
                {
                    return weight;
                }

                if ((onnx.Bias is not null) != layer.HasBias)
                {
                    return onnx.Bias is null
                        ? onnx.Node.OpType == "Gemm" ? "Gemm has no C input" : "no Add of a bias follows the MatMul"
                        : $"it adds the bias '{SafetensorsMessages.Shown(onnx.Bias)}'";
                }

                return null;
            case OnnxLayerKind.BatchNorm:
            case OnnxLayerKind.LayerNorm:
                if (onnx.Outputs != layer.Outputs)
                {
                    return $"its scale '{SafetensorsMessages.Shown(onnx.Weight ?? string.Empty)}' has {onnx.Outputs} features";
                }

                return onnx.Epsilon == layer.Parameter ? null : $"attribute epsilon = {Number(onnx.Epsilon)}";
            case OnnxLayerKind.LeakyReLU:
            case OnnxLayerKind.ELU:
                return onnx.Alpha == layer.Parameter ? null : $"attribute alpha = {Number(onnx.Alpha)}";
            case OnnxLayerKind.GELU:
                return onnx.Approximate == (layer.Approximate ?? "none") ? null : $"attribute approximate = \"{onnx.Approximate}\"";
            case OnnxLayerKind.Softplus:
                return layer.Parameter == 1f && layer.Threshold >= 20f
                    ? null
                    : "ONNX's Softplus is log(1 + exp(x)): beta 1, no threshold below 20";
            case OnnxLayerKind.Conv1d:
            case OnnxLayerKind.Conv2d:
                string w = $"its W '{SafetensorsMessages.Shown(onnx.Weight ?? string.Empty)}'";
                return onnx.Outputs != layer.Outputs ? $"{w} has {onnx.Outputs} output channels"
                    : onnx.Groups != layer.Groups ? $"attribute group = {onnx.Groups}"
                    : onnx.Inputs != layer.Inputs ? $"{w} reads {onnx.Inputs / onnx.Groups} input channels per group of {onnx.Groups}: {onnx.Inputs} input channels"
                    : WindowDifference(onnx, layer)
                    ?? (onnx.Dilation != layer.Dilation ? $"attribute dilations = {onnx.Dilation}"
                    : (onnx.Bias is not null) != layer.HasBias ? onnx.Bias is null ? "Conv has no B input" : $"it adds the bias '{SafetensorsMessages.Shown(onnx.Bias)}'"
                    : null);
            case OnnxLayerKind.MaxPool1d:
            case OnnxLayerKind.MaxPool2d:
            case OnnxLayerKind.AvgPool1d:
            case OnnxLayerKind.AvgPool2d:
                return WindowDifference(onnx, layer);
            default:
                return null;
        }
    }

    /// <summary>The kernel_shape, strides or pads that differ, as the ONNX node has them (a Pad before an AveragePool counted as its pads).</summary>
    private static string? WindowDifference(OnnxLayer onnx, DeclaredLayer layer)
        => onnx.KernelSize != layer.KernelSize ? $"attribute kernel_shape = {onnx.KernelSize}"
            : onnx.Stride != layer.Stride ? $"attribute strides = {onnx.Stride}"
            : onnx.Padding != layer.Padding ? $"attribute pads = {onnx.Padding}"
            : null;

    private static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
