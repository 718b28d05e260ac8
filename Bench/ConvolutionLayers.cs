using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Text;

namespace StaticNet.Bench;

/// <summary>
/// <c>--conv-layers [rounds]</c>: each step of LeNet's forward pass, its GFLOP/s and its share of one core's FP32 peak,
/// at batch 1, 8, 64 and 256, one thread. Usable on a loaded machine: like <see cref="PathComparison"/>, everything
/// measured for a batch size (LeNet cut after each step, the layers with weights on their own, LeNet whole and the FMA
/// peak, and LeNet whole through ONNX Runtime and, when built in, TorchSharp, one thread each) runs in alternating
/// short bursts in one process, and each keeps its fastest burst, so other processes (which
/// only ever slow a burst down) affect all of them alike.
/// </summary>
/// <remarks>
/// The generated API has no per-layer timer and <c>ForwardInspect</c> allocates each layer's output (which would be
/// timed with it), so a step is timed through generated networks instead (see ConvolutionNetworks.cs): "in the pass"
/// is LeNet cut after the step minus LeNet cut before it, the step as LeNet's <c>Forward</c> runs it (blocks of 32
/// rows through every layer, its input still in cache); "alone" is the layer declared as a network of its own, over a
/// whole batch of its inputs. Pools can only be timed in the pass (a network needs a layer with weights).
/// </remarks>
internal static class ConvolutionLayers
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Where the FMA loop's results go, so that it is not dead code.</summary>
    private static float Sink { get; set; }

    /// <summary>Batch sizes measured.</summary>
    private static readonly int[] Batches = [1, 8, 64, 256];

    /// <summary>One step of LeNet's forward pass: its name, FLOP per sample, and which measurement times it alone.</summary>
    private sealed record Step(string Layer, long FlopPerSample, string? Alone);

    private static readonly Step[] Steps =
    [
        new("Conv2d(1, 8, 5, Padding = 2) + ReLU", 2L * 8 * 25 * 28 * 28, "prefix1"),
        new("MaxPool2d(2)", 0, null),
        new("Conv2d(8, 16, 5) + BatchNorm(16) + ReLU", 2L * 16 * 200 * 10 * 10, "convolution2"),
        new("MaxPool2d(2)", 0, null),
        new("Dense(400, 64) + ReLU", 2L * 400 * 64, "dense1"),
        new("Dense(64, 10)", 2L * 64 * 10, "dense2"),
    ];

    public static void Run(int rounds)
    {
        if (Steps.Sum(s => s.FlopPerSample) != LeNet.FlopPerSample)
        {
            throw new InvalidOperationException($"The steps' FLOP ({Steps.Sum(s => s.FlopPerSample)}) do not add up to LeNet's ({LeNet.FlopPerSample}).");
        }

        var model = ConvolutionModel.Load();
        string path = model.WeightsPath;
        var lenet = LeNet.Load(path);
        var prefix1 = LeNetPrefix1.Load(path);
        var prefix2 = LeNetPrefix2.Load(path);
        var prefix3 = LeNetPrefix3.Load(path);
        var prefix4 = LeNetPrefix4.Load(path);
        var prefix5 = LeNetPrefix5.Load(path);
        var convolution2 = LeNetConvolution2Alone.Load(model.Renamed(("3.weight", "0.weight"), ("3.bias", "0.bias"),
            ("4.weight", "1.weight"), ("4.bias", "1.bias"), ("4.running_mean", "1.running_mean"), ("4.running_var", "1.running_var")));
        var dense1 = LeNetDense1Alone.Load(model.Renamed(("8.weight", "0.weight"), ("8.bias", "0.bias")));
        var dense2 = LeNetDense2Alone.Load(model.Renamed(("11.weight", "0.weight"), ("11.bias", "0.bias")));
        using var peak = new PeakBenchmarks();
        peak.Setup();
        string peakMethod = ComparisonResults.PeakMethod;
        // The FMA loop's result is kept, or the JIT may drop the loop it inlined into the lambda.
        Action fma = Vector512.IsHardwareAccelerated ? () => Sink += peak.FmaPeak() : () => Sink += peak.FmaPeak256();
        double peakFlop = Program.PeakFlops(peakMethod);

        var md = new StringBuilder();
        void Line(string text = "")
        {
            md.Append(text).Append('\n');
            Console.WriteLine(text);
        }

        Line(string.Create(Inv, $"LeNet per layer, one thread: best of {rounds} alternating bursts of ~2 ms per measurement, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        Line(string.Create(Inv, $"{ComparisonResults.CpuName()}, {Environment.ProcessorCount} cores, .NET {Environment.Version}; load average before: {AlternatingBursts.LoadAverage()}"));
        double bestPeak = double.MaxValue;
        foreach (int batch in Batches)
        {
            float[] input = new float[batch * LeNet.InputSize];
            Model.FillInputs(input);
            float[] out1 = new float[batch * 6272], out2 = new float[batch * 1568], out3 = new float[batch * 1600];
            float[] out4 = new float[batch * 400], out5 = new float[batch * 64], logits = new float[batch * 10];
            float[] alone3 = new float[out3.Length], alone5 = new float[out5.Length], alone6 = new float[logits.Length];
            var measured = new List<(string Name, Action Call)>
            {
                ("prefix1", () => prefix1.Forward(input, out1)),
                ("prefix2", () => prefix2.Forward(input, out2)),
                ("prefix3", () => prefix3.Forward(input, out3)),
                ("prefix4", () => prefix4.Forward(input, out4)),
                ("prefix5", () => prefix5.Forward(input, out5)),
                ("lenet", () => lenet.Forward(input, logits)),
                ("convolution2", () => convolution2.Forward(out2, alone3)),
                ("dense1", () => dense1.Forward(out4, alone5)),
                ("dense2", () => dense2.Forward(out5, alone6)),
                ("peak", fma),
            };

            // LeNet whole through the other libraries, one thread, in the same bursts: on a loaded machine the only
            // steady comparison with StaticNet's Forward. Their outputs are checked like the benchmarks' setups check them.
            float[] pinnedInput = GC.AllocateArray<float>(input.Length, pinned: true);
            float[] onnxLogits = GC.AllocateArray<float>(logits.Length, pinned: true);
            input.CopyTo(pinnedInput, 0);
            using var onnx = new Contenders.OnnxRuntimeContender(
                Contenders.OnnxModelWriter.WriteLeNet(model), pinnedInput, [batch, 1, 28, 28], onnxLogits, [batch, ConvolutionModel.OutputSize], threads: 1);
            measured.Add(("onnx", onnx.Run));
#if TORCHSHARP
            using var torch = TorchRuns() ? new Contenders.TorchSharpConvolutionContender(model, input, batch, threads: 1) : null;
            if (torch is not null)
            {
                measured.Add(("torch", torch.Run));
            }
#endif

            // Every measurement once, in pass order, so the layers alone read the real activations; then check that the
            // pieces compute what LeNet computes (else the timings would be of something else).
            foreach (var (_, call) in measured)
            {
                call();
            }

            Compare("Conv2d(8, 16, 5) alone", alone3, "LeNet cut after it", out3);
            Compare("Dense(400, 64) alone", alone5, "LeNet cut after it", out5);
            Compare("Dense(64, 10) alone", alone6, "LeNet", logits);
            Compare("ONNX Runtime", onnxLogits, "StaticNet", logits, ConvolutionBenchmarks.Tolerance);
#if TORCHSHARP
            if (torch is not null)
            {
                float[] torchLogits = new float[logits.Length];
                torch.RunInto(torchLogits);
                Compare("TorchSharp", torchLogits, "StaticNet", logits, ConvolutionBenchmarks.Tolerance);
            }
#endif

            Dictionary<string, double> best = Measure(measured, rounds);
            bestPeak = Math.Min(bestPeak, best["peak"]);
            double peakRate = peakFlop / best["peak"] / 1e9;
            double[] inPass =
            [
                best["prefix1"], best["prefix2"] - best["prefix1"], best["prefix3"] - best["prefix2"],
                best["prefix4"] - best["prefix3"], best["prefix5"] - best["prefix4"], best["lenet"] - best["prefix5"],
            ];

            double forwardBytes = AllocatedPerCall(() => lenet.Forward(input, logits));
            double parallelBytes = AllocatedPerCall(() => lenet.ForwardParallel(input, logits));
            Line();
            Line(string.Create(Inv, $"Batch {batch} (FP32 peak of one core in the same bursts: {peakRate:F1} GFLOP/s, {peakMethod}; LeNet allocates {forwardBytes:0.##} B per `Forward` and {parallelBytes:0.##} B per `ForwardParallel`, all threads counted)"));
            Line();
            Line("| Step | FLOP/sample | In the pass: µs | GFLOP/s | % peak | Alone: µs | GFLOP/s | % peak | Share of the pass |");
            Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (int s = 0; s < Steps.Length; s++)
            {
                Step step = Steps[s];
                double flop = (double)step.FlopPerSample * batch;
                string passColumns = inPass[s] > 0
                    ? string.Create(Inv, $"{inPass[s] * 1e6:F2} | {Rate(flop, inPass[s])} | {OfPeak(flop, inPass[s], peakRate)}")
                    : "below noise | – | –";
                string aloneColumns = step.Alone is string alone
                    ? string.Create(Inv, $"{best[alone] * 1e6:F2} | {Rate(flop, best[alone])} | {OfPeak(flop, best[alone], peakRate)}")
                    : "– | – | –";
                string share = inPass[s] > 0 ? string.Create(Inv, $"{100 * inPass[s] / best["lenet"]:F0}%") : "–";
                Line(string.Create(Inv, $"| {s + 1} {step.Layer} | {step.FlopPerSample:N0} | {passColumns} | {aloneColumns} | {share} |"));
            }

            double whole = (double)LeNet.FlopPerSample * batch;
            Line(string.Create(Inv, $"| LeNet `Forward` | {LeNet.FlopPerSample:N0} | {best["lenet"] * 1e6:F2} | {Rate(whole, best["lenet"])} | {OfPeak(whole, best["lenet"], peakRate)} | | | | 100% |"));
            foreach ((string key, string label) in new[] { ("onnx", "ONNX Runtime, 1 thread"), ("torch", "TorchSharp, 1 thread") })
            {
                if (best.TryGetValue(key, out double other))
                {
                    Line(string.Create(Inv, $"| LeNet, {label}: {other / best["lenet"]:F2}× StaticNet's time | {LeNet.FlopPerSample:N0} | {other * 1e6:F2} | {Rate(whole, other)} | {OfPeak(whole, other, peakRate)} | | | | |"));
                }
            }
        }

        Line();
        Line(string.Create(Inv, $"FP32 peak, best burst of the whole run: {peakFlop / bestPeak / 1e9:F1} GFLOP/s. Load average after: {AlternatingBursts.LoadAverage()}"));
        Line("In the pass: LeNet cut after the step minus LeNet cut before it (each the fastest burst); \"below noise\" where the difference is not positive. Alone: the layer as a network of its own over the batch's real activations. % peak: of the FP32 peak measured in the same bursts as that batch.");
        string folder = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(folder);
        string file = Path.Combine(folder, "convolution-layers.md");
        File.WriteAllText(file, md.ToString());
        Console.WriteLine($"Written: {file}");
    }

    /// <summary>Each measurement's fastest seconds per call over <paramref name="rounds"/> rounds of one ~2 ms burst each.</summary>
    private static Dictionary<string, double> Measure(List<(string Name, Action Call)> measured, int rounds)
    {
        double[] best = AlternatingBursts.Best(rounds, [.. measured.Select(m => m.Call)]);
        return Enumerable.Range(0, measured.Count).ToDictionary(m => measured[m].Name, m => best[m]);
    }

    /// <summary>
    /// Managed bytes allocated per call on every thread (<c>GC.GetTotalAllocatedBytes(precise: true)</c> around 300
    /// calls), the count BenchmarkDotNet's MemoryDiagnoser makes, without a harness in the same process.
    /// </summary>
    private static double AllocatedPerCall(Action call)
    {
        const int calls = 300;
        call();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)calls;
    }

#if TORCHSHARP
    /// <summary>Whether TorchSharp's native code loads here (else its rows are left out).</summary>
    private static bool TorchRuns()
    {
        try
        {
            Contenders.LibTorchSharpLoader.Prepare();
            Contenders.TorchSharpContender.Initialise();
            return true;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or InvalidOperationException or IOException)
        {
            Console.WriteLine($"TorchSharp left out: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            return false;
        }
    }
#endif

    private static void Compare(string what, float[] actual, string against, float[] expected, float tolerance = 1e-5f)
        => Agreement.Check(what, actual, against, expected, relative: tolerance);

    private static string Rate(double flop, double seconds) => string.Create(Inv, $"{flop / seconds / 1e9:F1}");

    private static string OfPeak(double flop, double seconds, double peakGflops) => string.Create(Inv, $"{100 * flop / seconds / 1e9 / peakGflops:F1}%");
}
