using System;
using Xunit.Sdk;

namespace StaticNet.Generator.Tests.Support;

/// <summary>
/// Measures what a piece of code allocates, exactly, whatever other threads (other tests) do at the same time.
/// </summary>
/// <remarks>
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> alone is not a measurement of the code it brackets: when a
/// background GC, started by another thread's allocations, suspends this thread, the runtime may count the unused rest
/// of this thread's allocation context as allocated (up to the size of that context: several KB, ~100 KB seen). A
/// thread that allocates nothing then reads a few KB "allocated". Measured in a stand-alone program: one thread doing
/// only arithmetic between the two reads, another allocating and collecting; with background GC on, 13–20 of 300,000
/// windows read 224–8,072 B; with <c>DOTNET_gcConcurrent=0</c> none did, and none of the windows that saw no GC pause did
/// either. That is what made the zero-allocation tests fail in about one full run in three and pass alone.
/// <para>
/// So a window counts only if no GC started and no GC pause happened inside it (<see cref="GC.CollectionCount"/> and
/// <see cref="GC.GetTotalPauseDuration"/> unchanged); otherwise the code runs again. That alone is not enough: in one
/// of the first three runs of a 20-run series, a window that saw neither still read ~100 KB for a call that allocates
/// 5 KB every time (most likely the pause of a background GC already under way, not yet counted when this thread ran
/// again). So the result is the least of three clean windows: a jump lands in one window now and then, while what the
/// code allocates, it allocates in every window. The measurement stays strict: code that allocates reads non-zero,
/// and code that allocates so much that every window sees a GC fails for having no clean window.
/// </para>
/// </remarks>
internal static class AllocationMeter
{
    /// <summary>Windows tried before giving up; a background GC every few hundred ms leaves most windows clean.</summary>
    private const int Attempts = 200;

    /// <summary>Clean windows measured; the least of them is the result.</summary>
    private const int CleanWindows = 3;

    /// <summary>
    /// Bytes <paramref name="action"/> allocates on the calling thread: the least of three windows no GC touched. The
    /// action runs several times, so it must do the same thing each time (warm it up first: a first call may compile code).
    /// </summary>
    public static long OnThisThread(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        long least = long.MaxValue;
        int clean = 0;
        for (int attempt = 0; attempt < Attempts && clean < CleanWindows; attempt++)
        {
            int collections = GC.CollectionCount(0);
            TimeSpan paused = GC.GetTotalPauseDuration();
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (GC.CollectionCount(0) == collections && GC.GetTotalPauseDuration() == paused)
            {
                least = Math.Min(least, allocated);
                clean++;
            }
        }

        return clean == CleanWindows
            ? least
            : throw new XunitException($"Only {clean} of {Attempts} measurements were free of a garbage collection: the code allocates enough to trigger one almost every time, or the machine collects constantly.");
    }
}
