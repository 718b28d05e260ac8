using System;
using System.Runtime.CompilerServices;

namespace StaticNet.Kernels;

/// <summary>
/// The few rows of a small batch (fewer than 16: too few to give each core whole 8-row blocks) through a dense layer,
/// with the layer's outputs split over the cores instead: each core computes a share of the 16-wide column panels for
/// all the rows. Same bits as one thread: every output is the same canonical sum.
/// </summary>
/// <remarks>
/// <para>
/// Only <see cref="ParallelBatch"/> (a network's <c>ForwardParallel</c>) turns this on, for the calling thread and the
/// duration of one call, so that the generated forward pass stays one piece of code: <see cref="DenseKernel"/> checks
/// <see cref="Splits"/> only for layers that can be split (<see cref="DenseKernel.OutgrowsL2{TFormat, TShape}"/> or
/// <see cref="WorthSplittingInL2{TFormat, TShape}"/>, JIT-time constants, so other layers do not even read it).
/// </para>
/// <para>
/// Two kinds of layer are split. A layer whose weights outgrow one core's L2 comes from L3 at every call; two cores
/// stream it with nearly twice one core's bandwidth. Its panels go in groups of 4 claimed by whichever core is free.
/// Split by rows instead, 8–15 rows would have every core stream all the weights (and in 4-row blocks): 1.3× on 2 cores
/// at 8 rows, against 1.6–1.7× split by outputs.
/// </para>
/// <para>
/// A network small enough for one core's L2 (MNIST) is split too when its work is too small to split by rows, at
/// batch 1 say, but only in its layers worth a hand-off (<see cref="MinimumSplitWeights"/>): there each core takes a
/// fixed share of the panels (<see cref="RowWorkers.TryRunShares"/>), the same share at every call, so that each core's
/// half of the weights stays in its own L2 and a stream of batch-1 calls reads no weight from farther away. The other
/// layers, over in a fraction of a microsecond, run on the caller. MNIST's 784→128 is 92% of its work; split, a batch-1
/// pass took 0.72–0.75× one core's time (float32; int8 0.70–0.72×) on a 2-core Xeon with the second core free (see
/// docs/architecture.md).
/// </para>
/// </remarks>
internal static class ParallelColumns
{
    /// <summary>The most rows split by outputs; from 16 rows, each of 2 cores gets whole 8-row blocks.</summary>
    public const int MaximumRows = (2 * KernelTuning.RowBlock512) - 1;

    /// <summary>
    /// Weights (K × panels × 16) from which a layer that fits in L2 is worth splitting in a batch of a few rows:
    /// 32 Ki weights, 128 KB as float32, ~0.5 µs of one core at one row, against a hand-off measured at ~0.2–0.3 µs from
    /// post to claim, and as long again for the worker's "finished" and outputs to come back. MNIST's 784→128 (100 Ki,
    /// ~3 µs) is split; its 128→64 (8 Ki: one column block, 128 dependent FMAs per output, ~0.2 µs) would save
    /// less than the hand-off costs.
    /// </summary>
    public const int MinimumSplitWeights = 32 * 1024;

    // What the calling thread's ForwardParallel splits: nothing, layers outgrowing L2, or those and layers worth
    // splitting in L2.
    private const int SplitNothing = 0, SplitLargeLayers = 1, SplitLayersWorthIt = 2;

    /// <summary>Panels per unit of work: the one-row kernel's block.</summary>
    private const int PanelsPerGroup = KernelTuning.SingleRowPanels;

    [ThreadStatic]
    private static int t_splitting;

    [ThreadStatic]
    private static bool t_sawLargeLayer;

    /// <summary>
    /// True on a thread inside <see cref="TryRunWithColumnsSplit{TNetwork}"/> for a layer that outgrows L2
    /// (<paramref name="outgrowsL2"/>), or for any splittable layer if the call splits layers worth it in L2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Splits(bool outgrowsL2) => t_splitting >= (outgrowsL2 ? SplitLargeLayers : SplitLayersWorthIt);

    /// <summary>
    /// True if <typeparamref name="TShape"/> fits in L2 in <typeparamref name="TFormat"/> yet has enough weights to be worth
    /// a hand-off (<see cref="MinimumSplitWeights"/>) and at least 2 panels to share; a JIT-time constant in tier-1 code.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool WorthSplittingInL2<TFormat, TShape>()
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        => !DenseKernel.OutgrowsL2<TFormat, TShape>()
            && DenseKernel.PanelCount<TShape>() >= 2
            && (long)TShape.Inputs * DenseKernel.PanelCount<TShape>() * DenseWeights.PanelWidth >= MinimumSplitWeights;

