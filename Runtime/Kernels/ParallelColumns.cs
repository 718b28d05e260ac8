using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The few rows of a small batch (fewer than <see cref="RowWorkers.RowGranule"/>, too few to split by rows) through a
/// large dense layer, with the layer's outputs split over the cores instead: each core computes a share of the
/// 16-wide column panels for all the rows. Same bits as one thread: every output is the same canonical sum.
/// </summary>
/// <remarks>
/// Only <see cref="ParallelBatch"/> (a network's <c>ForwardParallel</c>) turns this on, for the calling thread and the
/// duration of one call, so that the generated forward pass stays one piece of code: <see cref="DenseKernel"/>
/// checks <see cref="Active"/> only for layers at least <see cref="MinimumWeightBytes"/> large (a JIT-time
/// constant, so other layers do not even read it). Such a layer's weights do not fit in one core's L2 and come
/// from L3 at every call; two cores stream them with nearly twice one core's bandwidth, while a layer that fits
/// in L2 is over in microseconds, no longer than waking a worker takes.
/// </remarks>
internal static class ParallelColumns
{
    /// <summary>Weights (packed, in bytes) from which a layer's outputs are split over the cores: one core's L2.</summary>
    public const long MinimumWeightBytes = 1024 * 1024;

    /// <summary>Panels per unit of work: the batch-1 kernel's block of 4.</summary>
    private const int PanelsPerGroup = 4;

    [ThreadStatic]
    private static bool t_active;

    /// <summary>True on a thread inside <see cref="RunWithColumnsSplit{TNetwork}"/>.</summary>
    public static bool Active => t_active;

    /// <summary>True if <typeparamref name="TShape"/>'s packed weights are large enough to split; a JIT-time constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsLarge<TShape>()
        where TShape : struct, IDenseShape
        => (long)TShape.Inputs * DenseKernel.PanelCount<TShape>() * DenseWeights.PanelWidth * sizeof(float) >= MinimumWeightBytes;

    /// <summary>Runs <paramref name="network"/>'s one-thread forward pass with the large layers' outputs split over the cores.</summary>
    public static void RunWithColumnsSplit<TNetwork>(TNetwork network, ReadOnlySpan<float> inputs, Span<float> outputs)
        where TNetwork : class, INetwork
    {
        t_active = true;
        try
        {
            network.Forward(inputs, outputs);
        }
        finally
        {
            t_active = false;
        }
    }

    /// <summary>
    /// Computes <paramref name="rows"/> (1–7) rows of a large layer with its panels shared among the cores; false,
    /// having done nothing, if the workers are busy with another call (the caller then computes alone).
    /// </summary>
    public static unsafe bool TryForward<TShape, TActivation>(float* x, float* y, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        RowWorkers? workers = RowWorkers.Shared;
        if (workers is null)
        {
            return false;
        }

        // The workers hand out "rows" [first, first + count); here each of those is a group of 4 panels.
        int groups = (weights.Panels + PanelsPerGroup - 1) / PanelsPerGroup;
        return rows switch
        {
            1 => workers.TryRun(&Groups<TShape, TActivation, Block1>, x, y, groups, weights),
            2 => workers.TryRun(&Groups<TShape, TActivation, Block2>, x, y, groups, weights),
            3 => workers.TryRun(&Groups<TShape, TActivation, Block3>, x, y, groups, weights),
            4 => workers.TryRun(&Groups<TShape, TActivation, Block4>, x, y, groups, weights),
            5 => workers.TryRun(&Groups<TShape, TActivation, Block5>, x, y, groups, weights),
            6 => workers.TryRun(&Groups<TShape, TActivation, Block6>, x, y, groups, weights),
            7 => workers.TryRun(&Groups<TShape, TActivation, Block7>, x, y, groups, weights),
            _ => false,
        };
    }

    /// <summary>One share: panel groups [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of every row.</summary>
    private static unsafe void Groups<TShape, TActivation, TRows>(float* x, float* y, int first, int count, object state)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        var weights = (DenseWeights)state;
        int end = Math.Min(weights.Panels, (first + count) * PanelsPerGroup);
        DenseKernel.PanelRange512<TShape, TActivation, TRows>(x, y, weights.Weights, weights.Bias, first * PanelsPerGroup, end);
    }
}
