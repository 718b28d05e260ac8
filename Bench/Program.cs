using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Diagnostics;
using System.IO;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using StaticNet.Bench.Contenders;

namespace StaticNet.Bench;

/// <summary>
/// <c>dotnet run -c Release --project Bench -- [--quick] [--first-call [runs]] [--path-ab [rounds]] [--parallel-ab [rounds]] [--conv-layers [rounds]] [--conv-kernels [rounds]] [--format-ab [rounds]] [--int8-ab [rounds]] [--chart [results.json] [chart.svg]] [BenchmarkDotNet options]</c>.
/// <para>
/// Without a <c>--filter</c>: the FP32 peak and the L2 and L3 read bandwidths of one core (<see cref="PeakBenchmarks"/>) and
/// the network comparison (<see cref="NetworkBenchmarks"/>) in one run, then the comparison report with GFLOP/s, % of
/// the peak and the ratios; the report, the results as JSON and their chart are written to
/// BenchmarkDotNet.Artifacts/results/network-comparison.{md,json,svg}. The raw kernel cases run with
/// <c>--filter '*KernelBenchmarks*' '*ParallelBenchmarks*'</c>. <c>--quick</c> runs a short in-process job over fewer batch sizes
/// (under two minutes). <c>--parallel-ab</c> compares MnistNet's Forward and ForwardParallel at batch 1 in one process
/// (<see cref="ParallelBatchComparison"/>). <c>--first-call</c> times MnistNet's first calls in fresh processes. <c>--chart</c> measures
/// nothing: it redraws the chart (and prints the report) from a results file, by default docs/benchmarks.json into
/// docs/benchmarks.svg. TorchSharp is in the comparison when built and run with <c>STATICNET_BENCH_TORCH=1</c>. For
/// the AVX2 path, set <c>DOTNET_EnableAVX512=0</c>.
/// </para>
/// <para>
/// The convolutional network (<see cref="ConvolutionBenchmarks"/>, the Sample's LeNet) runs with
/// <c>--filter '*Convolution*'</c>, which also measures the FP32 peak in the same run; its report is written to
/// BenchmarkDotNet.Artifacts/results/convolution-comparison.md. <c>--conv-layers</c> measures no BenchmarkDotNet case: it
/// times each LeNet layer in alternating bursts (<see cref="ConvolutionLayers"/>).
/// </para>
/// </summary>
public static class Program
{
    /// <summary>The committed results and the chart drawn from them, relative to the repository's root.</summary>
    private const string CommittedResults = "docs/benchmarks.json", CommittedChart = "docs/benchmarks.svg";

    // The full job: three processes per case, because a process's memory layout (which L2 sets its weights land in)
    // and the neighbours of the moment move a case by several percent here; medians over three launches move less.
    private const int Launches = 3, WarmupIterations = 3, MeasuredIterations = 10, IterationMilliseconds = 150;

    /// <summary>How the full run measures each case, in words for the results file.</summary>
    internal static readonly string FullJobDescription = string.Create(CultureInfo.InvariantCulture,
        $"BenchmarkDotNet, {Launches} processes per case, each {WarmupIterations} warm-up and {MeasuredIterations} measured iterations of at least {IterationMilliseconds} ms");

    /// <summary>How <c>--quick</c> measures each case.</summary>
    internal const string QuickJobDescription = "BenchmarkDotNet --quick: one in-process launch, 2 warm-up and 5 measured iterations of 100 ms (a first look, not for publishing)";

    public static int Main(string[] args)
    {
        int chart = Array.IndexOf(args, "--chart");
        if (chart >= 0)
        {
            string[] paths = [.. args.Skip(chart + 1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal))];
            return DrawChart(paths.Length > 0 ? paths[0] : CommittedResults, paths.Length > 1 ? paths[1] : CommittedChart);
        }

        int child = Array.IndexOf(args, "--first-call-child");
        if (child >= 0)
        {
            return FirstCall.RunChild(child + 1 < args.Length ? args[child + 1] : "staticnet");
        }

