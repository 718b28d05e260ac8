using System;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace StaticNet.Kernels;

/// <summary>
/// Long-lived workers, one per core beyond the first, that take shares of a parallel call: chunks of rows claimed by
/// whichever thread is free (<see cref="TryRun"/>), or one fixed share per thread (<see cref="TryRunShares"/>).
/// </summary>
/// <remarks>
/// <para>
/// The hand-off is built for calls of a few microseconds (a batch-1 forward pass), where waking a blocked thread
/// (a futex wake and a reschedule: tens of microseconds on a busy machine) would cost more than the work. Each worker
/// has a slot: the caller writes its share there and posts it by writing the call's number into the slot; the worker,
/// spinning on that cache line, claims the share with a compare-exchange, runs it and writes the number back as
/// finished, while the caller runs its own share and then waits for the worker's. A hand-off costs a few cache-line
/// transfers between cores: ~0.2–0.3 µs from post to claim, measured on a 2-core Xeon.
/// </para>
/// <para>
/// The spin is bounded: a worker that has had no share for <see cref="SpinMicroseconds"/> marks itself asleep and
/// blocks on an event, so an idle process uses no CPU; the next caller to post to it sets the event. Nobody waits for a
/// sleeping or descheduled worker: when the caller has finished its own share it claims any share still unclaimed and
/// runs it itself (the same code, so the same bits), so a late worker costs at most the parallelism of that call.
/// </para>
/// <para>
/// One call at a time holds the workers (<see cref="TryRun"/> and <see cref="TryRunShares"/> return false, having done
/// nothing, to the others, who compute alone). No call allocates.
/// </para>
/// </remarks>
internal sealed unsafe class RowWorkers
{
    /// <summary>
    /// How long a worker keeps spinning after the last share posted to it before it blocks: ~30 batch-1 MNIST passes.
    /// A caller answering requests back to back keeps the workers spinning (what that costs is the second core, which
    /// the calls use anyway); a stream of calls further apart than this finds the worker asleep, and its first call
    /// runs alone while the event wakes the worker, which takes a futex wake and a reschedule, longer than the pass.
    /// Shorter, and a service with small gaps between requests would lose the second core; longer, and an idle
    /// process would burn more after its last call (the idle probe in SmallBatchParallelTests measures it).
    /// </summary>
    internal const int SpinMicroseconds = 100;

    // Chunks per thread when the rows allow: enough to even out a late start, few enough that each chunk still
    // runs whole blocks of rows through the network.
    private const int ChunksPerThread = 4;

    // Spins between two reads of the clock in a worker's wait: the clock read costs ~20 ns, a spin a few.
    private const int SpinsPerClockRead = 64;

    // Idle time after which a spinning thread gives its core away between looks (see Work and WaitFinished): several
    // batch-1 passes, so that a hot loop of calls never sees it.
    private const int YieldMicroseconds = 20;

    private static readonly long SpinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
    private static readonly long YieldTicks = Stopwatch.Frequency * YieldMicroseconds / 1_000_000;

    private readonly Lock _gate = new();
    private readonly Slot[] _slots;

    // The number of the current call (posted to a worker's slot as the share's "open" mark); only the gate's holder
    // changes it, and it never comes back to 0, the "nothing open" value.
    private long _call;

    // The current call's chunked rows, shared by all threads (TryRun): written before any share is posted.
    private int _rows;
    private int _chunk;
    private int _claimed;

    private RowWorkers(int count)
    {
        _slots = new Slot[count];
        using var ready = new CountdownEvent(count);
        for (int i = 0; i < count; i++)
        {
            _slots[i] = new Slot();
            var thread = new Thread(Work) { IsBackground = true, Name = $"StaticNet rows {i + 1}" };
            thread.Start((_slots[i], ready));
        }

        // Each worker has blocked on its event once before any call can post to it (see Work): ~1 ms, once per process.
        ready.Wait();
    }

    /// <summary>The process's workers, or null on a single-core machine.</summary>
    public static RowWorkers? Shared => Holder.Instance;

