using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The few rows of a small batch (fewer than 16: too few to give each core whole 8-row blocks) through a large dense
/// layer, with the layer's outputs split over the cores instead: each core computes a share of the 16-wide column
/// panels for all the rows. Same bits as one thread: every output is the same canonical sum.
/// </summary>
/// <remarks>
/// Only <see cref="ParallelBatch"/> (a network's <c>ForwardParallel</c>) turns this on, for the calling thread and the
/// duration of one call, so that the generated forward pass stays one piece of code: <see cref="DenseKernel"/>
/// checks <see cref="Active"/> only for layers whose weights outgrow one core's L2
/// (<see cref="DenseKernel.OutgrowsL2{TFormat, TShape}"/>, a JIT-time constant, so other layers do not even read it). Such a
/// layer's weights come from L3 at every call; two cores stream them with nearly twice one core's bandwidth, while a
/// layer that fits in L2 is over in microseconds, no longer than waking a worker takes. Split by rows instead, 8–15
/// rows would have every core stream all the weights (and in 4-row blocks): 1.3× on 2 cores at 8 rows, against
/// 1.6–1.7× split by outputs.
/// </remarks>
internal static class ParallelColumns
{
    /// <summary>The most rows split by outputs; from 16 rows, each of 2 cores gets whole 8-row blocks.</summary>
    public const int MaximumRows = (2 * KernelTuning.RowBlock512) - 1;

    /// <summary>Panels per unit of work: the one-row kernel's block.</summary>
    private const int PanelsPerGroup = KernelTuning.SingleRowPanels;

    [ThreadStatic]
    private static bool t_active;

    [ThreadStatic]
    private static bool t_sawLargeLayer;

    /// <summary>True on a thread inside <see cref="TryRunWithColumnsSplit{TNetwork}"/>.</summary>
    public static bool Active => t_active;

    /// <summary>
    /// Runs <paramref name="network"/>'s one-thread forward pass over <paramref name="rows"/> (1–15) rows with its large
    /// layers' outputs split over the cores. False, having done nothing, for 8 or more rows of a network known to have
    /// no such layer (the caller then splits the rows): whether it has one is learnt on its first such call.
    /// </summary>
    public static bool TryRunWithColumnsSplit<TNetwork>(TNetwork network, ReadOnlySpan<float> inputs, Span<float> outputs, int rows)
        where TNetwork : class, INetwork
    {
        if (rows >= KernelTuning.RowBlock512 && NoLargeLayer<TNetwork>.Known)
        {
            return false;
        }

        t_active = true;
        t_sawLargeLayer = false;
        try
        {
            network.Forward(inputs, outputs);
        }
        finally
        {
            t_active = false;
        }

        if (!t_sawLargeLayer)
        {
            NoLargeLayer<TNetwork>.Known = true;
        }

        return true;
    }

    /// <summary>
    /// Computes <paramref name="rows"/> (1–15) rows of a large layer with its panels shared among the cores; false,
    /// having done nothing, if the workers are busy with another call (the caller then computes alone).
    /// </summary>
    public static unsafe bool TryForward<TFormat, TShape, TActivation>(float* x, float* y, int rows, DenseWeights weights)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        t_sawLargeLayer = true;
        RowWorkers? workers = RowWorkers.Shared;
        if (workers is null)
        {
            return false;
        }

