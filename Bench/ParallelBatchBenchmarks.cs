using System;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using BenchmarkDotNet.Attributes;

namespace StaticNet.Bench;

/// <summary>
/// MNIST at batch 1, <c>Forward</c> (one core) against <c>ForwardParallel</c> (its 784→128 layer's outputs shared
/// between the cores, each core a fixed half of the weights), with float32 and int8 weights: the hot loop of a service
/// answering one request at a time (with <see cref="FreshInput"/>, a new input written before each call). Run with <c>--filter '*ParallelBatchBenchmarks*'</c>, or as an A/B in one process
/// with <c>--parallel-ab</c> (<see cref="ParallelBatchComparison"/>).
/// </summary>
[MemoryDiagnoser]
public class ParallelBatchBenchmarks
{
    private delegate void Pass(ReadOnlySpan<float> inputs, Span<float> outputs);

    private readonly float[] _output = new float[MnistNet.OutputSize];
    private float[] _input = [];
    private Pass _forward = (_, _) => { };
    private Pass _forwardParallel = (_, _) => { };

    private float[] _samples = [];
    private int _next;

    /// <summary>The weights' storage format: "float32", "int8" or "int8 dynamic".</summary>
    [Params("float32", "int8", "int8 dynamic")]
    public string Format { get; set; } = "float32";

    /// <summary>
    /// True: each call's input is written just before the call (one of 16 samples copied in), as a service's request
    /// would be, so the worker has to fetch it from the caller's core; false: the same input every call, in both cores' caches.
    /// </summary>
    [Params(false, true)]
    public bool FreshInput { get; set; }

    [Benchmark(Baseline = true)]
    public void Forward()
    {
        NextInput();
        _forward(_input, _output);
    }

    [Benchmark]
    public void ForwardParallel()
    {
        NextInput();
        _forwardParallel(_input, _output);
    }

    [GlobalSetup]
    public void Setup()
    {
        string path = Model.MnistWeightsPath();
        var random = new Random(5);
        _input = new float[MnistNet.InputSize];
        _samples = new float[16 * MnistNet.InputSize];
        for (int i = 0; i < _samples.Length; i++)
        {
            _samples[i] = (float)random.NextDouble();
        }

        _samples.AsSpan(0, MnistNet.InputSize).CopyTo(_input);

        switch (Format)
        {
            case "float32":
                var float32 = MnistNet.Load(path);
                (_forward, _forwardParallel) = (float32.Forward, float32.ForwardParallel);
                break;
            case "int8":
                var int8 = MnistNetInt8.Load(path);
                (_forward, _forwardParallel) = (int8.Forward, int8.ForwardParallel);
                break;
            case "int8 dynamic":
                var dynamic = MnistNetInt8Dynamic.Load(path);
                (_forward, _forwardParallel) = (dynamic.Forward, dynamic.ForwardParallel);
                break;
            default:
                throw new InvalidOperationException($"Unknown format '{Format}'.");
        }

        // ForwardParallel must give Forward's bits, or the comparison means nothing (both calls read the same sample).
        _next = 0;
        var one = new float[MnistNet.OutputSize];
        Forward();
        _output.CopyTo(one, 0);
        _next = 0;
        ForwardParallel();
        for (int i = 0; i < one.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(one[i]) != BitConverter.SingleToInt32Bits(_output[i]))
            {
                throw new InvalidOperationException($"{Format}: ForwardParallel's output {i} differs from Forward's.");
            }
        }
    }

    private void NextInput()
    {
        if (FreshInput)
        {
            _samples.AsSpan(_next * MnistNet.InputSize, MnistNet.InputSize).CopyTo(_input);
            _next = (_next + 1) % 16;
        }
    }
}

