using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime;
using StaticNet.Bench.Contenders;

namespace StaticNet.Bench;

/// <summary>
/// <c>--first-call [runs]</c>: how long the MNIST network takes in a process that has never run it. Each run starts
/// this program afresh (<c>--first-call-child staticnet|onnx</c>), which times with a Stopwatch: getting ready
/// (StaticNet: <c>MnistNet.Load</c> of the weights file; ONNX Runtime, for comparison: reading the same file,
/// writing the ONNX model and creating the session and its bindings), the very first batch-1 call, and the first
/// 1,000 calls (the first included); then 10,000 more calls for the steady state. For the first call it also reports
/// the time the JIT spent compiling during it and how many methods it compiled (<see cref="System.Runtime.JitInfo"/>). The parent prints the median and
/// the range over the runs.
/// </summary>
internal static class FirstCall
{
    private const string Marker = "first-call:";

    public static int RunParent(int runs)
    {
        string[] names =
        [
            "ready (load / session creation)",
            "first call, batch 1",
            "  of which JIT compiling (all threads)",
            "  methods compiled during the first call",
            "first 1,000 calls, in all",
            "steady state, per call (median of 10,000)",
            "whole child process, start to exit",
        ];
        string[] units = ["µs", "µs", "µs", "", "µs", "µs", "ms"];
        foreach (string contender in new[] { "staticnet", "onnx" })
        {
            var results = new List<double[]>();
            for (int i = 0; i < runs; i++)
            {
                var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
                {
                    start.ArgumentList.Add(typeof(FirstCall).Assembly.Location);
                }

                start.ArgumentList.Add("--first-call-child");
                start.ArgumentList.Add(contender);
                var clock = Stopwatch.StartNew();
                using Process child = Process.Start(start)!;
                string output = child.StandardOutput.ReadToEnd();
                child.WaitForExit();
                double processMs = clock.Elapsed.TotalMilliseconds;
                string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
                if (child.ExitCode != 0 || line is null)
                {
                    Console.Error.WriteLine($"first-call child failed (exit {child.ExitCode}):\n{output}");
                    return 1;
                }

                results.Add(line[Marker.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).Append(processMs).ToArray());
            }

            string title = contender == "staticnet" ? "StaticNet MnistNet" : "ONNX Runtime (1 thread), same network";
            Console.WriteLine($"{title}: first calls in {runs} fresh processes (median [min – max]):");
            for (int m = 0; m < names.Length; m++)
            {
                double[] sorted = results.Select(r => r[m]).Order().ToArray();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {names[m],-42} {sorted[sorted.Length / 2],10:F1} {units[m]}  [{sorted[0]:F1} – {sorted[^1]:F1}]"));
            }
        }

        return 0;
    }

    public static int RunChild(string contender)
    {
        float[] input = GC.AllocateArray<float>(MnistNet.InputSize, pinned: true);
        float[] output = GC.AllocateArray<float>(MnistNet.OutputSize, pinned: true);
        Model.FillInputs(input);

        long t0 = Stopwatch.GetTimestamp();
        Action call;
        if (contender == "onnx")
        {
            var onnx = new OnnxRuntimeContender(Model.Read(Model.Mnist, Model.MnistWeightsPath()), input, output, batch: 1, threads: 1);
            call = onnx.Run;
        }
        else
        {
            MnistNet net = MnistNet.Load(Model.MnistWeightsPath());
            call = () => net.Forward(input, output);
        }

        long t1 = Stopwatch.GetTimestamp();
        TimeSpan jit0 = JitInfo.GetCompilationTime();
        long methods0 = JitInfo.GetCompiledMethodCount();
        call();
        long t2 = Stopwatch.GetTimestamp();
        double jitUs = (JitInfo.GetCompilationTime() - jit0).TotalMicroseconds;
        long methods = JitInfo.GetCompiledMethodCount() - methods0;
        for (int i = 1; i < 1000; i++)
        {
            call();
        }

        long t3 = Stopwatch.GetTimestamp();
        double[] steady = new double[10_000];
        for (int i = 0; i < steady.Length; i++)
        {
            long s = Stopwatch.GetTimestamp();
            call();
            steady[i] = Stopwatch.GetElapsedTime(s).TotalMicroseconds;
        }

        Array.Sort(steady);
        double Us(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMicroseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Marker} {Us(t0, t1):F3} {Us(t1, t2):F3} {jitUs:F3} {methods} {Us(t1, t3):F3} {steady[steady.Length / 2]:F3}"));
        return 0;
    }
}
