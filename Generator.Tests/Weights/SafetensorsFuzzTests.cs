using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Threading;
using StaticNet.Generator.Tests.Support;
using StaticNet.Weights;
using GeneratorHeader = StaticNet.Generator.Weights.SafetensorsHeader;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// Differential fuzzing of the reader: thousands of mutated files (bit flips, every truncation, header-length
/// fields, JSON edits, deep nesting, huge and overflowing numbers, broken offsets, random bytes), each of which
/// must either load and give exactly the floats an independent decoder gives, or throw InvalidDataException;
/// never another exception, a hang, or an allocation out of proportion to the file. The generator's build of the
/// header parser must give the same verdict and message as the runtime's.
/// Set STATICNET_STRESS=1 for a run 100 times longer, and STATICNET_FUZZ_SEED to explore other cases.
/// </summary>
public sealed class SafetensorsFuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 0x5AFE;

    // Per case: at most AllocationFactor × file length + AllocationSlack bytes (header objects, exception, the floats).
    private const int AllocationFactor = 8;
    private const int AllocationSlack = 32 * 1024;
    private static readonly TimeSpan CaseTimeLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public void Mutated_files_either_load_exactly_or_throw_InvalidDataException()
    {
        bool stress = Environment.GetEnvironmentVariable("STATICNET_STRESS") == "1";
        int seed = int.TryParse(Environment.GetEnvironmentVariable("STATICNET_FUZZ_SEED"), out int chosen) ? chosen : DefaultSeed;
        List<FuzzBase> bases = SafetensorsFuzzCases.Bases();
        var stats = new FuzzStats();
        IEnumerable<FuzzCase> cases = SafetensorsFuzzCases.Generate(bases, scale: stress ? 100 : 1, seed);

        Stopwatch total = Stopwatch.StartNew();
        RunWithWatchdog(() =>
        {
            Warmup(bases);
            foreach (FuzzCase fuzzCase in cases)
            {
                stats.Current = fuzzCase;
                Interlocked.Exchange(ref stats.CurrentStarted, Stopwatch.GetTimestamp());
                Check(fuzzCase, stats);
            }
        }, stats);
        total.Stop();

        output.WriteLine($"{stats.Cases} cases{(stress ? " (STATICNET_STRESS=1)" : string.Empty)} in {total.Elapsed.TotalSeconds:F2} s, seed {seed}");
        output.WriteLine($"  {stats.Opened} files opened, {stats.Rejected} rejected by Open (InvalidDataException)");
        output.WriteLine($"  {stats.TensorsRead} tensors read and matched bit for bit, {stats.TensorsRefused} refused by ReadTensor (InvalidDataException)");
        output.WriteLine($"  slowest case {stats.SlowestTicks * 1000.0 / Stopwatch.Frequency:F2} ms ({stats.Slowest})");
        output.WriteLine($"  largest allocation {stats.MaxAllocated} bytes for a {stats.MaxAllocatedFileLength}-byte file; bound {AllocationFactor} × length + {AllocationSlack}");
        Assert.True(stats.Opened > 100, "Too few mutated files were valid: the fuzzer is not exercising the read path.");
        Assert.True(stats.Rejected > 1000, "Too few mutated files were invalid: the fuzzer is not exercising validation.");
    }

    private static void Check(FuzzCase fuzzCase, FuzzStats stats)
    {
        byte[] file = fuzzCase.File;
        var results = new (float[]? Values, string? Error)[fuzzCase.Base.Requests.Length];
        string? openError = null;

        (float[]? Values, string? Error)[] Read()
        {
            var read = new (float[]? Values, string? Error)[fuzzCase.Base.Requests.Length];
            try
            {
                var reader = SafetensorsReader.Open(file);
                for (int i = 0; i < read.Length; i++)
                {
                    (string name, int[] shape) = fuzzCase.Base.Requests[i];
                    try
                    {
                        read[i] = (reader.ReadTensor(name, shape), null);
                    }
                    catch (InvalidDataException e)
                    {
                        read[i] = (null, e.Message);
                    }
                }

                openError = null;
            }
            catch (InvalidDataException e)
            {
                openError = e.Message;
            }
            catch (Exception e)
            {
                throw new FuzzFailure(fuzzCase, $"threw {e.GetType().Name} instead of InvalidDataException", e);
            }

            return read;
        }

        // Time and allocation are judged on the best of a few runs: a GC or another process can stall any one run,
        // while input that is slow or allocates by design is slow every time. The allocation is measured in a window
        // no GC touched (AllocationMeter), since a background GC can make this thread's counter jump.
        long elapsed = long.MaxValue;
        void TimedRead()
        {
            long started = Stopwatch.GetTimestamp();
            results = Read();
            elapsed = Math.Min(elapsed, Stopwatch.GetTimestamp() - started);
        }

        long allocated = AllocationMeter.OnThisThread(TimedRead);
        for (int retry = 0; retry < 2 && Stopwatch.GetElapsedTime(0, elapsed) > CaseTimeLimit; retry++)
        {
            TimedRead();
        }

        stats.Cases++;
        if (elapsed > stats.SlowestTicks)
        {
            stats.SlowestTicks = elapsed;
            stats.Slowest = $"#{fuzzCase.Index} {fuzzCase.Base.Name}: {fuzzCase.Description}";
        }

        if (allocated > stats.MaxAllocated)
        {
            stats.MaxAllocated = allocated;
            stats.MaxAllocatedFileLength = file.Length;
        }

        if (Stopwatch.GetElapsedTime(0, elapsed) > CaseTimeLimit)
        {
            throw new FuzzFailure(fuzzCase, $"took {Stopwatch.GetElapsedTime(0, elapsed).TotalMilliseconds:F0} ms");
        }

        if (allocated > ((long)AllocationFactor * file.Length) + AllocationSlack)
        {
            throw new FuzzFailure(fuzzCase, $"allocated {allocated} bytes for a {file.Length}-byte file");
        }

        // The generator's build of the same parser (run outside the time and allocation window above) must
        // reach the same verdict, in the same words.
        string? generatorError = GeneratorParseError(fuzzCase);
        if (generatorError != openError)
        {
            throw new FuzzFailure(fuzzCase, $"the generator's copy of the parser says \"{generatorError ?? "valid"}\" where the runtime's says \"{openError ?? "valid"}\"");
        }

        // The independent oracle must reach the same verdict and the same floats.
        OracleFile? oracle = SafetensorsOracle.Validate(file, out string reason);
        if (openError is not null)
        {
            stats.Rejected++;
            if (string.IsNullOrWhiteSpace(openError))
            {
                throw new FuzzFailure(fuzzCase, "InvalidDataException without a message");
            }

            if (oracle is not null)
            {
                throw new FuzzFailure(fuzzCase, $"Open rejected a file the oracle accepts: {openError}");
            }

            if (fuzzCase.DataOnly)
            {
                throw new FuzzFailure(fuzzCase, $"Open rejected a file whose header is intact: {openError}");
            }

            return;
        }

        stats.Opened++;
        if (oracle is null)
        {
            throw new FuzzFailure(fuzzCase, $"Open accepted a file the oracle rejects ({reason})");
        }

        for (int i = 0; i < results.Length; i++)
        {
            (string name, int[] shape) = fuzzCase.Base.Requests[i];
            float[]? expected = SafetensorsOracle.Expected(oracle, file, name, shape);
            (float[]? values, string? error) = results[i];
            if (expected is null)
            {
                if (error is null)
                {
                    throw new FuzzFailure(fuzzCase, $"ReadTensor('{name}') succeeded where the oracle expects a mismatch");
                }

                if (!error.Contains($"'{name}'", StringComparison.Ordinal) || !error.Contains(DescribeShape(shape), StringComparison.Ordinal))
                {
                    throw new FuzzFailure(fuzzCase, $"ReadTensor('{name}') message does not name the tensor and expected shape: {error}");
                }

                stats.TensorsRefused++;
            }
            else
            {
                if (values is null)
                {
                    throw new FuzzFailure(fuzzCase, $"ReadTensor('{name}') refused a tensor the oracle reads: {error}");
                }

                if (!WeightsTestHelpers.SameBits(expected, values))
                {
                    throw new FuzzFailure(fuzzCase, $"ReadTensor('{name}') gave other floats than the oracle");
                }

                stats.TensorsRead++;
            }
        }
    }

    private static string? GeneratorParseError(FuzzCase fuzzCase)
    {
        try
        {
            GeneratorHeader.Parse(fuzzCase.File);
            return null;
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
        catch (Exception e)
        {
            throw new FuzzFailure(fuzzCase, $"the generator's copy of the parser threw {e.GetType().Name} instead of InvalidDataException", e);
        }
    }

    /// <summary>First calls pay for JIT, statics and exception machinery; keep them out of the allocation bound.</summary>
    private static void Warmup(List<FuzzBase> bases)
    {
        foreach (FuzzBase b in bases)
        {
            Check(new FuzzCase(-1, "warm-up", b, b.File), new FuzzStats());
            Check(new FuzzCase(-1, "warm-up", b, b.File[..^1]), new FuzzStats());
            Check(new FuzzCase(-1, "warm-up", b, b.File[..20]), new FuzzStats());
        }
    }

    private static string DescribeShape(int[] shape) => "(" + string.Join(", ", shape) + ")";

    /// <summary>Runs the cases on a worker thread so a hang becomes a failure naming the case instead of a stuck run.</summary>
    private static void RunWithWatchdog(Action run, FuzzStats stats)
    {
        ExceptionDispatchInfo? failure = null;
        var worker = new Thread(() =>
        {
            try
            {
                run();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, maxStackSize: 16 * 1024 * 1024)
        {
            IsBackground = true,
            Name = "safetensors fuzz",
        };
        worker.Start();
        while (!worker.Join(TimeSpan.FromMilliseconds(200)))
        {
            FuzzCase? current = stats.Current;
            if (current is not null && Stopwatch.GetElapsedTime(Interlocked.Read(ref stats.CurrentStarted)) > HangLimit)
            {
                Assert.Fail($"Case #{current.Index} ({current.Base.Name}: {current.Description}) has not finished after {HangLimit.TotalSeconds} s. File: {Convert.ToBase64String(current.File)}");
            }
        }

        failure?.Throw();
    }

    private sealed class FuzzStats
    {
        public long CurrentStarted;

        public volatile FuzzCase? Current;

        public int Cases { get; set; }

        public int Opened { get; set; }

        public int Rejected { get; set; }

        public int TensorsRead { get; set; }

        public int TensorsRefused { get; set; }

        public long SlowestTicks { get; set; }

        public string Slowest { get; set; } = string.Empty;

        public long MaxAllocated { get; set; }

        public int MaxAllocatedFileLength { get; set; }
    }

    private sealed class FuzzFailure(FuzzCase fuzzCase, string problem, Exception? inner = null)
        : Exception(
            $"Case #{fuzzCase.Index} ({fuzzCase.Base.Name}: {fuzzCase.Description}) {problem}. "
            + (fuzzCase.File.Length <= 4096 ? $"File (base64): {Convert.ToBase64String(fuzzCase.File)}" : $"File of {fuzzCase.File.Length} bytes."),
            inner);
}