/// <summary>
/// <c>--parallel-ab [rounds]</c>: MNIST batch 1, <c>Forward</c> against <c>ForwardParallel</c>, alternating short bursts of
/// each in one process and keeping each one's fastest burst (load from other processes only ever slows a burst down, so
/// it affects both alike); then the process's CPU time over two idle seconds after a burst, which shows whether the
/// workers stop spinning.
/// </summary>
internal static class ParallelBatchComparison
{
    public static void Run(int rounds)
    {
        Console.WriteLine($"MNIST batch 1, Forward (one core) vs ForwardParallel ({Environment.ProcessorCount} cores), best of {rounds} alternating bursts of ~2 ms");
        Console.WriteLine("format        input  Forward µs  ForwardParallel µs  parallel / one core");
        foreach ((string format, bool fresh) in new[] { ("float32", false), ("int8", false), ("int8 dynamic", false), ("float32", true), ("int8", true), ("int8 dynamic", true) })
        {
            var benchmark = new ParallelBatchBenchmarks { Format = format, FreshInput = fresh };
            benchmark.Setup();
            double[] best = AlternatingBursts.Best(rounds, [benchmark.Forward, benchmark.ForwardParallel], untimedLead: true);
            double bestOne = best[0], bestAll = best[1];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{format,-12}  {(fresh ? "fresh" : "same"),-5}  {bestOne * 1e6,10:F2}  {bestAll * 1e6,18:F2}  {bestAll / bestOne,19:F2}"));
            Console.WriteLine($"  single calls, Forward:         {Percentiles(benchmark.Forward)}");
            Console.WriteLine($"  single calls, ForwardParallel: {Percentiles(benchmark.ForwardParallel)}");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cache-line round trip between two spinning threads (the least a hand-off and its join cost): {HandOffRoundTrip() * 1e9:F0} ns"));

        // Idle: after a burst of parallel calls, the workers spin briefly and then block.
        var idle = new ParallelBatchBenchmarks { Format = "float32" };
        idle.Setup();
        AlternatingBursts.Burst(idle.ForwardParallel, 10_000);
        using Process process = Process.GetCurrentProcess();
        process.Refresh();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        Thread.Sleep(2000);
        process.Refresh();
        TimeSpan cpu = process.TotalProcessorTime - cpuBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle after a burst: {cpu.TotalMilliseconds:F1} ms of CPU in {wall.Elapsed.TotalMilliseconds:F0} ms ({cpu / wall.Elapsed:P2})"));
    }

    /// <summary>
    /// Seconds per round trip of a counter between this thread and a spinning one, best of 20 runs of 100,000: each
    /// side waits to see the other's last write and answers it, two cache-line transfers per trip, which is what posting
    /// a share to a spinning worker and waiting for its "finished" costs at the least.
    /// </summary>
    private static double HandOffRoundTrip()
    {
        const int Trips = 100_000;
        var line = new long[32];
        var partner = new Thread(() =>
        {
            for (long expected = 1; expected <= 20L * Trips * 2; expected += 2)
            {
                while (Volatile.Read(ref line[0]) != expected)
                {
                }

                Volatile.Write(ref line[0], expected + 1);
            }
        }) { IsBackground = true };
        partner.Start();
        double best = double.MaxValue;
        long value = 0;
        for (int run = 0; run < 20; run++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < Trips; i++)
            {
                Volatile.Write(ref line[0], ++value);
                value++;
                while (Volatile.Read(ref line[0]) != value)
                {
                }
            }

            best = Math.Min(best, (double)(Stopwatch.GetTimestamp() - start) / Stopwatch.Frequency / Trips);
        }

        partner.Join();
        return best;
    }

    /// <summary>The 10th, 50th and 90th percentiles of 20,000 calls timed one by one, in µs.</summary>
    private static string Percentiles(Action call)
    {
        var times = new long[20_000];
        for (int i = 0; i < times.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            call();
            times[i] = Stopwatch.GetTimestamp() - start;
        }

        Array.Sort(times);
        double Micro(double p) => times[(int)(p * (times.Length - 1))] * 1e6 / Stopwatch.Frequency;
        return string.Create(CultureInfo.InvariantCulture, $"p10 {Micro(0.1):F2} µs, p50 {Micro(0.5):F2} µs, p90 {Micro(0.9):F2} µs");
    }
}
