using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>
/// "Forward allocates nothing" holds for every caller whatever other threads are doing: several callers at once, one
/// holding the parallel workers while the others compute alone, at batch sizes that take every path (one row, a few
/// rows with a large layer's outputs shared out, row chunks claimed by whichever thread is free).
/// </summary>
/// <remarks>
/// Two views. In this process, each caller measures its own calls (<see cref="AllocationMeter"/>, which ignores the
/// counter jumps a background GC causes). In a process of its own (<see cref="Probe"/>, run as
/// <c>--allocation-probe</c>), nothing else runs, so the whole process's allocated bytes, worker threads included, are
/// a measurement of StaticNet alone.
/// </remarks>
public sealed class AllocationTests
{
    /// <summary>Batch sizes that take every path of Forward and ForwardParallel for the networks below.</summary>
    private static readonly int[] Batches = [1, 3, 9, 12, 17, 64];

    [Fact]
    public void Concurrent_callers_each_allocate_nothing()
    {
        var networks = Networks.Create();
        Caller[] callers = Enumerable.Range(0, 4).Select(_ => new Caller(networks)).ToArray();
        long[] allocated = new long[callers.Length];
        using var start = new Barrier(callers.Length);
        Parallel.For(0, callers.Length, new ParallelOptions { MaxDegreeOfParallelism = callers.Length }, i =>
        {
            callers[i].RunAll(); // first calls compile code and start the workers
            start.SignalAndWait();
            for (int round = 0; round < 5; round++)
            {
                allocated[i] += callers[i].Measure(AllocationMeter.OnThisThread);
            }
        });

        Assert.Equal(new long[callers.Length], allocated);
    }

    [Fact]
    public async Task A_process_of_concurrent_callers_allocates_nothing_on_any_thread()
    {
        var start = new ProcessStartInfo("dotnet", ["exec", typeof(AllocationTests).Assembly.Location, "--allocation-probe"])
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
        Assert.StartsWith("allocated: 0 bytes", report);
    }

    /// <summary>
    /// The probe: four threads, each with its own outputs, run every call at once, repeatedly; the process's allocated
    /// bytes (all threads, <c>GC.GetTotalAllocatedBytes(precise: true)</c>) are compared before and after. The threads
    /// and everything they use are created before the measurement, and nothing but them runs during it.
    /// </summary>
    internal static string Probe()
    {
        const int Threads = 4, Rounds = 10;
        var networks = Networks.Create();
        Caller[] callers = Enumerable.Range(0, Threads).Select(_ => new Caller(networks)).ToArray();
        using var phase = new Barrier(Threads + 1);
        int rounds = 3;
        bool stop = false;
        Thread[] threads = callers.Select(caller => new Thread(() =>
        {
            while (true)
            {
                phase.SignalAndWait(); // go
                if (Volatile.Read(ref stop))
                {
                    return;
                }

                for (int round = 0; round < rounds; round++)
                {
                    caller.RunAll();
                }

                phase.SignalAndWait(); // done
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        void RunAll()
        {
            phase.SignalAndWait();
            phase.SignalAndWait();
        }

        // Warm up until compiling is over: the first calls compile, and hot methods are compiled again (tier 1) on a
        // background thread about 100 ms after calls stop creating new work for it.
        for (int i = 0; i < 4; i++)
        {
            RunAll();
            Thread.Sleep(300);
        }

        // Attempts 300 ms apart: tiered compilation's background compiler may still allocate a little (24 B in about one
        // process in five; never with DOTNET_TieredPGO=0), while anything StaticNet allocated would show in every attempt.
        rounds = Rounds;
        string measured = string.Empty;
        for (int attempt = 1; attempt <= 5; attempt++)
        {
            int collections = GC.CollectionCount(0);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            RunAll();
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            measured = $"allocated: {allocated.ToString(CultureInfo.InvariantCulture)} bytes by {Threads} concurrent callers × {Rounds} rounds × {Caller.CallCount} calls (attempt {attempt}, {GC.CollectionCount(0) - collections} GCs)\n";
            if (allocated == 0)
            {
                break;
            }

            Thread.Sleep(300);
        }

        Volatile.Write(ref stop, true);
        phase.SignalAndWait();
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return measured;
    }

    /// <summary>An MNIST-sized network, and one with a layer larger than one core's L2, loaded once.</summary>
    private sealed record Networks(MnistNet Mnist, LargeLayer Large, float[] MnistIn, float[] LargeIn)
    {
        public static Networks Create()
            => new(
                MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(61)))),
                LargeLayer.Load(RandomWeights.File(Layers.LargeLayer, RandomWeights.For(Layers.LargeLayer, new Random(62)))),
                RandomWeights.Inputs(Batches.Max() * MnistNet.InputSize, new Random(63)),
                RandomWeights.Inputs(Batches.Max() * LargeLayer.InputSize, new Random(64)));
    }

    /// <summary>One caller: its own output buffers; Forward and ForwardParallel of both networks at every batch size.</summary>
    private sealed class Caller(Networks networks)
    {
        private readonly float[] _mnistOut = new float[Batches.Max() * MnistNet.OutputSize];
        private readonly float[] _largeOut = new float[Batches.Max() * LargeLayer.OutputSize];

        public static int CallCount => Batches.Length * 4;

        /// <summary>Every call once, allocating nothing itself.</summary>
        public void RunAll()
        {
            foreach (int batch in Batches)
            {
                Mnist(batch, parallel: false);
                Mnist(batch, parallel: true);
                Large(batch, parallel: false);
                Large(batch, parallel: true);
            }
        }

        /// <summary>Every call once, each through <paramref name="measure"/>; the sum of what it returns.</summary>
        public long Measure(Func<Action, long> measure)
        {
            long total = 0;
            foreach (int batch in Batches)
            {
                total += measure(() => Mnist(batch, parallel: false));
                total += measure(() => Mnist(batch, parallel: true));
                total += measure(() => Large(batch, parallel: false));
                total += measure(() => Large(batch, parallel: true));
            }

            return total;
        }

        private void Mnist(int batch, bool parallel)
        {
            ReadOnlySpan<float> x = networks.MnistIn.AsSpan(0, batch * MnistNet.InputSize);
            Span<float> y = _mnistOut.AsSpan(0, batch * MnistNet.OutputSize);
            if (parallel)
            {
                networks.Mnist.ForwardParallel(x, y);
            }
            else
            {
                networks.Mnist.Forward(x, y);
            }
        }

        private void Large(int batch, bool parallel)
        {
            ReadOnlySpan<float> x = networks.LargeIn.AsSpan(0, batch * LargeLayer.InputSize);
            Span<float> y = _largeOut.AsSpan(0, batch * LargeLayer.OutputSize);
            if (parallel)
            {
                networks.Large.ForwardParallel(x, y);
            }
            else
            {
                networks.Large.Forward(x, y);
            }
        }
    }
}
