using System;
using System.ComponentModel;

namespace StaticNet.Kernels;

/// <summary>
/// A whole network over a batch on every core: each core runs its share of rows through all the layers, so there
/// is one hand-off per call rather than one per layer. A batch of fewer than 16 rows cannot give each core whole
/// 8-row blocks; its layers too large for one core's L2 share out their outputs instead (<see cref="ParallelColumns"/>,
/// one hand-off per such layer), and a network without such layers shares 8–15 rows out in chunks of 4. Results are
/// bit-identical to one thread (each output's arithmetic does not depend on which thread computes it). No allocation
/// per call; see <see cref="RowWorkers"/> for how the work is handed over.
/// Exists for generated code, so it is hidden from IntelliSense and may change between versions.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ParallelBatch
{
    // Work below which a call stays on one thread: ~10 µs at one core's peak. Waking a worker and joining it
    // costs a few microseconds, and since rows are claimed in chunks a worker that wakes late only takes fewer
    // of them, so above this the second core pays off (MNIST: 1.6× at batch 16, 1.9× at 64).
    private const long MinimumFlop = 2L * 1024 * 1024;

    /// <summary>Runs <paramref name="network"/> over the batch, split over the cores when the batch is large enough.</summary>
    /// <exception cref="ArgumentException">The span lengths are not (batch, InputSize) and (batch, OutputSize).</exception>
    public static unsafe void Forward<TNetwork>(TNetwork network, ReadOnlySpan<float> inputs, Span<float> outputs)
        where TNetwork : class, INetwork
    {
        ArgumentNullException.ThrowIfNull(network);
        int rows = BatchShape.Rows(inputs.Length, TNetwork.InputSize, outputs.Length, TNetwork.OutputSize);
        RowWorkers? workers = rows * TNetwork.FlopPerSample >= MinimumFlop ? RowWorkers.Shared : null;
        if (workers is null)
        {
            network.Forward(inputs, outputs);
            return;
        }

        if (rows <= ParallelColumns.MaximumRows && ParallelColumns.TryRunWithColumnsSplit(network, inputs, outputs, rows))
        {
            // Too few rows for whole 8-row blocks on every core: the large layers shared out their outputs instead.
            return;
        }

        fixed (float* x = inputs)
        fixed (float* y = outputs)
        {
            if (!workers.TryRun(&ForwardRange<TNetwork>, x, y, rows, network))
            {
                network.Forward(inputs, outputs);
            }
        }
    }

    private static unsafe void ForwardRange<TNetwork>(float* x, float* y, int first, int count, object state)
        where TNetwork : class, INetwork
    {
        long k = TNetwork.InputSize;
        long n = TNetwork.OutputSize;
        ((TNetwork)state).Forward(
            new ReadOnlySpan<float>(x + (first * k), (int)(count * k)),
            new Span<float>(y + (first * n), (int)(count * n)));
    }
}
