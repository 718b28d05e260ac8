using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace StaticNet.Bench;

/// <summary>
/// How busy the rest of the machine was while a benchmark case ran: the CPU time all processes used (from
/// /proc/stat, steal included) minus this process's own, over the wall time, in cores. On a shared machine this
/// tells which rows other processes slowed down. Each case writes its figure to a small file that the report reads.
/// </summary>
internal sealed class MachineLoad
{
    private readonly long _busy0;
    private readonly TimeSpan _own0;
    private readonly long _start;

    private MachineLoad()
    {
        _busy0 = BusyTicks();
        _own0 = Process.GetCurrentProcess().TotalProcessorTime;
        _start = Stopwatch.GetTimestamp();
    }

    /// <summary>Where the cases' figures go: one file per case.</summary>
    public static string Folder => Path.Combine(Path.GetTempPath(), "staticnet-bench-load");

    /// <summary>Starts measuring, or returns null where /proc/stat does not exist.</summary>
    public static MachineLoad? Start() => File.Exists("/proc/stat") ? new MachineLoad() : null;

    /// <summary>Cores' worth of CPU other processes used since <see cref="Start"/>.</summary>
    public double OthersInCores()
    {
        double wall = Stopwatch.GetElapsedTime(_start).TotalSeconds;
        double all = (BusyTicks() - _busy0) / 100.0; // USER_HZ is 100 on Linux
        double own = (Process.GetCurrentProcess().TotalProcessorTime - _own0).TotalSeconds;
        return wall <= 0 ? 0 : Math.Max(0, (all - own) / wall);
    }

    /// <summary>Records the figure of a case (by its display name).</summary>
    public void Save(string caseName)
    {
        Directory.CreateDirectory(Folder);
        // A case runs in several processes (launches): keep the busiest one's figure.
        double others = Math.Max(OthersInCores(), Read(caseName) ?? 0);
        File.WriteAllText(Path.Combine(Folder, FileName(caseName)), others.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>The figure a case recorded, if any.</summary>
    public static double? Read(string caseName)
    {
        string path = Path.Combine(Folder, FileName(caseName));
        return File.Exists(path) ? double.Parse(File.ReadAllText(path), CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Forgets every figure (at the start of a run).</summary>
    public static void Clear()
    {
        if (Directory.Exists(Folder))
        {
            foreach (string file in Directory.EnumerateFiles(Folder, "*.txt"))
            {
                File.Delete(file);
            }
        }
    }

    private static string FileName(string caseName) => string.Concat(caseName.Select(c => char.IsLetterOrDigit(c) ? c : '_')) + ".txt";

    /// <summary>Busy clock ticks of all CPUs: user, nice, system, irq, softirq and steal from the first line of /proc/stat.</summary>
    private static long BusyTicks()
    {
        string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => i < fields.Length ? long.Parse(fields[i], CultureInfo.InvariantCulture) : 0;
        return Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
    }
}