    /// <summary>
    /// Runs <paramref name="network"/>'s one-thread forward pass over <paramref name="rows"/> (1–15) rows with its large
    /// layers' outputs split over the cores, and with <paramref name="layersInL2"/> also those of its layers worth
    /// splitting that fit in L2. False, having done nothing, for 8 or more rows of a network known to have no large
    /// layer when only large layers are split (the caller then splits the rows): whether it has one is learnt on its
    /// first such call.
    /// </summary>
    public static bool TryRunWithColumnsSplit<TNetwork>(TNetwork network, ReadOnlySpan<float> inputs, Span<float> outputs, int rows, bool layersInL2)
        where TNetwork : class, INetwork
    {
        if (!layersInL2 && rows >= KernelTuning.RowBlock512 && NoLargeLayer<TNetwork>.Known)
        {
            return false;
        }

        t_splitting = layersInL2 ? SplitLayersWorthIt : SplitLargeLayers;
        t_sawLargeLayer = false;
        try
        {
            network.Forward(inputs, outputs);
        }
        finally
        {
            t_splitting = SplitNothing;
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
        RowWorkers? workers = RowWorkers.Shared;
        if (workers is null)
        {
            return false;
        }

        if (!DenseKernel.OutgrowsL2<TFormat, TShape>())
        {
            return TryForwardFixedShares<TFormat, TShape, TActivation>(workers, x, y, rows, weights);
        }

        t_sawLargeLayer = true;

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

    /// <summary>A layer that fits in L2: one fixed share of its panels per core, the same at every call.</summary>
    private static unsafe bool TryForwardFixedShares<TFormat, TShape, TActivation>(RowWorkers workers, float* x, float* y, int rows, DenseWeights weights)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        // Shares of whole column blocks, the kernels' own (4 panels at one row, 3 for more rows): each panel's sum is a
        // chain of K dependent FMAs and a block runs its chains side by side, so a remainder block of 1 panel takes as
        // long as a full one; a share that ends in one wastes most of a block's time.
        int group = rows == 1 ? KernelTuning.SingleRowPanels : KernelTuning.PanelBlock512;
        int groups = (weights.Panels + group - 1) / group;
        return rows switch
        {
            1 => workers.TryRunShares(&Panels<TFormat, TShape, TActivation, Block1>, x, y, groups, weights),
            2 => workers.TryRunShares(&Panels<TFormat, TShape, TActivation, Block2>, x, y, groups, weights),
            3 => workers.TryRunShares(&Panels<TFormat, TShape, TActivation, Block3>, x, y, groups, weights),
            4 => workers.TryRunShares(&Panels<TFormat, TShape, TActivation, Block4>, x, y, groups, weights),
            5 => workers.TryRunShares(&Panels<TFormat, TShape, TActivation, Block5>, x, y, groups, weights),
            6 => workers.TryRunShares(&Panels<TFormat, TShape, TActivation, Block6>, x, y, groups, weights),
            7 => workers.TryRunShares(&Panels<TFormat, TShape, TActivation, Block7>, x, y, groups, weights),
            8 => workers.TryRunShares(&Panels<TFormat, TShape, TActivation, Block8>, x, y, groups, weights),
            9 => workers.TryRunShares(&PanelsOfEightAndMore<TFormat, TShape, TActivation, Block1>, x, y, groups, weights),
            10 => workers.TryRunShares(&PanelsOfEightAndMore<TFormat, TShape, TActivation, Block2>, x, y, groups, weights),
            11 => workers.TryRunShares(&PanelsOfEightAndMore<TFormat, TShape, TActivation, Block3>, x, y, groups, weights),
            12 => workers.TryRunShares(&PanelsOfEightAndMore<TFormat, TShape, TActivation, Block4>, x, y, groups, weights),
            13 => workers.TryRunShares(&PanelsOfEightAndMore<TFormat, TShape, TActivation, Block5>, x, y, groups, weights),
            14 => workers.TryRunShares(&PanelsOfEightAndMore<TFormat, TShape, TActivation, Block6>, x, y, groups, weights),
            15 => workers.TryRunShares(&PanelsOfEightAndMore<TFormat, TShape, TActivation, Block7>, x, y, groups, weights),
            _ => false,
        };
    }

    /// <summary>One fixed share: column blocks [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of every row.</summary>
    private static unsafe void Panels<TFormat, TShape, TActivation, TRows>(float* x, float* y, int first, int count, object state)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRows : struct, IBlockConstant
    {
        var weights = (DenseWeights)state;
        (int start, int end) = PanelsOfGroups(first, count, TRows.Value == 1 ? KernelTuning.SingleRowPanels : KernelTuning.PanelBlock512, weights.Panels);
        DenseKernel.PanelRange512<TFormat, TShape, TActivation, TRows>(x, y, weights.PackedPanels, weights.Bias, start, end);
    }

    /// <summary>One fixed share of 8 + <typeparamref name="TRest"/> rows: the first 8 as one block, then the rest (the share's weights are in L2).</summary>
    private static unsafe void PanelsOfEightAndMore<TFormat, TShape, TActivation, TRest>(float* x, float* y, int first, int count, object state)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        where TRest : struct, IBlockConstant
    {
        var weights = (DenseWeights)state;
        (int start, int end) = PanelsOfGroups(first, count, KernelTuning.PanelBlock512, weights.Panels);
        DenseKernel.PanelRange512<TFormat, TShape, TActivation, Block8>(x, y, weights.PackedPanels, weights.Bias, start, end);
        DenseKernel.PanelRange512<TFormat, TShape, TActivation, TRest>(
            x + ((long)KernelTuning.RowBlock512 * TShape.Inputs), y + ((long)KernelTuning.RowBlock512 * TShape.Outputs), weights.PackedPanels, weights.Bias, start, end);
    }

    /// <summary>The panels of groups [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of <paramref name="group"/> panels.</summary>
    private static (int Start, int End) PanelsOfGroups(int first, int count, int group, int panels)
        => (first * group, Math.Min(panels, (first + count) * group));

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
