using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>A layer worth splitting in L2 with an odd number of panels (13, the last partial): the shares differ in size.</summary>
[Dense(300, 200), ReLU, Dense(200, 7), Softmax]
public partial class OddPanelsNet;

/// <summary>
/// ForwardParallel of a network that fits in one core's L2 at batch sizes too small to split by rows (MNIST below 10
/// rows, batch 1 above all): its larger layers' panels are shared between the cores in fixed shares, handed to
/// spinning workers that block when idle. Same bits as Forward in every weight format, no allocation, and no CPU used
/// once the calls stop.
/// </summary>
public sealed class SmallBatchParallelTests
{
    private delegate void ForwardFn(ReadOnlySpan<float> inputs, Span<float> outputs);

    private static readonly RefLayer[] OddPanelsLayers = [RefLayer.Dense(300, 200), RefLayer.Act("ReLU"), RefLayer.Dense(200, 7), RefLayer.Act("Softmax")];

    [Fact]
    public void ForwardParallel_gives_Forwards_bits_at_every_batch_from_1_to_20_in_every_weight_format()
    {
        byte[] mnistFile = RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(71)));
        var float32 = MnistNet.Load(mnistFile);
        var int8 = Int8MnistNet.Load(mnistFile);
        var bfloat16 = BFloat16MnistNet.Load(mnistFile);
        var dynamic = Int8DynamicMnistNet.Load(mnistFile);
        var odd = OddPanelsNet.Load(RandomWeights.File(OddPanelsLayers, RandomWeights.For(OddPanelsLayers, new Random(72))));
        foreach ((string name, ForwardFn forward, ForwardFn parallel, int k, int n) in new[]
        {
            ("float32", (ForwardFn)float32.Forward, (ForwardFn)float32.ForwardParallel, MnistNet.InputSize, MnistNet.OutputSize),
            ("int8", (ForwardFn)int8.Forward, (ForwardFn)int8.ForwardParallel, Int8MnistNet.InputSize, Int8MnistNet.OutputSize),
            ("bfloat16", (ForwardFn)bfloat16.Forward, (ForwardFn)bfloat16.ForwardParallel, BFloat16MnistNet.InputSize, BFloat16MnistNet.OutputSize),
            ("int8 dynamic", (ForwardFn)dynamic.Forward, (ForwardFn)dynamic.ForwardParallel, Int8DynamicMnistNet.InputSize, Int8DynamicMnistNet.OutputSize),
            ("13 panels", (ForwardFn)odd.Forward, (ForwardFn)odd.ForwardParallel, OddPanelsNet.InputSize, OddPanelsNet.OutputSize),
        })
        {
            for (int batch = 1; batch <= 20; batch++)
            {
                float[] x = RandomWeights.Inputs(batch * k, new Random(batch), scale: 3);
                var one = new float[batch * n];
                var all = new float[batch * n];
                forward(x, one);
                // Twice: the first call after a pause may find the worker asleep and run its share on the caller.
                parallel(x, all);
                Array.Clear(all);
                parallel(x, all);
                Assert.True(NetworkTests.Bits(one).SequenceEqual(NetworkTests.Bits(all)), $"{name}, batch {batch}: ForwardParallel differs from Forward");
                Assert.Equal(0, AllocationMeter.OnThisThread(() => parallel(x, all)));
            }
        }
    }

    [Fact]
    public void Concurrent_batch_1_callers_give_Forwards_bits()
    {
        var net = MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(73))));
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        // Four callers at once, each with its own sample: one holds the workers, the others compute alone.
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, caller =>
        {
            float[] x = RandomWeights.Inputs(MnistNet.InputSize, new Random(caller));
            var expected = new float[MnistNet.OutputSize];
            var actual = new float[MnistNet.OutputSize];
            net.Forward(x, expected);
            for (int call = 0; call < 2000; call++)
            {
                net.ForwardParallel(x, actual);
                if (!NetworkTests.Bits(expected).SequenceEqual(NetworkTests.Bits(actual)))
                {
                    failures.Add($"caller {caller}, call {call}");
                }
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void A_call_after_the_workers_fell_asleep_gives_Forwards_bits()
    {
        var net = MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(74))));
        float[] x = RandomWeights.Inputs(3 * MnistNet.InputSize, new Random(75));
        var expected = new float[3 * MnistNet.OutputSize];
        var actual = new float[3 * MnistNet.OutputSize];
        net.Forward(x, expected);
        for (int pause = 0; pause < 5; pause++)
        {
            net.ForwardParallel(x, actual);
            // Far beyond the workers' spin: they block, and the next call wakes them (or runs their share itself).
            Thread.Sleep(20);
            Array.Clear(actual);
            net.ForwardParallel(x.AsSpan(0, MnistNet.InputSize), actual.AsSpan(0, MnistNet.OutputSize));
            Assert.Equal(NetworkTests.Bits(expected.AsSpan(0, MnistNet.OutputSize)), NetworkTests.Bits(actual.AsSpan(0, MnistNet.OutputSize)));
        }
    }

    [Fact]
    public async Task An_idle_process_uses_no_CPU_after_a_burst_of_calls()
    {
        // In a process of its own: other tests running here would use CPU too.
        var start = new ProcessStartInfo("dotnet", ["exec", typeof(SmallBatchParallelTests).Assembly.Location, "--idle-probe"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process child = Process.Start(start)!;
        Task<string> output = child.StandardOutput.ReadToEndAsync();
        Task<string> error = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await child.WaitForExitAsync(timeout.Token);
        string report = await output;
        Assert.True(child.ExitCode == 0, $"the probe failed: {await error}\n{report}");
        string[] numbers = report.Split(' ');
        double busy = double.Parse(numbers[0], CultureInfo.InvariantCulture);
        double idle = double.Parse(numbers[1], CultureInfo.InvariantCulture);
        double wall = double.Parse(numbers[2], CultureInfo.InvariantCulture);
        // The probe's own check that it can see CPU use: while batch-1 calls keep coming, a worker spins between them,
        // so the process uses more than the caller's one core (when the machine gives it a second).
        Assert.True(busy > 0, $"no CPU time measured during the burst: {report}");
        // A worker still spinning would use a whole core: idle CPU time close to the wall time.
        Assert.True(idle < 0.05 * wall, $"{idle:F1} ms of CPU in {wall:F0} ms idle: {report}");
    }

    /// <summary>
    /// The idle probe: a second of batch-1 ForwardParallel calls, then the process's CPU time over two idle seconds
    /// (<see cref="Process.TotalProcessorTime"/>, all threads). Prints "busy-ms idle-ms wall-ms" and a description.
    /// </summary>
    internal static string IdleProbe()
    {
        var net = MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(76))));
        float[] x = RandomWeights.Inputs(MnistNet.InputSize, new Random(77));
        var y = new float[MnistNet.OutputSize];
        using Process process = Process.GetCurrentProcess();

        // Compile everything first (tier-1 code is compiled on a background thread after ~100 ms of calls), so that
        // the idle seconds have no compiling in them.
        for (int warm = 0; warm < 3; warm++)
        {
            Calls(TimeSpan.FromMilliseconds(200));
            Thread.Sleep(300);
        }

        process.Refresh();
        TimeSpan before = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        Calls(TimeSpan.FromSeconds(1));
        process.Refresh();
        double busy = (process.TotalProcessorTime - before).TotalMilliseconds;
        double busyWall = clock.Elapsed.TotalMilliseconds;

        // The workers spin for a fraction of a millisecond after the last call, then block.
        Thread.Sleep(50);
        process.Refresh();
        before = process.TotalProcessorTime;
        clock.Restart();
        Thread.Sleep(2000);
        process.Refresh();
        double idle = (process.TotalProcessorTime - before).TotalMilliseconds;
        double wall = clock.Elapsed.TotalMilliseconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"{busy:F1} {idle:F1} {wall:F0} : {busy:F0} ms of CPU in {busyWall:F0} ms of batch-1 calls, then {idle:F1} ms of CPU in {wall:F0} ms idle\n");

        void Calls(TimeSpan time)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < time)
            {
                for (int i = 0; i < 1000; i++)
                {
                    net.ForwardParallel(x, y);
                }
            }
        }
    }
}
