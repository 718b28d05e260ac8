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
internal static class ParallelRows
{
    // FMAs below which a call stays on one thread: ~0.2 ms of work at one core's peak, well above the cost of
    // waking a worker and joining it.
    private const long MinimumWork = 16L * 1024 * 1024;


    /// <summary>Computes <paramref name="rows"/> rows, split over the cores when the batch is large enough.</summary>
    /// <remarks>Same contract as <see cref="DenseKernel.Forward{TShape, TActivation}"/>.</remarks>
    public static unsafe void Forward<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        DenseKernel.Check<TShape>(input, output, rows, weights);
        RowWorkers? workers = (long)rows * TShape.Inputs * TShape.Outputs >= MinimumWork && rows >= KernelTuning.RowBlock512 ? RowWorkers.Shared : null;
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
    private static unsafe void ForwardRange<TShape, TActivation>(float* x, float* y, int first, int count, object state)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        var weights = (DenseWeights)state;
        long k = TShape.Inputs;
        long n = TShape.Outputs;
        DenseKernel.Forward<TShape, TActivation>(
            new ReadOnlySpan<float>(x + (first * k), (int)(count * k)),
            new Span<float>(y + (first * n), (int)(count * n)),
            count,
            weights);
    }
}
