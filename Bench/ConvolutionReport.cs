using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Reports;

namespace StaticNet.Bench;

/// <summary>
/// The convolutional network's comparison as Markdown, from one run's reports of <see cref="ConvolutionBenchmarks"/>
/// (and of the FP32 peak, which <c>--filter '*Convolution*'</c> adds to the run): per batch size, every contender's
/// median time per call and per sample, GFLOP/s, % of one core's peak, how it compares with StaticNet, the bytes it
/// allocated per call and the CPU other processes used meanwhile. Same conventions as <see cref="ComparisonReport"/>.
/// </summary>
internal static class ConvolutionReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The contenders in the order of the table.</summary>
    private static readonly string[] Order =
        [nameof(ConvolutionBenchmarks.StaticNet), nameof(ConvolutionBenchmarks.StaticNetParallel), nameof(ConvolutionBenchmarks.OnnxRuntime),
         nameof(ConvolutionBenchmarks.OnnxRuntimeParallel), "TorchSharp", "TorchSharpParallel"];

    /// <summary>The report's Markdown text, or null if no convolution case produced a result.</summary>
    public static string? Write(IReadOnlyList<BenchmarkReport> reports, string torchSharp, bool quick, TimeSpan elapsed)
    {
        var cases = reports
            .Where(r => r.BenchmarkCase.Descriptor.Type == typeof(ConvolutionBenchmarks) && r.ResultStatistics is not null)
            .ToDictionary(r => (r.BenchmarkCase.Descriptor.WorkloadMethod.Name, Batch: (int)r.BenchmarkCase.Parameters[nameof(ConvolutionBenchmarks.Batch)]));
        if (cases.Count == 0)
        {
            return null;
        }

        string peakMethod = ComparisonResults.PeakMethod;
        var peakStats = reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.Type == typeof(PeakBenchmarks)
            && r.BenchmarkCase.Descriptor.WorkloadMethod.Name == peakMethod && r.ResultStatistics is not null)?.ResultStatistics;
        double? peak = peakStats is null ? null : Program.PeakFlops(peakMethod) / peakStats.Median;
        int cores = Environment.ProcessorCount;

        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        Line(string.Create(Inv, $"Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {ComparisonResults.CpuName()}, {cores} cores; .NET {Environment.Version}."));
        Line(string.Create(Inv, $"{(quick ? Program.QuickJobDescription : Program.FullJobDescription)}, {elapsed.TotalMinutes:F1} min in all. ONNX Runtime {Contenders.OnnxRuntimeContender.Version}; {torchSharp}."));
        Line(peak is null ? "FP32 peak of one core: not measured in this run." :
            string.Create(Inv, $"FP32 peak of one core ({peakMethod}, same run): **{peak:F1} GFLOP/s** median, {Program.PeakFlops(peakMethod) / peakStats!.Min:F1} best iteration."));
        Line($"Load average (1, 5, 15 minutes) at the end of the run: {AlternatingBursts.LoadAverage()}.");
        Line();
        Line(string.Create(Inv, $"### LeNet: 1×28×28 → Conv2d(1, 8, 5, pad 2), ReLU, MaxPool 2 → Conv2d(8, 16, 5), BatchNorm, ReLU, MaxPool 2 → 400→64, ReLU → 10 ({ConvolutionModel.FlopPerSample:N0} FLOP per sample)"));
        Line();
        Line("Times are medians per call. GFLOP/s counts the convolutions' and dense layers' multiply-adds as two FLOP each (pools count none). % peak: of the one-core FP32 peak above (so the parallel rows can exceed 100%).");
        Line("\"vs StaticNet\": how many times longer the contender takes than StaticNet `Forward` (one-thread contenders) or `ForwardParallel` (all-core contenders); on the `ForwardParallel` row, its speed-up over `Forward`.");
        Line();
        Line("\"Fastest\": the fastest iteration's time per call and, in brackets, how it compares with StaticNet's fastest the same way: on a loaded machine, where other processes only ever slow an iteration down, the steadier comparison.");
        Line();
        Line("| Batch | Contender | Time/call | ns/sample | GFLOP/s | % peak | vs StaticNet | Fastest | Allocated/call | Others' CPU |");
        Line("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int batch in cases.Keys.Select(k => k.Batch).Distinct().Order())
        {
            foreach (string contender in Order)
            {
                if (!cases.TryGetValue((contender, batch), out BenchmarkReport? report))
                {
                    continue;
                }

                double median = report.ResultStatistics!.Median;
                double gflops = ConvolutionModel.FlopPerSample * (double)batch / median;
                string ofPeak = peak is double p ? string.Create(Inv, $"{100 * gflops / p:F1}%") : "–";
                long? allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
                string bytes = allocated is long b and >= 0 ? string.Create(Inv, $"{b:N0} B") : "?";
                string others = MachineLoad.Read(NetworkBenchmarks.CaseName(contender, ConvolutionBenchmarks.Network, batch)) is double o ? o.ToString("F2", Inv) : "–";
                string fastest = $"{ComparisonReport.Time(report.ResultStatistics.Min)} ({Versus(cases, contender, batch, s => s.Min)})";
                Line(string.Create(Inv, $"| {batch} | {Label(contender, cores)} | {ComparisonReport.Time(median)} | {median / batch:N1} | {gflops:F1} | {ofPeak} | {Versus(cases, contender, batch, s => s.Median)} | {fastest} | {bytes} | {others} |"));
            }
        }

        Line();
        Line("Per-layer GFLOP/s and % of peak: `--conv-layers` (alternating bursts, usable on a loaded machine).");
        return md.ToString();
    }

    private static string Versus(Dictionary<(string, int), BenchmarkReport> cases, string contender, int batch, Func<BenchmarkDotNet.Mathematics.Statistics, double> time)
    {
        double? Median(string method) => cases.TryGetValue((method, batch), out BenchmarkReport? r) ? time(r.ResultStatistics!) : null;
        double? own = Median(contender);
        if (contender == nameof(ConvolutionBenchmarks.StaticNet))
        {
            return "1.00";
        }

        if (contender == nameof(ConvolutionBenchmarks.StaticNetParallel))
        {
            return Median(nameof(ConvolutionBenchmarks.StaticNet)) is double single ? string.Create(Inv, $"scaling {single / own!.Value:F2}×") : "–";
        }

        string baseline = contender.EndsWith("Parallel", StringComparison.Ordinal) ? nameof(ConvolutionBenchmarks.StaticNetParallel) : nameof(ConvolutionBenchmarks.StaticNet);
        return Median(baseline) is double b ? string.Create(Inv, $"{own!.Value / b:F2}×") : "–";
    }

    private static string Label(string contender, int cores) => contender switch
    {
        "TorchSharp" => "TorchSharp, 1 thread",
        "TorchSharpParallel" => $"TorchSharp, {cores} threads",
        _ => ComparisonReport.Label(contender, cores, markdown: true),
    };
}
