using System;
using System.Threading;

namespace StaticNet.Kernels;

/// <summary>Long-lived workers, one per core beyond the first, woken for each parallel call.</summary>
internal sealed unsafe class RowWorkers
{
    // Chunks per thread when the rows allow: enough to even out a late start, few enough that each chunk still
    // runs whole blocks of rows through the network.
    private const int ChunksPerThread = 4;

    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim[] _start;
    private readonly ManualResetEventSlim _done = new(false);

    // The current call, written by the caller before the workers are woken and read by them after.
    private delegate*<float*, float*, int, int, object, void> _job;
    private float* _x;
    private float* _y;
    private int _rows;
    private int _chunk;
    private int _claimed;
    private object? _state;
    private int _pending;
    private Exception? _failure;

    private RowWorkers(int count)
    {
        // An event allocates its lock (a 24-byte object) the first time a wait on it blocks. Each event blocks once
        // here, before any call can use it, so that no later call allocates, on any thread: the caller's event now,
        // each worker's as the worker starts. Without the wait for the workers, a call that arrived before a worker
        // first waited found its event already set, and the worker allocated the lock later, in the middle of some
        // other call (seen as 24 B in about one process in six that ran concurrent callers).
        _done.Wait(1);
        _start = new ManualResetEventSlim[count];
        using var ready = new CountdownEvent(count);
        for (int i = 0; i < count; i++)
        {
            _start[i] = new ManualResetEventSlim(false);
            var thread = new Thread(Work) { IsBackground = true, Name = $"StaticNet rows {i + 1}" };
            thread.Start((i, ready));
        }

        // All workers block on their events at about the same time: ~1 ms in all, once per process.
        ready.Wait();
    }

    /// <summary>The process's workers, or null on a single-core machine.</summary>
    public static RowWorkers? Shared => Holder.Instance;

    /// <summary>Runs the job over all rows in shares; false (nothing done) if another call holds the workers.</summary>
    public bool TryRun(delegate*<float*, float*, int, int, object, void> job, float* x, float* y, int rows, object state)
    {
        if (!_gate.TryEnter())
        {
            return false;
        }

        try
        {
            // Rows are handed out in chunks, claimed one at a time by whichever thread is free, rather than as
            // one fixed share per thread: a worker that wakes late (tens of microseconds on a busy machine, as
            // long as a small batch takes) then simply claims fewer chunks, and the caller does the rest.
            int threads = _start.Length + 1;
            // Below 2 granules (a wide network's batch of 8, say), halves of 4 rows: 4-row register blocks are
            // slower than 8-row ones, but two cores at ~90% beat one at full speed.
            // Chunks are whole AVX-512 register blocks of rows, so every chunk runs full blocks (half of one below 16 rows).
            int granule = rows >= 2 * KernelTuning.RowBlock512 ? KernelTuning.RowBlock512 : KernelTuning.RowBlock512 / 2;
            int chunk = Math.Max(granule, rows / (ChunksPerThread * threads) / granule * granule);
            int chunks = (rows + chunk - 1) / chunk;
            int helpers = Math.Min(_start.Length, chunks - 1);
            _job = job;
            _x = x;
            _y = y;
            _rows = rows;
            _chunk = chunk;
            _claimed = 0;
            _state = state;
            _failure = null;
            _pending = helpers;
            _done.Reset();
            for (int i = 0; i < helpers; i++)
            {
                _start[i].Set();
            }

            try
            {
                RunChunks();
            }
            finally
            {
                // Whatever happened here, the workers hold pointers into the caller's pinned spans: wait.
                if (helpers > 0)
                {
                    _done.Wait();
                }
            }

            _state = null;
            if (_failure is not null)
            {
                throw new AggregateException(_failure);
            }

            return true;
        }
        finally
        {
            _gate.Exit();
        }
    }

    private void Work(object? state)
    {
        (int index, CountdownEvent ready) = ((int, CountdownEvent))state!;
        ManualResetEventSlim start = _start[index];
        start.Wait(1); // creates the event's lock: nothing has set it yet, so this wait blocks
        ready.Signal();
        while (true)
        {
            start.Wait();
            start.Reset();
            try
            {
                RunChunks();
            }
            catch (Exception e)
            {
                // Handed to the caller: an exception escaping a worker would end the process.
                _failure = e;
            }

            if (Interlocked.Decrement(ref _pending) == 0)
            {
                _done.Set();
            }
        }
    }

    /// <summary>Claims and runs chunks of the current call until none is left.</summary>
    private void RunChunks()
    {
        int chunk = _chunk;
        int first;
        while ((first = Interlocked.Add(ref _claimed, chunk) - chunk) < _rows)
        {
            _job(_x, _y, first, Math.Min(chunk, _rows - first), _state!);
        }
    }

    // Creates the workers on first use only.
    private static class Holder
    {
        public static readonly RowWorkers? Instance = Environment.ProcessorCount > 1 ? new RowWorkers(Environment.ProcessorCount - 1) : null;
    }
}
