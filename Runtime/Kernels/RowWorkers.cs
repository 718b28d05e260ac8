using System;
using System.Threading;

namespace StaticNet.Kernels;

/// <summary>Long-lived workers, one per core beyond the first, woken for each parallel call.</summary>
internal sealed unsafe class RowWorkers
{
    /// <summary>Rows per share are a multiple of the widest row block, so every share runs full register blocks.</summary>
    public const int RowGranule = 8;

    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim[] _start;
    private readonly ManualResetEventSlim _done = new(false);

    // The current call, written by the caller before the workers are woken and read by them after.
    private delegate*<float*, float*, int, int, object, void> _job;
    private float* _x;
    private float* _y;
    private int _rows;
    private int _share;
    private object? _state;
    private int _pending;
    private Exception? _failure;

    private RowWorkers(int count)
    {
        // An event allocates its lock the first time a wait blocks; block once now (1 ms, at creation) so
        // that steady-state calls allocate nothing. The workers do the same for theirs as they start.
        _done.Wait(1);
        _start = new ManualResetEventSlim[count];
        for (int i = 0; i < count; i++)
        {
            _start[i] = new ManualResetEventSlim(false);
            var thread = new Thread(Work) { IsBackground = true, Name = $"StaticNet rows {i + 1}" };
            thread.Start(i);
        }
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
            int shares = _start.Length + 1;
            int share = (rows + (shares * RowGranule) - 1) / (shares * RowGranule) * RowGranule;
            int used = (rows + share - 1) / share;
            _job = job;
            _x = x;
            _y = y;
            _rows = rows;
            _share = share;
            _state = state;
            _failure = null;
            _pending = used - 1;
            _done.Reset();
            for (int i = 0; i < used - 1; i++)
            {
                _start[i].Set();
            }

            try
            {
                job(x, y, 0, Math.Min(share, rows), state);
            }
            finally
            {
                // Whatever happened here, the workers hold pointers into the caller's pinned spans: wait.
                if (used > 1)
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
        int index = (int)state!;
        ManualResetEventSlim start = _start[index];
        while (true)
        {
            start.Wait();
            start.Reset();
            int first = (index + 1) * _share;
            try
            {
                _job(_x, _y, first, Math.Min(_share, _rows - first), _state!);
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

    // Creates the workers on first use only.
    private static class Holder
    {
        public static readonly RowWorkers? Instance = Environment.ProcessorCount > 1 ? new RowWorkers(Environment.ProcessorCount - 1) : null;
    }
}
