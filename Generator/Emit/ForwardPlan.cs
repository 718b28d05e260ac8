using System;
using System.Collections.Generic;
using System.Linq;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Emit;

/// <summary>
/// How a network runs, decided once when the code is generated: which layers fuse into one kernel call,
/// which buffers hold the activations between them, and how many rows go through all layers together.
/// </summary>
/// <remarks>
/// Fusion rules, in declaration order, by each layer's <see cref="LayerRole"/>: identities (Dropout) disappear. A
/// producer takes with it the layer right after it if it folds it (a Dense: a BatchNorm, into its weights at load) and
/// then one it takes as its epilogue (a Dense: an element-wise activation or a Softmax, applied while results are in
/// registers); the producer's spec decides (<see cref="LayerSpec.Folds"/>, <see cref="LayerSpec.TakesEpilogue"/>). Anything else runs in place on
/// the buffer it follows: a BatchNorm that is not after a Dense, a LayerNorm, a second activation, a Softmax after one.
/// Rows go through the whole network a block at a time, so each block's activations stay in L1/L2 between
/// layers instead of making one pass over the whole batch per layer.
/// </remarks>
internal sealed class ForwardPlan
{
    /// <summary>
    /// Activations of one block must fit here to live on the stack: keep it small, for callers on small stacks, and
    /// because stackalloc zeroes its memory (1–2 µs for 24 KB: Bench/BlockStackBenchmarks.cs) unless the project
    /// allows unsafe code (then the generated ForwardBlock is [SkipLocalsInit]).
    /// </summary>
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

    public IEnumerable<ProducerStep> ProducerSteps => Steps.OfType<ProducerStep>();

    public static ForwardPlan Create(NetworkSpec network)
    {
        var steps = new List<Step>();
        var layers = network.Layers.Where(l => l.Role != LayerRole.Identity).ToList();
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec layer = layers[i];
            if (layer.Role == LayerRole.Producer)
            {
                // What the producer takes with it: a layer folded into its weights (BatchNorm after Dense), then one
                // that runs in its epilogue (an activation or softmax).
                LayerSpec? folded = i + 1 < layers.Count && layer.Folds(layers[i + 1]) ? layers[++i] : null;
                LayerSpec? epilogue = i + 1 < layers.Count && layer.TakesEpilogue(layers[i + 1]) ? layers[++i] : null;
                steps.Add(new ProducerStep(layer, folded, epilogue));
            }
            else
            {
                steps.Add(new InPlaceStep(layers[i]));
            }
        }

        // Assign buffers: the input is read-only and the last producer writes straight into the caller's output.
        var buffers = new List<Buffer>();
        string current = "x";
        ProducerStep lastProducer = steps.OfType<ProducerStep>().Last();
        foreach (Step step in steps)
        {
            if (step is ProducerStep producer)
            {
                step.Source = current;
                if (ReferenceEquals(producer, lastProducer))
                {
                    current = "y";
                }
                else
                {
                    LayerSpec p = producer.Producer;
                    var buffer = new Buffer($"layer{p.Position}Output", (int)p.Output.Size, $"the output of layer {p.Position}, {p.Display}");
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

    /// <summary>One kernel call: a producer (Dense), maybe with a layer folded into its weights, maybe with one in its epilogue.</summary>
    internal sealed class ProducerStep : Step
    {
        public ProducerStep(LayerSpec producer, LayerSpec? folded, LayerSpec? epilogue)
        {
            Producer = producer;
            Folded = folded;
            Epilogue = epilogue;
        }

        public LayerSpec Producer { get; }

        /// <summary>A layer folded into the producer's weights at load (a BatchNorm after a Dense), or null.</summary>
        public LayerSpec? Folded { get; }

        /// <summary>A layer applied in the producer's epilogue (an activation or a softmax), or null.</summary>
        public LayerSpec? Epilogue { get; }

        public string FieldName => $"_layer{Producer.Position}";
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
