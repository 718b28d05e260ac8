using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit;

/// <summary>
/// The per-layer summary a PyTorch or Keras user expects (position, name, kind, shapes, parameters, totals),
/// written once and used three times: the generated file's header, the class's XML doc, and the
/// <c>Summary</c> constant.
/// </summary>
internal sealed class NetworkSummary
{
    private NetworkSummary(IReadOnlyList<string> lines, long parameters, long flop)
    {
        Lines = lines;
        Parameters = parameters;
        Flop = flop;
    }

    public IReadOnlyList<string> Lines { get; }

    public long Parameters { get; }

    public long Flop { get; }

    public static NetworkSummary Create(NetworkSpec network)
    {
        var rows = new List<string[]> { new[] { "#", "Name", "Layer", "Input", "Output", "Parameters" } };
        foreach (LayerSpec layer in network.Layers)
        {
            rows.Add(new[]
            {
                Literals.Int(layer.Position),
                layer.HasTensors ? layer.TensorPrefix : "-",
                layer.Display,
                layer.Input.Display,
                layer.Output.Display,
                Literals.Grouped(layer.ParameterCount),
            });
        }

        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var lines = new List<string> { $"{network.TypeName}: {network.InputSize} → {network.OutputSize}, {network.Layers.Count} layers" };
        foreach (string[] row in rows)
        {
            lines.Add(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
        }

        long parameters = network.Layers.Sum(l => l.ParameterCount);
        long flop = network.Layers.Sum(l => l.FlopPerSample);
        long weightBytes = TensorElements(network) * sizeof(float);
        lines.Add($"Total: {Literals.Grouped(parameters)} parameters, {Literals.Grouped(weightBytes)} bytes of float32 tensors, {Literals.Grouped(flop)} FLOP per sample");
        var dense = network.Layers.OfType<DenseLayer>().ToList();
        if (dense.Any(d => d.Format != StoredFormat.Float32))
        {
            // Bytes of dense weights once loaded: 4, 2 or 1 a weight, plus int8's float32 scale an output.
            long stored = dense.Sum(d => ((long)d.Inputs * d.Outputs * (StoredFormats.IsInt8(d.Format) ? 1 : d.Format == StoredFormat.BFloat16 ? 2 : 4))
                + (StoredFormats.IsInt8(d.Format) ? 4L * d.Outputs : 0));
            long asFloat32 = dense.Sum(d => 4L * d.Inputs * d.Outputs);
            lines.Add($"Dense weights stored as {string.Join(", ", dense.Select(d => $"{StoredFormats.Name(d.Format)} (layer {Literals.Int(d.Position)})"))}: {Literals.Grouped(stored)} bytes ({Literals.Grouped(asFloat32)} as float32)");
        }

        return new NetworkSummary(lines, parameters, flop);
    }

    /// <summary>The names of the tensors the network reads, with their shapes, in layer order.</summary>
    public static IEnumerable<string> TensorsRead(NetworkSpec network)
        => network.Layers.SelectMany(l => l.Tensors()).Select(t => $"{t.Name} ({string.Join(", ", t.Shape)})");

    private static long TensorElements(NetworkSpec network)
        => network.Layers.SelectMany(l => l.Tensors()).Sum(t => t.Shape.Aggregate(1L, (product, d) => product * d));
}
