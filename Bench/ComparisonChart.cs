using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace StaticNet.Bench;

/// <summary>
/// The network comparison as an SVG bar chart: one-thread GFLOP/s of every contender, one panel per network, one
/// group of bars per batch size, on one scale so that panels compare. The bounds measured in the same run are drawn
/// over the bars: the FP32 peak of one core, and at batch 1 the rate at which reading the weights once from L2 (or L3,
/// for weights that do not fit in L2) would run the network. Every bar carries its value as text and a tooltip with
/// its time; the title and description make the chart readable without the picture.
/// </summary>
internal static class ComparisonChart
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The one-thread contenders, as the README's table lists them, with their short names and colours.</summary>
    /// <remarks>The Okabe–Ito palette: its colours stay apart for the common kinds of colour blindness.</remarks>
    private static readonly (string Contender, string Name, string Colour)[] Bars =
    [
        (nameof(NetworkBenchmarks.StaticNet), "StaticNet", "#0072B2"),
        (nameof(NetworkBenchmarks.OnnxRuntime), "ONNX Runtime", "#E69F00"),
        ("TorchSharp", "TorchSharp", "#CC79A7"),
        (nameof(NetworkBenchmarks.TensorPrimitives), "TensorPrimitives", "#009E73"),
        (nameof(NetworkBenchmarks.Naive), "naive C# loops", "#999999"),
    ];

    // Layout, in pixels: a gutter for the contenders' names, then one panel per network.
    private const double GutterRight = 130, PanelLeft = 140, PanelWidth = 300, PanelGap = 60;
    private const double BarPitch = 16, BarHeight = 12, GroupHeader = 20, GroupGap = 10, Top = 152;

    /// <summary>The SVG text; <paramref name="source"/> names the results it was drawn from, for the footer.</summary>
    public static string Write(ComparisonResults results, string source)
    {
        string[] networks = [.. results.Networks];
        int[] batches = [.. results.Cases.Select(c => c.Batch).Distinct().Order()];
        var bars = Bars.Where(b => results.Cases.Any(c => c.Contender == b.Contender)).ToArray();
        var peak = results.Fp32Peak;

        double largest = results.Cases.Where(c => bars.Any(b => b.Contender == c.Contender)).Select(c => c.Gflops)
            .Append(peak?.Median ?? 0).Max();
        double step = TickStep(largest);
        double axisMax = Math.Ceiling(largest / step) * step;
        double X(int column, double gflops) => PanelLeft + column * (PanelWidth + PanelGap) + PanelWidth * gflops / axisMax;

        double groupHeight = GroupHeader + bars.Length * BarPitch + GroupGap;
        double bottom = Top + batches.Length * groupHeight;
        double height = bottom + 70;
        double width = PanelLeft + networks.Length * (PanelWidth + PanelGap) + 20;

        var svg = new StringBuilder();
        void Line(string text) => svg.Append(text).Append('\n');
        string title = $"Forward pass on one thread, GFLOP/s, per network and batch size: {string.Join(", ", bars.Select(b => b.Name))}";
        Line(string.Create(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:F0}\" height=\"{height:F0}\" viewBox=\"0 0 {width:F0} {height:F0}\" role=\"img\" aria-labelledby=\"chart-title chart-desc\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif\">"));
        Line($"<title id=\"chart-title\">{Escape(title)}</title>");
        Line($"<desc id=\"chart-desc\">{Escape(Description(results, networks, batches, bars))}</desc>");
        Line("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");

        // Heading, the machine, and the key to the two kinds of bound line.
        Line($"<text x=\"12\" y=\"26\" font-size=\"16\" font-weight=\"bold\" fill=\"#222\">{Escape("Forward pass on one thread, GFLOP/s (longer is faster)")}</text>");
        Line($"<text x=\"12\" y=\"46\" font-size=\"12\" fill=\"#444\">{Escape($"Measured {results.Measured} on {results.Cpu}, {results.Cores} cores; {results.Runtime}.")}</text>");
        Line("<text x=\"12\" y=\"62\" font-size=\"12\" fill=\"#444\">The same weights and inputs for every contender; each bar is labelled with its GFLOP/s.</text>");
        if (peak is not null)
        {
            Line("<line x1=\"12\" y1=\"80\" x2=\"36\" y2=\"80\" stroke=\"#333\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
            Line(string.Create(Inv, $"<text x=\"42\" y=\"84\" font-size=\"12\" fill=\"#444\">FP32 peak of one core, measured in the same run: {peak.Median:F1} GFLOP/s</text>"));
        }

        if (batches.Contains(1) && networks.Any(n => StreamingRate(results, n) is not null))
        {
            Line("<line x1=\"12\" y1=\"98\" x2=\"36\" y2=\"98\" stroke=\"#333\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>");
            Line("<text x=\"42\" y=\"102\" font-size=\"12\" fill=\"#444\">batch 1: the rate if reading the weights once were the only cost (from L2, or from L3 where they do not fit in L2)</text>");
        }

        for (int column = 0; column < networks.Length; column++)
        {
            string network = networks[column];
            var shape = Model.Shape(network);
            double left = X(column, 0);
            Line(string.Create(Inv, $"<text x=\"{left:F1}\" y=\"130\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">{Escape($"{network}: {shape[0].Inputs}→{string.Join("→", shape.Select(s => s.Outputs))}")}</text>"));
            Line(string.Create(Inv, $"<text x=\"{left:F1}\" y=\"145\" font-size=\"11\" fill=\"#555\">{Model.Flop(network):N0} FLOP, {Model.Bytes(network):N0} B of weights per sample</text>"));

            // Grid and axis: a light line per tick, labels under the last group.
            for (double tick = 0; tick <= axisMax + step / 2; tick += step)
            {
                double x = X(column, tick);
                string colour = tick == 0 ? "#888" : "#e3e3e3";
                Line(string.Create(Inv, $"<line x1=\"{x:F1}\" y1=\"{Top:F1}\" x2=\"{x:F1}\" y2=\"{bottom:F1}\" stroke=\"{colour}\" stroke-width=\"1\"/>"));
                Line(string.Create(Inv, $"<text x=\"{x:F1}\" y=\"{bottom + 14:F1}\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">{tick:0.##}</text>"));
            }
        }

        // The bounds go under the bars and their values, which carry a white outline to stay legible where they cross.
        if (peak is not null)
        {
            for (int column = 0; column < networks.Length; column++)
            {
                double x = X(column, peak.Median);
                Line(string.Create(Inv, $"<line x1=\"{x:F1}\" y1=\"{Top:F1}\" x2=\"{x:F1}\" y2=\"{bottom:F1}\" stroke=\"#333\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>FP32 peak of one core: {peak.Median:F1} GFLOP/s</title></line>"));
            }
        }

        for (int g = 0; g < batches.Length; g++)
        {
            int batch = batches[g];
            double groupTop = Top + g * groupHeight;
            for (int column = 0; column < networks.Length && batch == 1; column++)
            {
                if (StreamingRate(results, networks[column]) is (double rate, string level))
                {
                    double x = X(column, rate);
                    Line(string.Create(Inv, $"<line x1=\"{x:F1}\" y1=\"{groupTop + GroupHeader - 4:F1}\" x2=\"{x:F1}\" y2=\"{groupTop + GroupHeader + bars.Length * BarPitch:F1}\" stroke=\"#333\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"><title>{Escape($"{networks[column]}, batch 1: reading the weights once from {level} allows {rate:F1} GFLOP/s")}</title></line>"));
                    Line(string.Create(Inv, $"<text x=\"{x + 4:F1}\" y=\"{groupTop + 14:F1}\" font-size=\"11\" fill=\"#333\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">weights read once from {level}: {rate:F1}</text>"));
                }
            }

            Line(string.Create(Inv, $"<text x=\"12\" y=\"{groupTop + 15:F1}\" font-size=\"12\" font-weight=\"bold\" fill=\"#222\">batch {batch}</text>"));
            for (int i = 0; i < bars.Length; i++)
            {
                double y = groupTop + GroupHeader + i * BarPitch;
                Line(string.Create(Inv, $"<text x=\"{GutterRight:F1}\" y=\"{y + BarHeight - 2:F1}\" font-size=\"11\" fill=\"#333\" text-anchor=\"end\">{Escape(bars[i].Name)}</text>"));
            }

            for (int column = 0; column < networks.Length; column++)
            {
                string network = networks[column];
                for (int i = 0; i < bars.Length; i++)
                {
                    if (results.Find(network, batch, bars[i].Contender) is not ContenderCase c)
                    {
                        continue;
                    }

                    double y = groupTop + GroupHeader + i * BarPitch;
                    double end = X(column, c.Gflops);
                    string tooltip = string.Create(Inv, $"{ComparisonReport.Label(c.Contender, results.Cores, markdown: false)}, {network}, batch {batch}: {ComparisonReport.Time(c.MedianNs / batch)} per sample, {c.Gflops:F1} GFLOP/s");
                    Line(string.Create(Inv, $"<rect x=\"{X(column, 0):F1}\" y=\"{y:F1}\" width=\"{end - X(column, 0):F1}\" height=\"{BarHeight:F0}\" fill=\"{bars[i].Colour}\"><title>{Escape(tooltip)}</title></rect>"));
                    string weight = c.Contender == nameof(NetworkBenchmarks.StaticNet) ? " font-weight=\"bold\"" : "";
                    Line(string.Create(Inv, $"<text x=\"{end + 4:F1}\" y=\"{y + BarHeight - 2:F1}\" font-size=\"11\" fill=\"#222\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\"{weight}>{c.Gflops:F1}</text>"));
                }
            }
        }

        double axisCentre = PanelLeft + (networks.Length * (PanelWidth + PanelGap) - PanelGap) / 2;
        Line(string.Create(Inv, $"<text x=\"{axisCentre:F1}\" y=\"{bottom + 34:F1}\" font-size=\"12\" fill=\"#333\" text-anchor=\"middle\">GFLOP/s on one thread: 2 × multiply-adds per sample × samples per second (median time)</text>"));
        Line(string.Create(Inv, $"<text x=\"12\" y=\"{bottom + 58:F1}\" font-size=\"11\" fill=\"#666\">{Escape($"Drawn by StaticNet's Bench from {source}. Times, two-thread results and allocations: docs/benchmarks.md.")}</text>"));
        Line("</svg>");
        return svg.ToString();
    }

    /// <summary>
    /// GFLOP/s the network would reach at batch 1 if reading its weights once were the only cost: from L2 where they
    /// fit (or where L2's size is unknown), from L3 where they do not.
    /// </summary>
    private static (double Rate, string Level)? StreamingRate(ComparisonResults results, string network)
    {
        bool fromL3 = results.WeightsFitInL2(network) == false;
        Bound? read = fromL3 ? results.L3Read : results.L2Read;
        return read is null ? null : (Model.Flop(network) / (Model.Bytes(network) / read.Median), fromL3 ? "L3" : "L2");
    }

    /// <summary>The chart in words, for screen readers and anyone without the picture.</summary>
    private static string Description(ComparisonResults results, string[] networks, int[] batches, (string Contender, string Name, string Colour)[] bars)
    {
        var text = new StringBuilder(string.Create(Inv,
            $"Bar chart of one-thread throughput in GFLOP/s (higher is faster), measured {results.Measured} on {results.Cpu}."));
        if (results.Fp32Peak is Bound peak)
        {
            text.Append(string.Create(Inv, $" FP32 peak of one core: {peak.Median:F1} GFLOP/s."));
        }

        foreach (string network in networks)
        {
            if (StreamingRate(results, network) is (double rate, string level))
            {
                text.Append(string.Create(Inv, $" {network} at batch 1 reading its weights once from {level}: {rate:F1} GFLOP/s."));
            }

            foreach (int batch in batches)
            {
                var values = bars.Select(b => results.Find(network, batch, b.Contender) is ContenderCase c ? string.Create(Inv, $"{b.Name} {c.Gflops:F1}") : null)
                    .OfType<string>().ToList();
                if (values.Count > 0)
                {
                    text.Append(string.Create(Inv, $" {network}, batch {batch}: {string.Join(", ", values)}."));
                }
            }
        }

        return text.ToString();
    }

    /// <summary>A round step (1, 2 or 5 times a power of ten) that cuts 0..<paramref name="largest"/> into at most 6 ticks.</summary>
    private static double TickStep(double largest)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(largest, 1e-9) / 6)));
        foreach (double factor in new[] { 1.0, 2.0, 5.0, 10.0 })
        {
            if (largest / (factor * power) <= 6)
            {
                return factor * power;
            }
        }

        return 10 * power;
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal);
}
