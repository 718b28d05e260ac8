using System;

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
/// Such a jump only ever adds to the reading (in the same program, 8 of 600,000 windows read more than 0 and none read
/// less), and lands in a window now and then, while what the code allocates, it
/// allocates in every window. So the code runs in several windows and the least reading is the result: the reading of
/// a window no jump touched. The measurement stays strict: code that allocates X bytes a call reads X in every window.
/// (Measuring only windows that saw no GC, by <see cref="GC.CollectionCount"/> and <see cref="GC.GetTotalPauseDuration"/>,
/// was tried first: it failed twice in 22 full runs, once when a window that saw no GC still read ~100 KB for a call
/// that allocates 5 KB every time, and once when other tests collected so often that 198 of 200 windows saw a GC.)
/// </para>
/// </remarks>
internal static class AllocationMeter
{
    /// <summary>Windows measured at most; a jump in all of them is as good as impossible.</summary>
    private const int Windows = 5;

    /// <summary>
    /// Bytes <paramref name="action"/> allocates on the calling thread: the least reading of up to five windows (it stops
    /// at a window that reads 0, since nothing reads less). The action may run several times, so it must do the same
    /// thing each time (warm it up first: a first call may compile code).
    /// </summary>
    public static long OnThisThread(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        long least = long.MaxValue;
        for (int window = 0; window < Windows && least > 0; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
