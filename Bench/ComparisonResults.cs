using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Reports;
using StaticNet.Bench.Contenders;

namespace StaticNet.Bench;

/// <summary>
/// What one run of the network comparison measured, in a form that outlives the run: the machine, the FP32 peak and
/// the L2 and L3 read bandwidths of one core, and every contender's time per network and batch size. The report
/// (<see cref="ComparisonReport"/>) and the chart (<see cref="ComparisonChart"/>) are drawn from this alone, so the
/// committed chart can be redrawn from the committed file (docs/benchmarks.json) without measuring again.
/// </summary>
/// <param name="Measured">UTC date of the run, yyyy-MM-dd.</param>
/// <param name="Cpu">The processor as the machine names it.</param>
/// <param name="Cores">Cores the run had (the parallel contenders use all of them).</param>
/// <param name="L2CacheBytes">One core's L2 cache, or null where the machine does not say.</param>
/// <param name="Os">Operating system.</param>
/// <param name="Runtime">The .NET runtime that ran the cases.</param>
/// <param name="Libraries">The contenders' library versions.</param>
/// <param name="Job">How BenchmarkDotNet ran each case.</param>
/// <param name="Minutes">Length of the whole run, or null if not recorded.</param>
/// <param name="TorchSharp">TorchSharp's and libtorch's versions, or why TorchSharp did not run.</param>
/// <param name="Fp32Peak">GFLOP/s of one core's independent FMA chains.</param>
/// <param name="L2Read">GB/s reading a buffer that fits in L2.</param>
/// <param name="L3Read">GB/s reading a buffer 8 times one core's L2.</param>
/// <param name="Cases">Every network case that produced a result.</param>
internal sealed record ComparisonResults(
    string Measured,
    string Cpu,
    int Cores,
    long? L2CacheBytes,
    string Os,
    string Runtime,
    string Libraries,
    string Job,
    double? Minutes,
    string TorchSharp,
    Bound? Fp32Peak,
    Bound? L2Read,
    Bound? L3Read,
    IReadOnlyList<ContenderCase> Cases)
{
    /// <summary>The contenders in the order tables and charts list them (the benchmark methods' names).</summary>
    public static readonly string[] ContenderOrder =
        [nameof(NetworkBenchmarks.StaticNet), nameof(NetworkBenchmarks.StaticNetParallel), nameof(NetworkBenchmarks.OnnxRuntime),
         nameof(NetworkBenchmarks.OnnxRuntimeParallel), "TorchSharp", nameof(NetworkBenchmarks.TensorPrimitives), nameof(NetworkBenchmarks.Naive)];

    /// <summary>The networks in this run, in the order they first appear.</summary>
    public IEnumerable<string> Networks => Cases.Select(c => c.Network).Distinct();

    /// <summary>One contender's result, or null if it did not run.</summary>
    public ContenderCase? Find(string network, int batch, string contender)
        => Cases.FirstOrDefault(c => c.Network == network && c.Batch == batch && c.Contender == contender);

    /// <summary>Whether a network's weights fit in one core's L2 (if the L2 size is known).</summary>
    public bool? WeightsFitInL2(string network) => L2CacheBytes is long l2 ? Model.Bytes(network) <= l2 : null;

    /// <summary>Collects a finished run's reports; null if no network case produced a result.</summary>
    public static ComparisonResults? FromReports(IReadOnlyList<BenchmarkReport> reports, string torchSharp, bool quick, TimeSpan elapsed)
    {
        var cases = reports
            .Where(r => r.BenchmarkCase.Descriptor.Type == typeof(NetworkBenchmarks) && r.ResultStatistics is not null)
            .Select(r =>
            {
                string contender = r.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                string network = (string)r.BenchmarkCase.Parameters[nameof(NetworkBenchmarks.Network)];
                int batch = (int)r.BenchmarkCase.Parameters[nameof(NetworkBenchmarks.Batch)];
                return new ContenderCase(network, batch, contender, r.ResultStatistics!.Median, r.ResultStatistics.Min,
                    r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase),
                    MachineLoad.Read(NetworkBenchmarks.CaseName(contender, network, batch)));
            })
            .ToList();
        if (cases.Count == 0)
        {
            return null;
        }

        string peakMethod = PeakMethod;
        Bound? Rate(string method, double work)
        {
            var stats = reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.Type == typeof(PeakBenchmarks)
                && r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method && r.ResultStatistics is not null)?.ResultStatistics;
            return stats is null ? null : new Bound(method, work / stats.Median, work / stats.Min);
        }

        return new ComparisonResults(
            DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            CpuName(),
            Environment.ProcessorCount,
            L2Size(),
            RuntimeInformation.OSDescription,
            $".NET {Environment.Version}",
            $"BenchmarkDotNet {typeof(Summary).Assembly.GetName().Version?.ToString(3)}, ONNX Runtime {OnnxRuntimeContender.Version}, System.Numerics.Tensors {typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.GetName().Version?.ToString(3)}",
            quick ? Program.QuickJobDescription : Program.FullJobDescription,
            Math.Round(elapsed.TotalMinutes, 1),
            torchSharp,
            Rate(peakMethod, peakMethod == nameof(PeakBenchmarks.FmaPeak) ? PeakBenchmarks.FmaFlops : PeakBenchmarks.Fma256Flops),
            Rate(nameof(PeakBenchmarks.L2Read), PeakBenchmarks.L2Bytes),
            Rate(nameof(PeakBenchmarks.L3Read), PeakBenchmarks.L3Bytes),
            cases);
    }

    /// <summary>The FMA benchmark that measures this machine's peak: 512-bit where the JIT uses 512-bit vectors.</summary>
    public static string PeakMethod => Vector512.IsHardwareAccelerated ? nameof(PeakBenchmarks.FmaPeak) : nameof(PeakBenchmarks.FmaPeak256);

    /// <summary>Reads a results file written by <see cref="Write"/>.</summary>
    public static ComparisonResults Read(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return JsonSerializer.Deserialize(stream, Json.ComparisonResults)
            ?? throw new InvalidDataException($"{path} holds no results.");
    }

    /// <summary>Writes the results as indented JSON.</summary>
    public void Write(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, JsonSerializer.Serialize(this, Json.ComparisonResults) + "\n");
    }

    // Names such as "1024→1024" and "≥ 150 ms" stay readable in the file rather than \u escapes; it is never
    // embedded in HTML.
    private static readonly ResultsJson Json = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    internal static string CpuName()
    {
        // /proc/cpuinfo on Linux; elsewhere the chart and report say only what .NET knows.
        const string file = "/proc/cpuinfo";
        string? model = File.Exists(file)
            ? File.ReadLines(file).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        string isa = Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "no 256-bit vectors";
        return $"{model ?? RuntimeInformation.ProcessArchitecture.ToString()}, {isa}";
    }

    private static long? L2Size()
    {
        // Linux lists each cache level of a core in /sys; "1024K" is one core's 1 MB L2.
        const string caches = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(caches))
        {
            return null;
        }

        foreach (string index in Directory.EnumerateDirectories(caches, "index*"))
        {
            string level = Path.Combine(index, "level");
            string size = Path.Combine(index, "size");
            if (File.Exists(level) && File.Exists(size) && File.ReadAllText(level).Trim() == "2")
            {
                string text = File.ReadAllText(size).Trim();
                long scale = text.EndsWith('K') ? 1024 : text.EndsWith('M') ? 1024 * 1024 : 1;
                return long.TryParse(text.TrimEnd('K', 'M'), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) ? n * scale : null;
            }
        }

        return null;
    }
}

