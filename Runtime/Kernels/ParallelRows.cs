using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace StaticNet.Kernels;

/// <summary>
/// <see cref="DenseKernel.Forward{TShape, TActivation}"/> with the rows of a large batch split over the
/// processor's cores. Results are bit-identical to the one-thread call: every row is computed by the same
/// canonical arithmetic whichever thread computes it.
/// </summary>
/// <remarks>
/// A call allocates nothing: the work is handed to long-lived worker threads (one per extra core, created on
/// first use) through a function pointer and raw pointers to the pinned spans, and the caller computes the
/// first share itself and waits for the rest. Only one parallel call runs at a time; a call that finds the
/// workers busy, or whose batch is too small to repay waking them (a few microseconds), runs on its own thread.
/// </remarks>
public static class ParallelRows
{
    // FMAs below which a call stays on one thread: ~0.2 ms of work at one core's peak, well above the cost of
    // waking a worker and joining it.
    private const long MinimumWork = 16L * 1024 * 1024;

    // Rows per share are a multiple of the widest row block, so every share runs full register blocks.
    private const int RowGranule = 8;

    /// <summary>Computes <paramref name="rows"/> rows, split over the cores when the batch is large enough.</summary>
    /// <remarks>Same contract as <see cref="DenseKernel.Forward{TShape, TActivation}"/>.</remarks>
    public static unsafe void Forward<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        DenseKernel.Check<TShape>(input, output, rows, weights);
        RowWorkers? workers = (long)rows * TShape.Inputs * TShape.Outputs >= MinimumWork && rows >= 2 * RowGranule ? RowWorkers.Shared : null;
        if (workers is null)
        {
            DenseKernel.Forward<TShape, TActivation>(input, output, rows, weights);
            return;
        }

        fixed (float* x = input)
        fixed (float* y = output)
        {
            if (!workers.TryRun(&ForwardRange<TShape, TActivation>, x, y, rows, weights))
            {
                DenseKernel.Forward<TShape, TActivation>(input, output, rows, weights);
            }
        }
    }

    /// <summary>One share: rows [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>).</summary>
    private static unsafe void ForwardRange<TShape, TActivation>(float* x, float* y, int first, int count, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        long k = TShape.Inputs;
        long n = TShape.Outputs;
        DenseKernel.Forward<TShape, TActivation>(
            new ReadOnlySpan<float>(x + (first * k), (int)(count * k)),
            new Span<float>(y + (first * n), (int)(count * n)),
            count,
            weights);
    }

    /// <summary>Long-lived workers, one per core beyond the first, woken for each parallel call.</summary>
    private sealed unsafe class RowWorkers
    {
        private readonly Lock _gate = new();
        private readonly ManualResetEventSlim[] _start;
        private readonly ManualResetEventSlim _done = new(false);

        // The current call, written by the caller before the workers are woken and read by them after.
        private delegate*<float*, float*, int, int, DenseWeights, void> _job;
        private float* _x;
        private float* _y;
        private int _rows;
        private int _share;
        private DenseWeights? _weights;
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
        public bool TryRun(delegate*<float*, float*, int, int, DenseWeights, void> job, float* x, float* y, int rows, DenseWeights weights)
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
                _weights = weights;
                _failure = null;
                _pending = used - 1;
                _done.Reset();
                for (int i = 0; i < used - 1; i++)
                {
                    _start[i].Set();
                }

                try
                {
                    job(x, y, 0, Math.Min(share, rows), weights);
                }
                finally
                {
                    // Whatever happened here, the workers hold pointers into the caller's pinned spans: wait.
                    if (used > 1)
                    {
                        _done.Wait();
                    }
                }

                _weights = null;
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
                    _job(_x, _y, first, Math.Min(_share, _rows - first), _weights!);
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
}