        // The alternating-bursts comparisons: each runs in this process, with an optional number of rounds after it.
        (string Option, Action<int> Run, int DefaultRounds)[] comparisons =
        [
            ("--path-ab", PathComparison.Run, 200),
            ("--parallel-ab", ParallelBatchComparison.Run, 400),
            ("--conv-layers", ConvolutionLayers.Run, 200),
            ("--conv-kernels", ConvolutionLayerBenchmarks.RunBursts, 200),
            ("--format-ab", FormatComparison.Run, 200),
            ("--int8-ab", Int8Comparison.Run, 200),
        ];
        foreach (var (option, run, defaultRounds) in comparisons)
        {
            int at = Array.IndexOf(args, option);
            if (at >= 0)
            {
                run(at + 1 < args.Length && int.TryParse(args[at + 1], out int rounds) ? rounds : defaultRounds);
                return 0;
            }
        }

        int firstCall = Array.IndexOf(args, "--first-call");
        if (firstCall >= 0)
        {
            int runs = firstCall + 1 < args.Length && int.TryParse(args[firstCall + 1], out int n) ? n : 5;
            return FirstCall.RunParent(runs);
        }

        bool quick = args.Contains("--quick");
        NetworkBenchmarks.Quick = quick;
        var rest = args.Where(a => a != "--quick").ToList();
        IConfig config = DefaultConfig.Instance.AddColumn(StatisticColumn.Min, StatisticColumn.Median, new ThroughputColumn());
        string peakMethod = ComparisonResults.PeakMethod;
        if (!rest.Contains("--filter"))
        {
            rest.AddRange(["--filter", "*"]);
            config = config.AddFilter(new SimpleFilter(b =>
                b.Descriptor.Type == typeof(NetworkBenchmarks)
                || (b.Descriptor.Type == typeof(PeakBenchmarks)
                    && (b.Descriptor.WorkloadMethod.Name is nameof(PeakBenchmarks.L2Read) or nameof(PeakBenchmarks.L3Read) || b.Descriptor.WorkloadMethod.Name == peakMethod))));
        }
        else if (FilterPatterns(rest).Any(p => p.Contains("convolution", StringComparison.OrdinalIgnoreCase))
            && !FilterPatterns(rest).Any(p => p.Contains("peak", StringComparison.OrdinalIgnoreCase)))
        {
            // The convolution report gives % of the FP32 peak, so the peak is measured in the same run (its full name,
            // without wildcards, so that FmaPeak does not bring FmaPeak256 along).
            rest.Insert(rest.IndexOf("--filter") + 1, $"{typeof(PeakBenchmarks).FullName}.{peakMethod}");
        }

        string torch = TorchStatus(out bool torchRuns);
        if (!torchRuns)
        {
            config = config.AddFilter(new SimpleFilter(b => !b.Descriptor.WorkloadMethod.Name.StartsWith("TorchSharp", StringComparison.Ordinal)));
        }

        config = config.AddJob(quick
            ? Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(2).WithIterationCount(5)
                .WithIterationTime(TimeInterval.FromMilliseconds(100)).WithId("Quick")
            : Job.Default.WithLaunchCount(Launches).WithWarmupCount(WarmupIterations).WithIterationCount(MeasuredIterations)
                .WithIterationTime(TimeInterval.FromMilliseconds(IterationMilliseconds)).WithId("Full"));

        // The full job builds a project of its own; on a machine busy with other builds that takes longer than
        // BenchmarkDotNet's default two minutes.
        config = ManualConfig.Create(config).WithBuildTimeout(TimeSpan.FromMinutes(10));