/// <summary>A rate that bounds the networks' results, from the median and from the fastest iteration.</summary>
/// <param name="Method">The <see cref="PeakBenchmarks"/> method that measured it.</param>
/// <param name="Median">From the median time: GFLOP/s for the peak, GB/s for a read.</param>
/// <param name="Best">From the fastest iteration, or null if not recorded.</param>
internal sealed record Bound(string Method, double Median, double? Best);

/// <summary>One contender on one network at one batch size.</summary>
/// <param name="Network"><see cref="Model.Mnist"/> or <see cref="Model.Wide"/>.</param>
/// <param name="Batch">Samples per call.</param>
/// <param name="Contender">The benchmark method's name (see <see cref="ComparisonResults.ContenderOrder"/>).</param>
/// <param name="MedianNs">BenchmarkDotNet's median time per call.</param>
/// <param name="FastestNs">The fastest iteration's time per call, or null if not recorded.</param>
/// <param name="AllocatedBytes">Bytes allocated per call, or null if not measured.</param>
/// <param name="OthersCores">CPU other processes used while the case ran, in cores (the busiest of its processes).</param>
internal sealed record ContenderCase(string Network, int Batch, string Contender, double MedianNs, double? FastestNs, long? AllocatedBytes, double? OthersCores)
{
    /// <summary>GFLOP/s from the median time.</summary>
    [JsonIgnore]
    public double Gflops => Model.Flop(Network) * (double)Batch / MedianNs;
}

/// <summary>The JSON form of <see cref="ComparisonResults"/>, generated at compile time.</summary>
[JsonSerializable(typeof(ComparisonResults))]
internal sealed partial class ResultsJson : JsonSerializerContext;
