using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit;

/// <summary>
/// How a network runs, decided once when the code is generated: which layers fuse into one kernel call,
/// which buffers hold the activations between them, and how many rows go through all layers together.
/// </summary>
/// <remarks>
/// Fusion rules, in declaration order, by each layer's <see cref="LayerRole"/>: identities (Dropout) disappear. A Dense
/// takes with it a BatchNorm right after it (folded into its weights at load) and then one element-wise activation or
/// a Softmax (applied in the kernel's epilogue while results are in registers). Anything else runs in place on
/// the buffer it follows: a BatchNorm that is not after a Dense, a LayerNorm, a second activation, a Softmax after one.
/// Rows go through the whole network a block at a time, so each block's activations stay in L1/L2 between
/// layers instead of making one pass over the whole batch per layer.
/// </remarks>
internal sealed class ForwardPlan
{
    /// <summary>Activations of one block must fit here to live on the stack (zeroed by stackalloc, so keep it small).</summary>
    public const int StackBudgetBytes = 64 * 1024;

    /// <summary>Beyond the stack budget, a block's activations go to native memory of at most about this size.</summary>
    public const int NativeBudgetBytes = 4 * 1024 * 1024;

    /// <summary>Rows per block at most: enough for the kernels' register blocking to reach full speed.</summary>
    public const int MaxRowsPerBlock = 32;

    private ForwardPlan(IReadOnlyList<Step> steps, IReadOnlyList<Buffer> buffers, int rowsPerBlock, int stackRows)
    {
        Steps = steps;
        Buffers = buffers;
        RowsPerBlock = rowsPerBlock;
        StackRows = stackRows;
    }

    public IReadOnlyList<Step> Steps { get; }

    /// <summary>Intermediate activation buffers, in order of first use; each holds rows × Width floats.</summary>
    public IReadOnlyList<Buffer> Buffers { get; }

    public int RowsPerBlock { get; }

    /// <summary>
    /// Blocks of up to this many rows keep their buffers on the stack; larger ones take native memory. Equal to
    /// <see cref="RowsPerBlock"/> when a whole block fits the stack budget, 0 when not even one row does.
    /// </summary>
    /// <remarks>
    /// A wide network (say 1024 features, 8 KB of activations a row) would fit only 8 rows in the stack budget,
    /// and a block of 8 rows streams every weight from L3 for 8 rows only; 32 rows in native memory read them a
    /// quarter as often. Small batches of it still stay on the stack: one malloc per call would cost a batch of 1.
    /// </remarks>
    public int StackRows { get; }

    /// <summary>Every block, however many rows, keeps its buffers on the stack.</summary>
    public bool OnStack => StackRows == RowsPerBlock;

    public int ScratchFloatsPerRow => Buffers.Sum(b => b.Width);

    public IEnumerable<DenseStep> DenseSteps => Steps.OfType<DenseStep>();

    public static ForwardPlan Create(NetworkSpec network)
    {
        var steps = new List<Step>();
        var layers = network.Layers.Where(l => l.Role != LayerRole.Identity).ToList();
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is DenseLayer dense)
            {
                // A BatchNorm right after folds into the weights; then one activation or a softmax runs in the epilogue
                // (DenseKernel.ForwardSoftmax for the softmax).
                BatchNormLayer? batchNorm = i + 1 < layers.Count ? layers[i + 1] as BatchNormLayer : null;
                if (batchNorm is not null)
                {
                    i++;
                }

                LayerSpec? epilogue = i + 1 < layers.Count && layers[i + 1].Role is LayerRole.Activation or LayerRole.Softmax ? layers[++i] : null;
                steps.Add(new DenseStep(dense, batchNorm, epilogue));
            }
            else
            {
                steps.Add(new InPlaceStep(layers[i]));
            }
        }

        // Assign buffers: the input is read-only and the last Dense writes straight into the caller's output.
        var buffers = new List<Buffer>();
        string current = "x";
        DenseStep lastDense = steps.OfType<DenseStep>().Last();
        foreach (Step step in steps)
        {
            if (step is DenseStep dense)
            {
                step.Source = current;
                if (ReferenceEquals(dense, lastDense))
                {
                    current = "y";
                }
                else
                {
                    var buffer = new Buffer($"layer{dense.Dense.Position}Output", dense.Dense.Outputs, $"the output of layer {dense.Dense.Position}, {dense.Dense.Display}");
                    buffers.Add(buffer);
                    current = buffer.Name;
                }

                step.Target = current;
            }
            else
            {
                if (current == "x")
                {
                    // An in-place layer before any Dense: work on a copy, the caller's input is read-only.
                    var copy = new Buffer("input", network.InputSize, "a copy of the input, normalised in place");
                    buffers.Add(copy);
                    step.CopiesInput = true;
                    current = copy.Name;
                }

                step.Source = current;
                step.Target = current;
            }
        }

        int bytesPerRow = Math.Max(1, buffers.Sum(b => b.Width)) * sizeof(float);
        int rows = (int)Math.Max(1, Math.Min(MaxRowsPerBlock, NativeBudgetBytes / (long)bytesPerRow));
        int stackRows = (int)Math.Min(rows, StackBudgetBytes / (long)bytesPerRow);
        return new ForwardPlan(steps, buffers, rows, stackRows);
    }

    internal abstract class Step
    {
        /// <summary>The span the step reads: x (the block's input), y (its output) or a buffer name.</summary>
        public string Source { get; set; } = "x";

        /// <summary>The span the step writes.</summary>
        public string Target { get; set; } = "y";

        /// <summary>Set on the first in-place step when no Dense came before it.</summary>
        public bool CopiesInput { get; set; }
    }

    /// <summary>One kernel call: a Dense, maybe with a BatchNorm folded in, maybe with an activation (or softmax) in its epilogue.</summary>
    internal sealed class DenseStep : Step
    {
        public DenseStep(DenseLayer dense, BatchNormLayer? batchNorm, LayerSpec? activation)
        {
            Dense = dense;
            BatchNorm = batchNorm;
            Activation = activation;
        }

        public DenseLayer Dense { get; }

        public BatchNormLayer? BatchNorm { get; }

        /// <summary>An <see cref="ActivationLayer"/> or a <see cref="SoftmaxLayer"/>, or null.</summary>
        public LayerSpec? Activation { get; }

        public string FieldName => $"_layer{Dense.Position}";

        public string ShapeName => Dense.ShapeName;
    }

    /// <summary>A layer applied in place: a BatchNorm not after a Dense, a LayerNorm, an unfused activation, or Softmax.</summary>
    internal sealed class InPlaceStep : Step
    {
        public InPlaceStep(LayerSpec layer) => Layer = layer;

        public LayerSpec Layer { get; }

        public string FieldName => $"_layer{Layer.Position}";
    }

    internal sealed record Buffer(string Name, int Width, string Description);
}
