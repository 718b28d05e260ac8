using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace StaticNet.Bench;

/// <summary>
/// The measuring method of the in-process comparisons (<c>--path-ab</c>, <c>--parallel-ab</c>, <c>--conv-layers</c>,
/// <c>--format-ab</c>, <c>--int8-ab</c>): contenders run in short bursts, alternating, and each keeps its fastest burst.
/// Load from other processes only ever slows a burst down, so on a shared machine it affects all contenders alike, and
/// the ratios of best times hold where BenchmarkDotNet's means do not.
/// </summary>
internal static class AlternatingBursts
{
    /// <summary>How long one burst of a contender lasts, about.</summary>
    private const double BurstSeconds = 0.002;

    /// <summary>
    /// Each contender's fastest seconds per call over <paramref name="rounds"/> rounds of one ~2 ms burst each, every
    /// round starting at another contender so that none always follows the same one.
    /// </summary>
    /// <param name="rounds">Bursts per contender.</param>
    /// <param name="contenders">The calls to time.</param>
    /// <param name="untimedLead">
    /// Whether each burst starts with untimed calls (a tenth of it), so that it times the hot loop, not its start: for
    /// <c>ForwardParallel</c>, whose workers block during another contender's burst (it lasts longer than they spin), so
    /// that the first calls after it run alone while a worker wakes (tens of microseconds, far more on a busy machine).
    /// </param>
    public static double[] Best(int rounds, IReadOnlyList<Action> contenders, bool untimedLead = false)
    {
        // Warm-up (tier-1 code for all, other libraries' first runs), which also times each contender, so that each
        // gets bursts of ~2 ms at its own speed.
        var calls = new int[contenders.Count];
        var seconds = new double[contenders.Count];
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 300)
        {
            for (int c = 0; c < contenders.Count; c++)
            {
                long start = Stopwatch.GetTimestamp();
                contenders[c]();
                seconds[c] += Stopwatch.GetElapsedTime(start).TotalSeconds;
                calls[c]++;
            }
        }

        int[] burst = [.. Enumerable.Range(0, contenders.Count).Select(c => Math.Max(1, (int)(BurstSeconds / (seconds[c] / calls[c]))))];
        var best = new double[contenders.Count];
        Array.Fill(best, double.MaxValue);
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < contenders.Count; i++)
            {
                int c = (round + i) % contenders.Count;
                if (untimedLead)
                {
                    Burst(contenders[c], burst[c] / 10);
                }

                best[c] = Math.Min(best[c], Burst(contenders[c], burst[c]));
            }
        }

        return best;
    }

    /// <summary>Seconds per call over one burst of <paramref name="calls"/> calls.</summary>
    public static double Burst(Action call, int calls)
    {
        calls = Math.Max(1, calls);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds / calls;
    }

    /// <summary>The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown".</summary>
    public static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
