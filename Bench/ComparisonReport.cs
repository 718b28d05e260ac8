using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace StaticNet.Bench;

/// <summary>
/// The network comparison as Markdown, from one run's <see cref="ComparisonResults"/>: the machine and the bounds
/// measured in the same run (the FP32 peak and the L2 and L3 read bandwidths of one core); per network and batch size,
/// every contender's time per call and per sample, GFLOP/s, % of that peak, how it compares with StaticNet and the
/// bytes it allocated per call; then how close StaticNet comes to each bound, and how it compares with each
/// contender over all cases. Times are BenchmarkDotNet medians; "fastest" figures use the fastest iteration (on a
/// shared machine other processes only ever slow an iteration down).
/// </summary>
internal static class ComparisonReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The report's Markdown text.</summary>
    public static string Write(ComparisonResults results)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');

        var peak = results.Fp32Peak;
        var l2 = results.L2Read;
        var l3 = results.L3Read;
        var cases = results.Cases;
        string minutes = results.Minutes is double m ? string.Create(Inv, $", {m:F1} min in all") : "";
        Line($"Measured {results.Measured} on {results.Cpu}, {results.Cores} cores; {results.Runtime}, {results.Os}.");
        Line($"{results.Job}{minutes}. {results.Libraries}; {results.TorchSharp}.");
        Line(peak is null ? "FP32 peak of one core: not measured in this run." :
            string.Create(Inv, $"FP32 peak of one core ({peak.Method}, same run): **{peak.Median:F1} GFLOP/s** median{Best(peak)}."));
        Line(l2 is null ? "L2 read bandwidth: not measured in this run." :
            string.Create(Inv, $"L2 read bandwidth of one core ({PeakBenchmarks.L2Bytes / 1024} KB, same run): **{l2.Median:F1} GB/s** median{Best(l2)}."));
        Line(l3 is null ? "L3 read bandwidth: not measured in this run." :
            string.Create(Inv, $"L3 read bandwidth of one core ({PeakBenchmarks.L3Bytes / (1024 * 1024)} MB, same run): **{l3.Median:F1} GB/s** median{Best(l3)}."));
        var others = cases.Where(c => c.OthersCores is not null).Select(c => c.OthersCores!.Value).ToList();
        if (others.Count > 0)
        {
            Line(string.Create(Inv, $"Other processes on the machine while the cases ran: {others.Average():F2} cores on average, cases ≥ 0.25 cores: {others.Count(o => o >= 0.25)} of {others.Count}, most {others.Max():F2}."));
        }

        Line();
        Line("Times are medians per call. GFLOP/s counts 2·Σ K·N per sample. % peak: of the one-core FP32 peak above (so the parallel rows can exceed 100%).");
        Line(string.Create(Inv, $"\"Others' CPU\": CPU time other processes used while the case ran, in cores of the {results.Cores} (from /proc/stat): a row with a high figure was slowed by them."));
        Line("\"vs StaticNet\": how many times longer the contender takes than StaticNet `Forward` (one-thread contenders) or `ForwardParallel` (ONNX Runtime's all-core variant); on the `ForwardParallel` row, its speed-up over `Forward` (1 → all cores).");

        foreach (string network in results.Networks)
        {
            var shape = Model.Shape(network);
            Line();
            Line(string.Create(Inv, $"### {network}: {shape[0].Inputs}→{string.Join("→", shape.Select(s => s.Outputs))}, softmax ({Model.Flop(network):N0} FLOP and {Model.Bytes(network):N0} bytes of weights per sample)"));
            Line();
            Line("| Batch | Contender | Time/call | ns/sample | GFLOP/s | % peak | vs StaticNet | Allocated/call | Others' CPU |");
            Line("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (int batch in cases.Where(c => c.Network == network).Select(c => c.Batch).Distinct().Order())
            {
                foreach (ContenderCase c in ComparisonResults.ContenderOrder.Select(name => results.Find(network, batch, name)).OfType<ContenderCase>())
                {
                    string ofPeak = peak is null ? "–" : string.Create(Inv, $"{100 * c.Gflops / peak.Median:F1}%");
                    string others1 = c.OthersCores is double o ? o.ToString("F2", Inv) : "–";
                    Line(string.Create(Inv, $"| {batch} | {Label(c.Contender, results.Cores, markdown: true)} | {Time(c.MedianNs)} | {c.MedianNs / batch:N1} | {c.Gflops:F1} | {ofPeak} | {Versus(results, c)} | {Bytes(c.AllocatedBytes)} | {others1} |"));
                }
            }
        }

        WriteBounds(results, Line);
        WriteContenders(results, Line);
        Line();
        Line("First-call time (JIT included) is measured in fresh processes by a separate mode: `--first-call`.");
        return md.ToString();
    }

    /// <summary>
    /// How close StaticNet's <c>Forward</c> comes to what bounds it. At batch 1 each weight is used once, so no
    /// forward pass can take less than reading the weights once: from L2 where they fit, else from L3. From batch 8 on
    /// a register block of 8 rows reuses each weight it loads, so the FMA peak bounds the time instead.
    /// </summary>
    private static void WriteBounds(ComparisonResults results, Action<string> line)
    {
        var (peak, l2, l3) = (results.Fp32Peak, results.L2Read, results.L3Read);
        line("");
        line("### What bounds each result");
        line("");
        line("At batch 1 every weight is used once, so a forward pass takes at least the time to read the weights once: from L2 where they fit, else from L3. From batch 8 on each weight loaded serves a block of rows, and the FP32 peak bounds the time.");
        line("");
        line("| Case | Bound, measured in the same run | StaticNet `Forward` | Against the bound |");
        line("|---|---|---:|---|");
        foreach (string network in results.Networks)
        {
            if (results.Find(network, 1, nameof(NetworkBenchmarks.StaticNet)) is not ContenderCase s1)
            {
                continue;
            }

            long bytes = Model.Bytes(network);
            bool? fits = results.WeightsFitInL2(network);
            if (l2 is not null)
            {
                double floor = bytes / l2.Median;
                string fastest = s1.FastestNs is double f && l2.Best is double b ? string.Create(Inv, $" (fastest iteration against the best L2 read: {f / (bytes / b):F2}×)") : "";
                string note = fits == false
                    ? string.Create(Inv, $"; {bytes / 1e6:F1} MB do not fit in one core's {results.L2CacheBytes / 1024} KB L2, so at batch 1 every contender reads them from L3 (next row)")
                    : "";
                line(string.Create(Inv,
                    $"| {network}, batch 1 | reading the {bytes:N0} B of weights from L2 at {l2.Median:F1} GB/s: {Time(floor)}{note} | {Time(s1.MedianNs)} | **{s1.MedianNs / floor:F2}×** the floor{fastest} |"));
            }

            if (fits != true && l3 is not null)
            {
                // Where the weights come from L3, the L3 stream is the floor for every contender alike; ONNX Runtime's
                // distance to it says how much faster than ONNX Runtime any forward pass could be.
                double floor = bytes / l3.Median;
                string onnx = results.Find(network, 1, nameof(NetworkBenchmarks.OnnxRuntime)) is ContenderCase o
                    ? string.Create(Inv, $"; ONNX Runtime, 1 thread: {o.MedianNs / floor:F2}×, so a forward pass at the floor would be {o.MedianNs / floor:F2}× faster than it")
                    : "";
                line(string.Create(Inv,
                    $"| {network}, batch 1 | reading the {bytes:N0} B of weights from L3 at {l3.Median:F1} GB/s: {Time(floor)} | {Time(s1.MedianNs)} | **{s1.MedianNs / floor:F2}×** the floor{onnx} |"));
            }
        }

        if (peak is not null)
        {
            foreach (ContenderCase c in results.Cases.Where(c => c.Contender == nameof(NetworkBenchmarks.StaticNet) && c.Batch >= 8))
            {
                string fastest = c.FastestNs is double f && peak.Best is double b
                    ? string.Create(Inv, $" (fastest iteration against the fastest peak: {100 * Model.Flop(c.Network) * (double)c.Batch / f / b:F0}%)")
                    : "";
                line(string.Create(Inv,
                    $"| {c.Network}, batch {c.Batch} | FP32 peak of one core: {peak.Median:F1} GFLOP/s | {c.Gflops:F1} GFLOP/s | **{100 * c.Gflops / peak.Median:F0}%** of the peak{fastest} |"));
            }
        }
    }

    /// <summary>StaticNet against each contender over every case: who is faster, by how much at least.</summary>
    private static void WriteContenders(ComparisonResults results, Action<string> line)
    {
        var cases = results.Cases;
        line("");
        line("### StaticNet against each contender");
        line("");
        line("| Comparison | Measured |");
        line("|---|---|");
        foreach (string network in results.Networks)
        {
            if (results.Find(network, 1, nameof(NetworkBenchmarks.StaticNet)) is not ContenderCase s1)
            {
                continue;
            }

            foreach (string rival in new[] { nameof(NetworkBenchmarks.OnnxRuntime), "TorchSharp" })
            {
                if (results.Find(network, 1, rival) is ContenderCase r)
                {
                    line(string.Create(Inv, $"| {network}, batch 1: {Label(rival, results.Cores, markdown: true)} | {Time(r.MedianNs)} against StaticNet's {Time(s1.MedianNs)}: **{r.MedianNs / s1.MedianNs:F2}×** as long |"));
                }
                else if (rival == "TorchSharp")
                {
                    line($"| {network}, batch 1: TorchSharp | did not run: {results.TorchSharp} |");
                }
            }
        }

        foreach (var (rival, ours) in new[]
        {
            (nameof(NetworkBenchmarks.OnnxRuntime), nameof(NetworkBenchmarks.StaticNet)),
            ("TorchSharp", nameof(NetworkBenchmarks.StaticNet)),
            (nameof(NetworkBenchmarks.OnnxRuntimeParallel), nameof(NetworkBenchmarks.StaticNetParallel)),
        })
        {
            var ratios = cases.Where(c => c.Contender == rival)
                .Select(c => (c, s: results.Find(c.Network, c.Batch, ours)))
                .Where(x => x.s is not null)
                .Select(x => (x.c.Network, x.c.Batch, Ratio: x.c.MedianNs / x.s!.MedianNs))
                .ToList();
            if (ratios.Count == 0)
            {
                continue;
            }

            var worst = ratios.MinBy(r => r.Ratio);
            line(string.Create(Inv,
                $"| Every batch: {Label(rival, results.Cores, markdown: true)} against {Label(ours, results.Cores, markdown: true)} | StaticNet faster in {ratios.Count(r => r.Ratio > 1)} of {ratios.Count} cases; smallest lead {worst.Ratio:F2}× ({worst.Network}, batch {worst.Batch}) |"));
        }

        var ownCases = cases.Where(c => c.Contender is nameof(NetworkBenchmarks.StaticNet) or nameof(NetworkBenchmarks.StaticNetParallel)).ToList();
        if (ownCases.Count > 0)
        {
            long most = ownCases.Max(c => c.AllocatedBytes ?? -1);
            line($"| Allocation, `Forward` and `ForwardParallel`, every batch | {ownCases.Count(c => c.AllocatedBytes == 0)} of {ownCases.Count} cases at 0 B/call (most: {Bytes(most)}) |");
        }

        var scaling = cases.Where(c => c.Contender == nameof(NetworkBenchmarks.StaticNetParallel))
            .Select(c => (c, s: results.Find(c.Network, c.Batch, nameof(NetworkBenchmarks.StaticNet))))
            .Where(x => x.s is not null)
            .Select(x => string.Create(Inv, $"{x.c.Network} {x.c.Batch}: {x.s!.MedianNs / x.c.MedianNs:F2}×"))
            .ToList();
        if (scaling.Count > 0)
        {
            line($"| 1 → {results.Cores} core scaling (`ForwardParallel` ÷ `Forward`; one thread below 2 MFLOP per call by design; below 16 rows, only layers over 1 MB are split) | {string.Join(", ", scaling)} |");
        }
    }

    private static string Versus(ComparisonResults results, ContenderCase c)
    {
        if (c.Contender == nameof(NetworkBenchmarks.StaticNet))
        {
            return "1.00";
        }

        if (c.Contender == nameof(NetworkBenchmarks.StaticNetParallel))
        {
            return results.Find(c.Network, c.Batch, nameof(NetworkBenchmarks.StaticNet)) is ContenderCase single
                ? string.Create(Inv, $"scaling {single.MedianNs / c.MedianNs:F2}×") : "–";
        }

        string baseline = c.Contender == nameof(NetworkBenchmarks.OnnxRuntimeParallel) ? nameof(NetworkBenchmarks.StaticNetParallel) : nameof(NetworkBenchmarks.StaticNet);
        return results.Find(c.Network, c.Batch, baseline) is ContenderCase b ? string.Create(Inv, $"{c.MedianNs / b.MedianNs:F2}×") : "–";
    }

    private static string Best(Bound bound) => bound.Best is double best ? string.Create(Inv, $", {best:F1} best iteration") : "";

    /// <summary>A contender's name for people; in Markdown StaticNet's rows are bold and name the method.</summary>
    public static string Label(string contender, int cores, bool markdown) => contender switch
    {
        nameof(NetworkBenchmarks.StaticNet) => markdown ? "**StaticNet** `Forward`" : "StaticNet Forward",
        nameof(NetworkBenchmarks.StaticNetParallel) => markdown ? $"**StaticNet** `ForwardParallel` ({cores} cores)" : $"StaticNet ForwardParallel ({cores} cores)",
        nameof(NetworkBenchmarks.OnnxRuntime) => "ONNX Runtime, 1 thread",
        nameof(NetworkBenchmarks.OnnxRuntimeParallel) => $"ONNX Runtime, {cores} threads",
        "TorchSharp" => "TorchSharp, 1 thread",
        nameof(NetworkBenchmarks.TensorPrimitives) => "TensorPrimitives",
        nameof(NetworkBenchmarks.Naive) => "naive C# loops",
        _ => contender,
    };

    /// <summary>A time in nanoseconds with the unit that keeps it short: 2.86 µs, 4.66 ms.</summary>
    public static string Time(double ns) => ns switch
    {
        < 1e3 => string.Create(Inv, $"{ns:F0} ns"),
        < 1e6 => string.Create(Inv, $"{ns / 1e3:F2} µs"),
        < 1e9 => string.Create(Inv, $"{ns / 1e6:F2} ms"),
        _ => string.Create(Inv, $"{ns / 1e9:F2} s"),
    };

    private static string Bytes(long? bytes) => bytes is long b and >= 0 ? string.Create(Inv, $"{b:N0} B") : "?";
}
