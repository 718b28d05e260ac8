using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace StaticNet.Bench;

/// <summary>
/// <c>--first-call [runs]</c>: how long MnistNet takes in a process that has never run it. Each run starts this
/// program afresh (<c>--first-call-child</c>), which times, with a Stopwatch: <c>MnistNet.Load</c> of the weights
/// file, the very first batch-1 <c>Forward</c>, and the first 1,000 calls (the first included); then 10,000 more
/// calls for the steady state. The parent prints the median (and the range) over the runs.
/// </summary>
internal static class FirstCall
{
    private const string Marker = "first-call:";

    public static int RunParent(int runs)
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

            double[] values = line[Marker.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).Append(processMs).ToArray();
            results.Add(values);
        }

        string[] names =
        [
            "Load (weights file → network)",
            "first Forward, batch 1",
            "first 1,000 Forward calls, in all",
            "steady state, per call (median of 10,000)",
            "whole child process, start to exit",
        ];
        string[] units = ["µs", "µs", "µs", "µs", "ms"];
        Console.WriteLine($"MnistNet first-call latency, {runs} fresh processes (median [min – max]):");
        for (int m = 0; m < names.Length; m++)
        {
            double[] sorted = results.Select(r => r[m]).Order().ToArray();
            double median = sorted[sorted.Length / 2];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {names[m],-42} {median,10:F1} {units[m]}  [{sorted[0]:F1} – {sorted[^1]:F1}]"));
        }

        return 0;
    }

    public static int RunChild()
    {
        string path = Model.MnistWeightsPath();
        float[] input = new float[MnistNet.InputSize];
        float[] output = new float[MnistNet.OutputSize];
        Model.FillInputs(input);

        long t0 = Stopwatch.GetTimestamp();
        MnistNet net = MnistNet.Load(path);
        long t1 = Stopwatch.GetTimestamp();
        net.Forward(input, output);
        long t2 = Stopwatch.GetTimestamp();
        for (int i = 1; i < 1000; i++)
        {
            net.Forward(input, output);
        }

        long t3 = Stopwatch.GetTimestamp();
        double[] steady = new double[10_000];
        for (int i = 0; i < steady.Length; i++)
        {
            long s = Stopwatch.GetTimestamp();
            net.Forward(input, output);
            steady[i] = Stopwatch.GetElapsedTime(s).TotalMicroseconds;
        }

        Array.Sort(steady);
        double Us(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMicroseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Marker} {Us(t0, t1):F3} {Us(t1, t2):F3} {Us(t1, t3):F3} {steady[steady.Length / 2]:F3}"));
        return 0;
    }
}
