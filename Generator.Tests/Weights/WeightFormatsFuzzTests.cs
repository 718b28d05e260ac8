using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using StaticNet.Generator.Tests.Support;
using StaticNet.Weights;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// Mutation fuzzing of the .npy, .npz and ONNX readers, from the committed fixtures: bit flips, byte overwrites,
/// every truncation, inserted and deleted bytes, huge varints and lengths, random files. Each mutated file must load
/// (open, every tensor's shape, every tensor read, ONNX mapping and Dense folding) or throw InvalidDataException: never
/// another exception, a hang, or an allocation out of proportion to the file. A .npz that loads must give exactly the
/// original floats: zip's CRC-32 guards every array. Set STATICNET_STRESS=1 for 20 times as many cases.
/// </summary>
public sealed class WeightFormatsFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 0x0A11;
    private static readonly TimeSpan CaseTimeLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(3);

    public static TheoryData<string> Bases =>
    [
        "mlp.in_out.f32.npz", "mlp.in_out.f16.npz", "mlp.in_out.f64.npz", "mlp.in_out.f32.fortran.npz",
        "array.v1.f32.npy", "array.v2.f64.fortran.npy", "array.v3.f16.npy", "scalar.f32.npy",
        "gemm.onnx", "matmul_add.onnx", "batchnorm.onnx", "initializers.onnx", "torch_mlp.onnx",
    ];

    [Theory]
    [MemberData(nameof(Bases))]
    public async Task Mutated_files_load_or_throw_InvalidDataException(string baseName)
    {
        int scale = Environment.GetEnvironmentVariable("STATICNET_STRESS") == "1" ? 20 : 1;
        byte[] original = WeightFormatFixtures.File(baseName);
        Dictionary<string, ExpectedTensor> tensors = WeightFormatFixtures.Data.Files[baseName].Tensors;
        // A stable seed per base (string.GetHashCode differs between processes): a failure reruns the same way.
        var random = new Random(Seed ^ baseName.Aggregate(17, (h, c) => (h * 31) + c) ^ original.Length);
        var stats = new Stats();
        var task = Task.Run(() =>
        {
            Run(original, tensors, baseName, stats); // the unmutated file loads
            Assert.Equal(1, stats.Loaded);
            foreach ((string description, byte[] file) in Mutations(original, random, scale))
            {
                stats.Current = description;
                Run(file, tensors, baseName, stats);
            }
        });
        Task finished = await Task.WhenAny(task, Task.Delay(HangLimit));
        Assert.True(finished == task, $"{baseName}: the fuzz run did not finish in {HangLimit} (stuck at {stats.Current}).");
        await task;

        output.WriteLine($"{baseName}: {stats.Cases} cases, {stats.Loaded} loaded, {stats.Rejected} rejected; slowest {stats.SlowestMs:F2} ms; largest allocation {stats.MaxAllocated} bytes for the {original.Length}-byte base (bound per case {AllocationFactor} × length + {Slack(baseName)})");
        Assert.True(stats.Rejected > stats.Cases / 10, "Too few mutations were rejected: the fuzzer is not exercising validation.");
    }

    private static void Run(byte[] file, Dictionary<string, ExpectedTensor> tensors, string baseName, Stats stats)
    {
        bool loaded = false;
        double ms = double.MaxValue;
        void Attempt()
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                loaded = Load(file, tensors, baseName);
            }
            catch (InvalidDataException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                loaded = false;
            }
            catch (Exception e)
            {
                Assert.Fail($"{baseName}, {stats.Current}: threw {e.GetType().Name} instead of InvalidDataException: {e}");
                throw;
            }

            ms = Math.Min(ms, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        // Time and allocation of the best of several runs (AllocationMeter): a GC or another process can stall any one
        // run or make this thread's allocation counter jump, while input that is slow or allocates by design does so every time.
        long allocated = AllocationMeter.OnThisThread(Attempt);
        stats.Cases++;
        stats.Loaded += loaded ? 1 : 0;
        stats.Rejected += loaded ? 0 : 1;
        stats.SlowestMs = Math.Max(stats.SlowestMs, ms);
        stats.MaxAllocated = Math.Max(stats.MaxAllocated, allocated);
        Assert.True(ms < CaseTimeLimit.TotalMilliseconds || stats.Cases < 3, $"{baseName}, {stats.Current}: took {ms:F0} ms");

        // Bounded by the file: every tensor is read twice at most (shape, data), decompressed once or twice.
        long bound = (AllocationFactor * (long)file.Length) + Slack(baseName);
        Assert.True(allocated <= bound, $"{baseName}, {stats.Current}: allocated {allocated} bytes for a {file.Length}-byte file (bound {bound})");
    }

    private const int AllocationFactor = 16;

    // Fixed costs: exception messages, DeflateStream's window and buffers.
    private static long Slack(string baseName) => baseName.EndsWith(".npz", StringComparison.Ordinal) ? 128 << 10 : 32 << 10;

    /// <summary>Opens the file and reads everything a network would; returns whether it all loaded.</summary>
    private static bool Load(byte[] file, Dictionary<string, ExpectedTensor> tensors, string baseName)
    {
        if (baseName.EndsWith(".npz", StringComparison.Ordinal))
        {
            var reader = NpzReader.Open(file);
            foreach ((string name, ExpectedTensor tensor) in tensors)
            {
                Assert.True(reader.TryGetShape(name, out long[]? _) || !reader.Contains(name));
                float[] values = reader.ReadTensor(name, tensor.Shape);

                // The CRC-32 protects the array: whatever else was mutated, what loads is what NumPy wrote.
                Assert.True(WeightsTestHelpers.SameBits(tensor.Values, values), $"{name} loaded with other values");
            }

            return true;
        }

        if (baseName.EndsWith(".npy", StringComparison.Ordinal))
        {
            ExpectedTensor tensor = tensors["array"];
            NpyReader.Open(file, "array").ReadTensor("array", tensor.Shape);
            return true;
        }

        var onnx = OnnxReader.Open(file);
        foreach (OnnxNode node in onnx.Nodes)
        {
            _ = node.Describe();
        }

        foreach (string name in onnx.TensorNames)
        {
            if (onnx.TryGetShape(name, out long[]? shape) && shape.All(d => d <= 1 << 20) && shape.Aggregate(1L, (a, b) => a * b) <= 1 << 20)
            {
                try
                {
                    onnx.ReadTensor(name, [.. shape.Select(d => (int)d)]);
                }
                catch (InvalidDataException)
                {
                    // Non-float or external tensors: refused by name, as the fixture's own are.
                }
            }
        }

        OnnxMapping mapping = onnx.MapLayers();
        if (mapping.Layers is null)
        {
            Assert.False(string.IsNullOrWhiteSpace(mapping.Error?.Message));
            return false;
        }

        foreach (OnnxLayer layer in mapping.Layers)
        {
            _ = layer.Describe();
            if (layer.Kind == OnnxLayerKind.Dense)
            {
                onnx.ReadDense(layer);
            }
        }

        return true;
    }

    private static IEnumerable<(string Description, byte[] File)> Mutations(byte[] original, Random random, int scale)
    {
        int Position() => random.Next(original.Length);

        for (int i = 0; i < 1500 * scale; i++)
        {
            byte[] file = (byte[])original.Clone();
            int at = Position();
            int bit = random.Next(8);
            file[at] ^= (byte)(1 << bit);
            yield return ($"bit {bit} of byte {at} flipped", file);
        }

        byte[] special = [0x00, 0xFF, 0x80, 0x7F, 0x01, 0x0A, 0x3A, 0x5B];
        for (int i = 0; i < 500 * scale; i++)
        {
            byte[] file = (byte[])original.Clone();
            int at = Position();
            file[at] = special[random.Next(special.Length)];
            yield return ($"byte {at} set to {file[at]:X2}", file);
        }

        int step = Math.Max(1, original.Length / (400 * scale));
        for (int length = 0; length < original.Length; length += step)
        {
            yield return ($"truncated to {length} bytes", original.AsSpan(0, length).ToArray());
        }

        for (int i = 0; i < 200 * scale; i++)
        {
            // A varint of 2^63 - 1 or a 10-byte run of continuation bits: huge lengths and dims.
            byte[] file = (byte[])original.Clone();
            int at = Position();
            byte[] huge = random.Next(2) == 0 ? [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] : [0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
            huge.AsSpan(0, Math.Min(huge.Length, file.Length - at)).CopyTo(file.AsSpan(at));
            yield return ($"huge number written at byte {at}", file);
        }

        for (int i = 0; i < 200 * scale; i++)
        {
            int at = Position();
            int count = random.Next(1, 9);
            byte[] inserted = new byte[count];
            random.NextBytes(inserted);
            yield return ($"{count} random bytes inserted at {at}", [.. original.AsSpan(0, at), .. inserted, .. original.AsSpan(at)]);
            int end = Math.Min(original.Length, at + count);
            yield return ($"bytes {at}..{end} deleted", [.. original.AsSpan(0, at), .. original.AsSpan(end)]);
        }

        for (int i = 0; i < 50 * scale; i++)
        {
            byte[] file = new byte[random.Next(0, 2 * original.Length)];
            random.NextBytes(file);
            original.AsSpan(0, Math.Min(8, Math.Min(file.Length, original.Length))).CopyTo(file);
            yield return ($"random file of {file.Length} bytes with the original's first bytes", file);
        }
    }

    private sealed class Stats
    {
        public string Current = "the unmutated file";
        public int Cases;
        public int Loaded;
        public int Rejected;
        public double SlowestMs;
        public long MaxAllocated;
    }
}
