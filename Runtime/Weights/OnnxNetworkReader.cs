using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;

namespace StaticNet.Weights;

/// <summary>
/// An ONNX model seen as the tensors of the declared layers: its operator sequence checked against them, and each
/// layer's initializers offered under the names the network reads (<c>"{prefix}.weight"</c>, <c>.bias</c>,
/// <c>.running_mean</c>, <c>.running_var</c>), Dense weights as (outputs, inputs) with Gemm's alpha and beta folded in,
/// convolution weights as ONNX stores them, (out, in / group, k[, k]), which is PyTorch's layout.
/// </summary>
/// <remarks>For generated code (a network's <c>LoadOnnx</c>), so it is hidden from IntelliSense and may change in any version.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct OnnxNetworkReader : ITensorSource
{
    private readonly OnnxReader _reader;
    private readonly Dictionary<string, OnnxLayer>? _layers;
    private readonly string[]? _names;

    private OnnxNetworkReader(OnnxReader reader, Dictionary<string, OnnxLayer> layers, string[] names)
    {
        _reader = reader;
        _layers = layers;
        _names = names;
    }

    /// <summary>The tensors the declared layers read, under their StaticNet names.</summary>
    public IReadOnlyList<string> TensorNames => _names ?? throw NotOpened();

    private Dictionary<string, OnnxLayer> Layers => _layers ?? throw NotOpened();

    /// <summary>Parses the model, maps its graph to layers and checks them against the declared ones.</summary>
    /// <param name="file">The whole .onnx file. It must stay unchanged while the reader is used.</param>
    /// <param name="declared">The network's layers, in order.</param>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid ONNX model, its graph does not map to StaticNet layers, or the layers differ from the
    /// declared ones; the message names the ONNX node and the declared layer.
    /// </exception>
    public static OnnxNetworkReader Open(ReadOnlySpan<byte> file, params DeclaredLayer[] declared)
    {
        ArgumentNullException.ThrowIfNull(declared);
        OnnxReader reader = OnnxReader.Open(file);
        OnnxMapping mapping = reader.MapLayers();
        if (mapping.Error is { } error)
        {
            throw new InvalidDataException(error.Message);
        }

        if (OnnxNetworkCheck.Match(mapping.Layers!, declared, out OnnxLayer?[] byPosition) is { } difference)
        {
            throw new InvalidDataException($"The ONNX model does not match the declared layers: {difference}.");
        }

        var layers = new Dictionary<string, OnnxLayer>(StringComparer.Ordinal);
        var names = new List<string>();
        for (int i = 0; i < declared.Length; i++)
        {
            if (byPosition[i] is not { } layer)
            {
                continue;
            }

            layers[declared[i].Prefix] = layer;
            foreach (string tensor in TensorsOf(layer))
            {
                names.Add(declared[i].Prefix + "." + tensor);
            }
        }

        return new OnnxNetworkReader(reader, layers, [.. names]);
    }

    /// <inheritdoc/>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Find(name, out _, out _);
    }

    /// <inheritdoc/>
    public bool TryGetShape(string name, [NotNullWhen(true)] out long[]? shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        shape = Find(name, out OnnxLayer? layer, out string? tensor)
            ? layer.Kind == OnnxLayerKind.Dense && tensor == "weight" ? [layer.Outputs, layer.Inputs]
                : layer.Kind is OnnxLayerKind.Conv1d or OnnxLayerKind.Conv2d && tensor == "weight" ? [.. _reader.Model.Initializer(layer.Weight!)!.Dims]
                : [layer.Outputs]
            : null;
        return shape is not null;
    }

    /// <inheritdoc/>
    public float[] ReadTensor(string name, params ReadOnlySpan<int> expectedShape)
    {
        TensorReadErrors.CheckRequest(name, expectedShape);
        if (!Find(name, out OnnxLayer? layer, out string? tensor))
        {
            throw TensorReadErrors.Missing(name, expectedShape, "float", TensorNames);
        }

        TryGetShape(name, out long[]? shape);
        if (!TensorReadErrors.ShapeEquals(shape!, expectedShape))
        {
            throw TensorReadErrors.Mismatch(name, expectedShape, "float", "float", shape!);
        }

        if (layer.Kind == OnnxLayerKind.Dense)
        {
            return tensor == "weight" ? _reader.ReadDenseWeight(layer) : _reader.ReadDenseBias(layer)!;
        }

        string initializer = tensor switch
        {
            "weight" => layer.Weight!,
            "bias" => layer.Bias!,
            "running_mean" => layer.Mean!,
            _ => layer.Variance!,
        };
        return _reader.ReadTensor(initializer, expectedShape);
    }

    private bool Find(string name, [NotNullWhen(true)] out OnnxLayer? layer, [NotNullWhen(true)] out string? tensor)
    {
        int dot = name.LastIndexOf('.');
        if (dot > 0 && Layers.TryGetValue(name[..dot], out layer) && Array.IndexOf(TensorsOf(layer), name[(dot + 1)..]) >= 0)
        {
            tensor = name[(dot + 1)..];
            return true;
        }

        layer = null;
        tensor = null;
        return false;
    }

    private static string[] TensorsOf(OnnxLayer layer) => layer.Kind switch
    {
        OnnxLayerKind.Dense or OnnxLayerKind.Conv1d or OnnxLayerKind.Conv2d => layer.Bias is null ? ["weight"] : ["weight", "bias"],
        OnnxLayerKind.BatchNorm => ["weight", "bias", "running_mean", "running_var"],
        OnnxLayerKind.LayerNorm => ["weight", "bias"],
        _ => [],
    };

    private static InvalidOperationException NotOpened() => new("This reader was not created by OnnxNetworkReader.Open.");
}