        Console.WriteLine($"Vector512 accelerated: {Vector512.IsHardwareAccelerated}, Vector256 accelerated: {Vector256.IsHardwareAccelerated}");
        Console.WriteLine($"ONNX Runtime {OnnxRuntimeContender.Version}; {torch}");
        MachineLoad.Clear();
        var clock = Stopwatch.StartNew();
        IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest.ToArray(), config);
        var reports = summaries.SelectMany(s => s.Reports.Select(r => (s, r))).ToList();
        PrintSummary(reports);
        ComparisonResults? results = ComparisonResults.FromReports(reports.Select(x => x.r).ToList(), torch, quick, clock.Elapsed);
        if (results is not null)
        {
            WriteComparison(results);
        }

        string? convolution = ConvolutionReport.Write(reports.Select(x => x.r).ToList(), torch, quick, clock.Elapsed);
        if (convolution is not null)
        {
            string folder = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
            Directory.CreateDirectory(folder);
            string path = Path.Combine(folder, "convolution-comparison.md");
            File.WriteAllText(path, convolution);
            Console.WriteLine();
            Console.WriteLine(convolution);
            Console.WriteLine($"Written: {path}");
        }

        return 0;
    }

    /// <summary>The patterns given after <c>--filter</c>, up to the next option.</summary>
    private static IEnumerable<string> FilterPatterns(List<string> args)
        => args.SkipWhile(a => a != "--filter").Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal));

    /// <summary>FLOPs per call of a <see cref="PeakBenchmarks"/> FMA method.</summary>
    internal static double PeakFlops(string method) => method == nameof(PeakBenchmarks.FmaPeak) ? PeakBenchmarks.FmaFlops : PeakBenchmarks.Fma256Flops;

    /// <summary>
    /// Prints the comparison report and writes it, the results and their chart next to BenchmarkDotNet's own results.
    /// They are not written over the committed docs/benchmarks.* files: a noisy or partial run must not replace them
    /// by accident.
    /// </summary>
    private static void WriteComparison(ComparisonResults results)
    {
        string folder = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(folder);
        string report = ComparisonReport.Write(results);
        Console.WriteLine();
        Console.WriteLine(report);
        string basePath = Path.Combine(folder, "network-comparison");
        File.WriteAllText(basePath + ".md", report);
        results.Write(basePath + ".json");
        File.WriteAllText(basePath + ".svg", ComparisonChart.Write(results, "this run's network-comparison.json"));
        Console.WriteLine($"Written: {basePath}.md, .json and .svg. To publish these results, copy the .json to {CommittedResults} and run --chart.");
    }

    /// <summary>Redraws a chart from a results file, measuring nothing, and prints the report of those results.</summary>
    private static int DrawChart(string resultsPath, string chartPath)
    {
        if (!File.Exists(resultsPath))
        {
            Console.Error.WriteLine($"No results file at {Path.GetFullPath(resultsPath)} (run from the repository's root, or name the file: --chart results.json chart.svg).");
            return 1;
        }

        ComparisonResults results = ComparisonResults.Read(resultsPath);
        Console.WriteLine(ComparisonReport.Write(results));
        File.WriteAllText(chartPath, ComparisonChart.Write(results, resultsPath.Replace('\\', '/')));
        Console.WriteLine($"Chart written to {chartPath}");
        return 0;
    }

    /// <summary>Whether TorchSharp is in this build and loads here; the line for the report either way.</summary>
    private static string TorchStatus(out bool runs)
    {
#if TORCHSHARP
        try
        {
            string prepared = LibTorchSharpLoader.Prepare();
            TorchSharpContender.Initialise();
            runs = true;
            return $"{TorchSharpContender.Version} ({prepared})";
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or InvalidOperationException or IOException)
        {
            runs = false;
            Exception inner = e;
            while (inner.InnerException is not null)
            {
                inner = inner.InnerException;
            }

            return $"TorchSharp not runnable: {inner.GetType().Name}: {inner.Message.Split('\n')[0]}";
        }
#else
        runs = false;
        return "TorchSharp not in this build (build and run with STATICNET_BENCH_TORCH=1 to include it)";
#endif
    }

    /// <summary>FLOPs (kernels, FMA peak) or bytes (L2 read) per operation of a case, and the unit per second.</summary>
    internal static (double Amount, string Unit) Work(BenchmarkDotNet.Running.BenchmarkCase benchmark)
    {
        if (benchmark.Descriptor.Type == typeof(ConvolutionBenchmarks))
        {
            return (ConvolutionModel.FlopPerSample * (double)(int)benchmark.Parameters[nameof(ConvolutionBenchmarks.Batch)], "GFLOP/s");
        }

        switch (benchmark.Descriptor.WorkloadMethod.Name)
        {
            case nameof(PeakBenchmarks.FmaPeak):
                return (PeakBenchmarks.FmaFlops, "GFLOP/s");
            case nameof(PeakBenchmarks.FmaPeak256):
                return (PeakBenchmarks.Fma256Flops, "GFLOP/s");
            case nameof(PeakBenchmarks.L2Read):
                return (PeakBenchmarks.L2Bytes, "GB/s");
            case nameof(PeakBenchmarks.L3Read):
                return (PeakBenchmarks.L3Bytes, "GB/s");
            case nameof(NetworkBenchmarks.StaticNet) or nameof(NetworkBenchmarks.StaticNetParallel) or nameof(NetworkBenchmarks.Naive)
                or nameof(NetworkBenchmarks.TensorPrimitives) or nameof(NetworkBenchmarks.OnnxRuntime) or nameof(NetworkBenchmarks.OnnxRuntimeParallel)
                or "TorchSharp":
                return (Model.Flop((string)benchmark.Parameters[nameof(NetworkBenchmarks.Network)]) * (double)(int)benchmark.Parameters[nameof(NetworkBenchmarks.Batch)], "GFLOP/s");
            case nameof(KernelBenchmarks.Dense):
            case nameof(ParallelBenchmarks.DenseParallel):
            case nameof(KernelPathBenchmarks.DensePath):
                (int k, int n) = KernelBenchmarks.Size((string)benchmark.Parameters[nameof(KernelBenchmarks.Shape)]);
                int rows = (int)benchmark.Parameters[nameof(KernelBenchmarks.Rows)];
                return (2.0 * k * n * rows, "GFLOP/s");
            default:
                return (0, "");
        }
    }

    /// <summary>
    /// Rates from both the mean and the fastest iteration. On a shared machine other processes only ever slow
    /// an iteration down, so the fastest one is the best estimate of what the code does on a quiet core; the
    /// percentages of peak compare fastest with fastest.
    /// </summary>
    private static void PrintSummary(List<(Summary Summary, BenchmarkReport Report)> reports)
    {
        var inv = CultureInfo.InvariantCulture;
        (double Mean, double Best)? Rate(string method)
        {
            BenchmarkReport? report = reports.Select(x => x.Report)
                .FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method && r.ResultStatistics is not null);
            if (report is null)
            {
                return null;
            }

            double work = Work(report.BenchmarkCase).Amount;
            return (work / report.ResultStatistics!.Mean, work / report.ResultStatistics.Min);
        }

        string peakMethod = ComparisonResults.PeakMethod;
        var peak = Rate(peakMethod);
        var l2 = Rate(nameof(PeakBenchmarks.L2Read));
        Console.WriteLine();
        Console.WriteLine($"Vector512 accelerated: {Vector512.IsHardwareAccelerated} (peak taken from {peakMethod}); rates as mean / fastest iteration");
        Console.WriteLine(peak is null ? "FP32 peak: not measured" : string.Create(inv, $"FP32 peak (one core): {peak.Value.Mean:F1} / {peak.Value.Best:F1} GFLOP/s"));
        Console.WriteLine(l2 is null ? "L2 read: not measured" : string.Create(inv, $"L2 read (512 KB): {l2.Value.Mean:F1} / {l2.Value.Best:F1} GB/s"));
        foreach (BenchmarkReport report in reports.Select(x => x.Report)
            .Where(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name is nameof(KernelBenchmarks.Dense) or nameof(ParallelBenchmarks.DenseParallel)))
        {
            if (report.ResultStatistics is null)
            {
                continue;
            }

            var benchmark = report.BenchmarkCase;
            string shape = (string)benchmark.Parameters[nameof(KernelBenchmarks.Shape)];
            int rows = (int)benchmark.Parameters[nameof(KernelBenchmarks.Rows)];
            double mean = report.ResultStatistics.Mean;
            double best = report.ResultStatistics.Min;
            double flops = Work(benchmark).Amount;
            (int k, int n) = KernelBenchmarks.Size(shape);
            double weightBytes = 4.0 * k * ((n + 15) / 16 * 16);
            string ofPeak = peak is null ? "" : string.Create(inv, $", {100 * flops / best / peak.Value.Best:F1}% of one core's peak");
            string stream = rows == 1 ? string.Create(inv, $", weights streamed at {weightBytes / mean:F1} / {weightBytes / best:F1} GB/s") : "";
            long allocated = report.GcStats.GetBytesAllocatedPerOperation(benchmark) ?? -1;
            string name = benchmark.Descriptor.WorkloadMethod.Name;
            Console.WriteLine(string.Create(inv, $"{name,-13} {shape,-9} rows {rows,3}: {mean,10:F0} / {best,10:F0} ns, {flops / mean,6:F1} / {flops / best,6:F1} GFLOP/s{ofPeak}{stream}, allocated {allocated} B/op"));
        }
    }
}

/// <summary>GFLOP/s or GB/s from the mean time, next to BenchmarkDotNet's own columns.</summary>
internal sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "Throughput";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => false;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "FLOPs or bytes per operation divided by the mean time";

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        (double amount, string unit) = Program.Work(benchmarkCase);
        if (report?.ResultStatistics is null || amount == 0)
        {
            return "-";
        }

        return string.Create(CultureInfo.InvariantCulture, $"{amount / report.ResultStatistics.Mean:F1} {unit}");
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;
}
