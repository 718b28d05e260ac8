using System;
using System.Collections.Generic;
using System.Linq;
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
        return new NetworkSummary(lines, parameters, flop);
    }

    /// <summary>The names of the tensors the network reads, with their shapes, in layer order.</summary>
    public static IEnumerable<string> TensorsRead(NetworkSpec network)
        => network.Layers.SelectMany(l => l.Tensors()).Select(t => $"{t.Name} ({string.Join(", ", t.Shape)})");

    private static long TensorElements(NetworkSpec network)
        => network.Layers.SelectMany(l => l.Tensors()).Sum(t => t.Shape.Aggregate(1L, (product, d) => product * d));
}