        // The workers hand out "rows" [first, first + count); here each of those is a group of 4 panels.
        int groups = (weights.Panels + PanelsPerGroup - 1) / PanelsPerGroup;
        return rows switch
        {
            1 => workers.TryRun(&Groups<TFormat, TShape, TActivation, Block1>, x, y, groups, weights),
            2 => workers.TryRun(&Groups<TFormat, TShape, TActivation, Block2>, x, y, groups, weights),
            3 => workers.TryRun(&Groups<TFormat, TShape, TActivation, Block3>, x, y, groups, weights),
            4 => workers.TryRun(&Groups<TFormat, TShape, TActivation, Block4>, x, y, groups, weights),
            5 => workers.TryRun(&Groups<TFormat, TShape, TActivation, Block5>, x, y, groups, weights),
            6 => workers.TryRun(&Groups<TFormat, TShape, TActivation, Block6>, x, y, groups, weights),
            7 => workers.TryRun(&Groups<TFormat, TShape, TActivation, Block7>, x, y, groups, weights),
            8 => workers.TryRun(&Groups<TFormat, TShape, TActivation, Block8>, x, y, groups, weights),
            9 => workers.TryRun(&GroupsOfEightAndMore<TFormat, TShape, TActivation, Block1>, x, y, groups, weights),
            10 => workers.TryRun(&GroupsOfEightAndMore<TFormat, TShape, TActivation, Block2>, x, y, groups, weights),
            11 => workers.TryRun(&GroupsOfEightAndMore<TFormat, TShape, TActivation, Block3>, x, y, groups, weights),
            12 => workers.TryRun(&GroupsOfEightAndMore<TFormat, TShape, TActivation, Block4>, x, y, groups, weights),
            13 => workers.TryRun(&GroupsOfEightAndMore<TFormat, TShape, TActivation, Block5>, x, y, groups, weights),
            14 => workers.TryRun(&GroupsOfEightAndMore<TFormat, TShape, TActivation, Block6>, x, y, groups, weights),
            15 => workers.TryRun(&GroupsOfEightAndMore<TFormat, TShape, TActivation, Block7>, x, y, groups, weights),
            _ => false,
        };
    }

    /// <summary>One share: panel groups [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of every row.</summary>
    private static unsafe void Groups<TFormat, TShape, TActivation, TRows>(float* x, float* y, int first, int count, object state)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        var weights = (DenseWeights)state;
        int end = Math.Min(weights.Panels, (first + count) * PanelsPerGroup);
        DenseKernel.PanelRange512<TFormat, TShape, TActivation, TRows>(x, y, weights.PackedPanels, weights.Bias, first * PanelsPerGroup, end);
    }

    /// <summary>
    /// One share of 8 + <typeparamref name="TRest"/> rows, a few panels at a time: the first 8 rows (the AVX-512
    /// register block, <see cref="KernelTuning.RowBlock512"/>; <see cref="Block8"/> as a type) as one block, then the
    /// rest while those panels' weights are still in L2 (a whole share, read twice, would come from L3 twice).
    /// </summary>
    private static unsafe void GroupsOfEightAndMore<TFormat, TShape, TActivation, TRest>(float* x, float* y, int first, int count, object state)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRest : struct, IBlockConstant
    {
        // Whole column blocks of the 8-row kernel, as many as fit in half an L2 (the other half holds the rows and
        // what else the core runs): 2 for K = 1024 and a 1 MB L2.
        long columnBlockBytes = (long)KernelTuning.PanelBlock512 * TShape.Inputs * TFormat.StepBytes;
        int panelsAtATime = KernelTuning.PanelBlock512 * (int)Math.Max(1, CacheSizes.L2Bytes / 2 / columnBlockBytes);
        var weights = (DenseWeights)state;
        int end = Math.Min(weights.Panels, (first + count) * PanelsPerGroup);
        float* xRest = x + ((long)KernelTuning.RowBlock512 * TShape.Inputs);
        float* yRest = y + ((long)KernelTuning.RowBlock512 * TShape.Outputs);
        for (int panel = first * PanelsPerGroup; panel < end; panel += panelsAtATime)
        {
            int stop = Math.Min(end, panel + panelsAtATime);
            DenseKernel.PanelRange512<TFormat, TShape, TActivation, Block8>(x, y, weights.PackedPanels, weights.Bias, panel, stop);
            DenseKernel.PanelRange512<TFormat, TShape, TActivation, TRest>(xRest, yRest, weights.PackedPanels, weights.Bias, panel, stop);
        }
    }

    /// <summary>Set once a network is seen to run a few rows without any layer large enough to split.</summary>
    private static class NoLargeLayer<TNetwork>
    {
        public static bool Known;
    }
}
