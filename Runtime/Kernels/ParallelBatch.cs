using System;
using System.ComponentModel;

namespace StaticNet.Kernels;

/// <summary>
/// A whole network over a batch on every core: each core runs its share of rows through all the layers, so there
/// is one hand-off per call rather than one per layer. A batch of fewer than 16 rows cannot give each core whole
/// 8-row blocks; its layers too large for one core's L2 share out their outputs instead (<see cref="ParallelColumns"/>,
/// one hand-off per such layer), and a network without such layers shares 8–15 rows out in chunks of 4. A batch too
/// small to split by rows (MNIST below 10 rows, batch 1 above all) shares out the outputs of its layers worth a
/// hand-off, each core a fixed share of their weights, kept in its own L2 from call to call. Results are bit-identical
/// to one thread (each output's arithmetic does not depend on which thread computes it). No allocation per call; see
/// <see cref="RowWorkers"/> for how the work is handed over (spinning workers that block when idle).
/// Exists for generated code, so it is hidden from IntelliSense and may change between versions.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ParallelBatch
{
    // Work from which a batch is split by rows: ~10 µs at one core's peak. Rows are claimed in chunks, whole blocks of
    // rows through the whole network, so below this there are too few chunks to share (MNIST: 1.6× at batch 16, 1.9× at
    // 64); smaller batches share out the outputs of their larger layers instead.
    private const long MinimumFlop = 2L * 1024 * 1024;

    /// <summary>Runs <paramref name="network"/> over the batch, split over the cores when that pays.</summary>
    /// <exception cref="ArgumentException">The span lengths are not (batch, InputSize) and (batch, OutputSize).</exception>
    public static unsafe void Forward<TNetwork>(TNetwork network, ReadOnlySpan<float> inputs, Span<float> outputs)
        where TNetwork : class, INetwork
    {
        ArgumentNullException.ThrowIfNull(network);
        int rows = BatchShape.Rows(inputs.Length, TNetwork.InputSize, outputs.Length, TNetwork.OutputSize);
        RowWorkers? workers = RowWorkers.Shared;
        if (workers is null || rows == 0)
        {
            network.Forward(inputs, outputs);
            return;
        }

        bool tooSmallForRows = rows * TNetwork.FlopPerSample < MinimumFlop;
        if (rows <= ParallelColumns.MaximumRows && ParallelColumns.TryRunWithColumnsSplit(network, inputs, outputs, rows, layersInL2: tooSmallForRows))
        {
            // Too few rows for whole 8-row blocks on every core: the larger layers shared out their outputs instead.
            return;
        }

        if (tooSmallForRows)
        {
            // A small network over more rows than the outputs split takes: one thread.
            network.Forward(inputs, outputs);
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