    /// <summary>
    /// Runs the job over all rows in chunks claimed by whichever thread is free; false (nothing done) if another call
    /// holds the workers.
    /// </summary>
    /// <remarks>
    /// Chunks rather than one fixed share per thread: a worker that starts late (asleep, or descheduled on a busy
    /// machine) simply claims fewer of them, and the caller does the rest.
    /// </remarks>
    public bool TryRun(delegate*<float*, float*, int, int, object, void> job, float* x, float* y, int rows, object state)
    {
        if (!_gate.TryEnter())
        {
            return false;
        }

        try
        {
            int threads = _slots.Length + 1;
            // Below 2 granules (a wide network's batch of 8, say), halves of 4 rows: 4-row register blocks are
            // slower than 8-row ones, but two cores at ~90% beat one at full speed.
            // Chunks are whole AVX-512 register blocks of rows, so every chunk runs full blocks (half of one below 16 rows).
            int granule = rows >= 2 * KernelTuning.RowBlock512 ? KernelTuning.RowBlock512 : KernelTuning.RowBlock512 / 2;
            int chunk = Math.Max(granule, rows / (ChunksPerThread * threads) / granule * granule);
            int chunks = (rows + chunk - 1) / chunk;
            int helpers = Math.Min(_slots.Length, chunks - 1);
            _rows = rows;
            _chunk = chunk;
            _claimed = 0;
            for (int i = 0; i < helpers; i++)
            {
                // Every share is "claim chunks until none is left"; first and count are unused.
                _slots[i].Set(job, x, y, 0, 0, state, chunked: true);
            }

            Run(helpers, job, x, y, 0, 0, state, chunked: true);
            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>
    /// Runs the job over <paramref name="items"/> items in one fixed share per thread, the same shares at every call
    /// for the same count: the caller takes items [0, items / threads), worker i the i-th share after it. False
    /// (nothing done) if another call holds the workers.
    /// </summary>
    /// <remarks>
    /// Fixed shares keep what each share reads (its part of a layer's weights) in the cache of the core that runs it,
    /// call after call. The caller still runs any share no worker has claimed by the time its own is done.
    /// </remarks>
    public bool TryRunShares(delegate*<float*, float*, int, int, object, void> job, float* x, float* y, int items, object state)
    {
        if (!_gate.TryEnter())
        {
            return false;
        }

        try
        {
            int helpers = Math.Min(_slots.Length, items - 1);
            for (int i = 0; i < helpers; i++)
            {
                int first = ShareStart(items, i + 1, helpers + 1);
                _slots[i].Set(job, x, y, first, ShareStart(items, i + 2, helpers + 1) - first, state, chunked: false);
            }

            Run(helpers, job, x, y, 0, ShareStart(items, 1, helpers + 1), state, chunked: false);
            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>The first item of share <paramref name="share"/> of <paramref name="shares"/>.</summary>
    private static int ShareStart(int items, int share, int shares) => (int)((long)items * share / shares);

    /// <summary>Posts the first <paramref name="helpers"/> slots, runs the caller's share, then sees every posted share done.</summary>
    private void Run(int helpers, delegate*<float*, float*, int, int, object, void> job, float* x, float* y, int first, int count, object state, bool chunked)
    {
        long call = ++_call;
        for (int i = 0; i < helpers; i++)
        {
            _slots[i].Post(call);
        }

        ExceptionDispatchInfo? own = null;
        Exception? failure = null;
        try
        {
            RunShare(job, x, y, first, count, state, chunked);
        }
        catch (Exception e)
        {
            own = ExceptionDispatchInfo.Capture(e);
        }

        // Whatever happened here, a worker may hold pointers into the caller's pinned spans: every posted share must be
        // done before this returns. A share no worker has claimed yet is run here, so nobody waits for a sleeping worker.
        for (int i = 0; i < helpers; i++)
        {
            Slot slot = _slots[i];
            // Plain reads first: a worker that claimed the share owns the line, and a compare-exchange would pull it
            // away from the worker just before it writes Finished there.
            if (Volatile.Read(ref slot.Finished) != call && Volatile.Read(ref slot.Open) == call
                && Interlocked.CompareExchange(ref slot.Open, 0, call) == call)
            {
                try
                {
                    slot.RunShare(this);
                }
                catch (Exception e)
                {
                    failure ??= e;
                }
            }
            else
            {
                slot.WaitFinished(call);
                failure ??= slot.Failure;
            }

            slot.Clear();
        }

        // The caller's own exception as it was thrown; one from another thread's share wrapped, with that thread's stack.
        own?.Throw();
        if (failure is not null)
        {
            throw new AggregateException(failure);
        }
    }

    private void RunShare(delegate*<float*, float*, int, int, object, void> job, float* x, float* y, int first, int count, object state, bool chunked)
    {
        if (!chunked)
        {
            if (count > 0)
            {
                job(x, y, first, count, state);
            }

            return;
        }

        // Claims and runs chunks of the current call until none is left.
        int chunk = _chunk;
        int rows = _rows;
        int start;
        while ((start = Interlocked.Add(ref _claimed, chunk) - chunk) < rows)
        {
            job(x, y, start, Math.Min(chunk, rows - start), state);
        }
    }

    private void Work(object? state)
    {
        (Slot slot, CountdownEvent ready) = ((Slot, CountdownEvent))state!;
        // An event allocates its lock (a 24-byte object) the first time a wait on it blocks. This wait blocks (nothing
        // has set the event), so it happens here, before any call, rather than in the middle of some later call.
        slot.Wake.Wait(1);
        ready.Signal();
        long idleSince = Stopwatch.GetTimestamp();
        long lastPosted = 0;
        int spins = 0;
        while (true)
        {
            long call = Volatile.Read(ref slot.Open);
            if (call != 0)
            {
                if (Interlocked.CompareExchange(ref slot.Open, 0, call) == call)
                {
                    try
                    {
                        slot.RunShare(this);
                    }
                    catch (Exception e)
                    {
                        // Handed to the caller: an exception escaping a worker would end the process.
                        slot.Failure = e;
                    }

                    Volatile.Write(ref slot.Finished, call);
                }

                idleSince = Stopwatch.GetTimestamp();
                continue;
            }

            if (++spins % SpinsPerClockRead != 0)
            {
                Thread.SpinWait(1);
                continue;
            }

            // Idle is measured from the last share posted, not the last one this worker ran: a worker descheduled for a
            // while (a busy machine) comes back to find the calls of that time run by their callers, and must stay
            // awake for the next ones rather than see an idle stretch and block.
            long posted = Volatile.Read(ref slot.Posted);
            if (posted != lastPosted)
            {
                lastPosted = posted;
                idleSince = Stopwatch.GetTimestamp();
            }

            long idle = Stopwatch.GetTimestamp() - idleSince;
            if (idle < SpinTicks)
            {
                if (idle < YieldTicks)
                {
                    Thread.SpinWait(1);
                }
                else
                {
                    // No call for a while: a caller descheduled, perhaps to let this very thread spin on its core (a busy
                    // machine, more threads than cores). Giving the core away now and then lets it come back; on a core
                    // of its own this returns at once.
                    Thread.Yield();
                }

                continue;
            }

            // No share for a while: block until a caller posts one. The caller writes Open and then reads Asleep; this
            // writes Asleep and then reads Open, each with a full fence between, so at least one sees the other's write:
            // either this sees the share and does not block, or the caller sees Asleep and sets the event.
            Interlocked.Exchange(ref slot.Asleep, 1);
            if (Volatile.Read(ref slot.Open) == 0)
            {
                slot.Wake.Wait();
            }

            Interlocked.Exchange(ref slot.Asleep, 0);
            // A set that arrives after this reset only makes the next block return at once; Open decides, not the event.
            slot.Wake.Reset();
            // Woken by a caller: spin again for the calls that follow it. (The share that woke it may be gone already,
            // run by its caller in the meantime.)
            idleSince = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>One worker's share of the current call, and the marks the caller and the worker hand it over with.</summary>
    private sealed class Slot
    {
        /// <summary>Set by a caller for a sleeping worker; the worker's only blocking wait.</summary>
        public readonly ManualResetEventSlim Wake = new(false, spinCount: 0);

        /// <summary>The number of the call whose share is posted here and not yet claimed; 0 when none is.</summary>
        public long Open;

        /// <summary>The number of the last call that posted a share here, claimed or not.</summary>
        public long Posted;

        /// <summary>The number of the last call whose share the worker finished.</summary>
        public long Finished;

        /// <summary>0 while the worker spins or works, 1 while it is (about to be) blocked on <see cref="Wake"/>, 2 once a caller set it.</summary>
        public int Asleep;

        /// <summary>What the worker's share threw, for the caller to rethrow.</summary>
        public Exception? Failure;

        private delegate*<float*, float*, int, int, object, void> _job;
        private float* _x;
        private float* _y;
        private int _first;
        private int _count;
        private object? _state;
        private bool _chunked;

        /// <summary>Writes the share; the worker reads it only after claiming the call posted after this.</summary>
        public void Set(delegate*<float*, float*, int, int, object, void> job, float* x, float* y, int first, int count, object state, bool chunked)
        {
            _job = job;
            _x = x;
            _y = y;
            _first = first;
            _count = count;
            _state = state;
            _chunked = chunked;
            Failure = null;
        }

        /// <summary>Opens the share for call <paramref name="call"/>, waking the worker if it sleeps.</summary>
        public void Post(long call)
        {
            Posted = call;
            // A full fence between writing Open and reading Asleep (see the worker's side in Work).
            Interlocked.Exchange(ref Open, call);
            // Only the first caller to find the worker asleep sets the event (1 → 2, "being woken"): a worker that takes
            // long to be scheduled would otherwise have every call in the meantime set it again.
            if (Volatile.Read(ref Asleep) == 1 && Interlocked.CompareExchange(ref Asleep, 2, 1) == 1)
            {
                Wake.Set();
            }
        }

        /// <summary>Runs the share, on the worker or on the caller that claimed it.</summary>
        public void RunShare(RowWorkers workers) => workers.RunShare(_job, _x, _y, _first, _count, _state!, _chunked);

        /// <summary>Waits for the worker that claimed call <paramref name="call"/>'s share to finish it.</summary>
        public void WaitFinished(long call)
        {
            // The worker claimed the share while the caller ran its own, so it is usually about done: spin on the mark,
            // and only if it is descheduled in the middle give the core away between looks.
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref Finished) != call)
            {
                if (Stopwatch.GetTimestamp() - start < YieldTicks)
                {
                    Thread.SpinWait(1);
                }
                else
                {
                    Thread.Yield();
                }
            }
        }

        /// <summary>Drops the reference to the caller's state, which must not outlive its call.</summary>
        public void Clear() => _state = null;
    }

    // Creates the workers on first use only.
    private static class Holder
    {
        public static readonly RowWorkers? Instance = Environment.ProcessorCount > 1 ? new RowWorkers(Environment.ProcessorCount - 1) : null;
    }
}
