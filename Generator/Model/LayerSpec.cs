using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Diagnostics;

namespace StaticNet.Generator.Model;

/// <summary>How a layer takes part in the forward pass; <see cref="Emit.ForwardPlan"/> fuses layers by role.</summary>
internal enum LayerRole
{
    /// <summary>Reads one buffer and writes a new one with its own kernel (Dense): the step other layers fuse into.</summary>
    Producer,

    /// <summary>A function of each value alone: runs in the epilogue of the producer before it, or in place.</summary>
    Activation,

    /// <summary>Softmax over each sample's features: in the epilogue of a Dense before it, or in place.</summary>
    Softmax,

    /// <summary>A per-feature affine map (BatchNorm): folded into the weights of a producer right before it, or in place.</summary>
    FoldsIntoProducer,

    /// <summary>Works on a whole sample in place with its own kernel (LayerNorm).</summary>
    InPlace,

    /// <summary>The identity at inference (Dropout): no code at all.</summary>
    Identity,
}

/// <summary>A problem found in a declaration: what to report, with its message arguments; the parser adds where.</summary>
internal sealed record LayerProblem(DiagnosticDescriptor Descriptor, EquatableArray<string> MessageArgs)
{
    public static LayerProblem Create(DiagnosticDescriptor descriptor, params string[] messageArgs) => new(descriptor, new EquatableArray<string>(messageArgs));
}

/// <summary>The result of a layer's shape rule: the output shape, and the problem if the input does not fit.</summary>
internal readonly record struct ShapeResult(TensorShape Output, LayerProblem? Problem);

/// <summary>
/// One declared layer, as read from its attribute. Each layer kind is one sealed record deriving from this one, in
/// its own file under <c>Generator/Layers/</c>; together with <see cref="Layers.LayerKinds"/> (the table of kinds)
/// that file is everything the generator knows about the kind: its attribute and arguments, its checks, its shape
/// rule, its tensors, its role in fusion and what it emits. Records, so a spec compares by value and the
/// incremental pipeline can cache it.
/// </summary>
/// <param name="Position">0-based index in the attribute list; every layer attribute counts. Also the positional PyTorch name.</param>
/// <param name="Name">The <c>Name</c> argument, or null to use the position.</param>
internal abstract record LayerSpec(int Position, string? Name)
{
    /// <summary>The per-sample shape this layer reads, once the chain is resolved.</summary>
    public TensorShape Input { get; init; }

    /// <summary>The per-sample shape this layer writes, once the chain is resolved.</summary>
    public TensorShape Output { get; init; }

    /// <summary>The attribute as a user would write it, e.g. <c>Dense(784, 128)</c>.</summary>
    public abstract string Display { get; }

    /// <summary>How this layer takes part in the forward pass.</summary>
    public abstract LayerRole Role { get; }

    /// <summary>The prefix of this layer's tensor names: "fc1" in "fc1.weight", or the position.</summary>
    public string TensorPrefix => Name ?? Position.ToString(CultureInfo.InvariantCulture);

    /// <summary>The tensors this layer reads, with the shapes PyTorch saves them in, in the order Load reads them.</summary>
    public virtual IEnumerable<(string Name, long[] Shape)> Tensors() => Enumerable.Empty<(string, long[])>();

    /// <summary>True when the layer reads tensors (and so has a name in the summary and must not share its prefix).</summary>
    public bool HasTensors => Tensors().Any();

    /// <summary>Learned parameters as PyTorch counts them (running statistics are buffers, not parameters).</summary>
    public virtual long ParameterCount => 0;

    /// <summary>Multiply-adds count as two; element-wise work is not counted, as is usual.</summary>
    public virtual long FlopPerSample => 0;

    /// <summary>The input shape the layer's own arguments state (Dense(784, …) reads 784 features), or null if it takes any.</summary>
    public virtual TensorShape? DeclaredInput => null;

    /// <summary>
    /// Checks the arguments that size the layer. A problem here makes its shape unknown, so the layers around it are
    /// not compared with it.
    /// </summary>
    public virtual LayerProblem? CheckSizes() => null;

    /// <summary>Checks the other arguments (probabilities, slopes, epsilons) and where the layer stands in the list.</summary>
    public virtual IEnumerable<LayerProblem> CheckOptions(int index, int count) => Enumerable.Empty<LayerProblem>();

    /// <summary>The shape rule: the output for <paramref name="input"/>, or a problem naming both shapes. By default the shape passes through.</summary>
    public virtual ShapeResult Resolve(TensorShape input) => new(input, null);

    /// <summary>The C# statement that applies the layer in place to <paramref name="target"/>, for layers that run on their own.</summary>
    public virtual string ApplyInPlace(string target, string field)
        => throw new System.NotSupportedException($"{Display} does not run in place");

    /// <summary>For layers that keep a run-time object of their own (BatchNorm, LayerNorm): its type and how Load builds it from <c>file</c>.</summary>
    public virtual (string Type, string Create)? RuntimeWeights => null;

    /// <summary>Producers: whether <paramref name="next"/> is folded into this layer's weights at load (BatchNorm after Dense).</summary>
    public virtual bool Folds(LayerSpec next) => false;

    /// <summary>Producers: whether <paramref name="next"/> runs in this layer's kernel epilogue (an activation or softmax after Dense).</summary>
    public virtual bool TakesEpilogue(LayerSpec next) => false;

    /// <summary>Producers: whether the layer has weights <c>Load</c> packs (false for pooling, which only reads and writes buffers).</summary>
    public virtual bool ProducerHasWeights => true;

    /// <summary>
    /// For layers that need a (C, L) or (C, H, W) input (convolutions, pooling, Flatten): the <c>[InputShape(…)]</c>
    /// to suggest when such a layer comes first and the class declares none; null for the others.
    /// </summary>
    public virtual string? InputShapeHint => null;

    /// <summary>Producers: the run-time type of the packed weights <c>Load</c> builds.</summary>
    public virtual string ProducerWeightsType => throw new System.NotSupportedException($"{Display} is not a producer");

    /// <summary>Producers: the lines of <c>Load</c> that read and pack this layer's weights (with <paramref name="folded"/>) into <paramref name="local"/>.</summary>
    public virtual IEnumerable<string> LoadProducer(string local, LayerSpec? folded)
        => throw new System.NotSupportedException($"{Display} is not a producer");

    /// <summary>
    /// Producers: the kernel call that reads <paramref name="source"/> and writes <paramref name="target"/> for
    /// <paramref name="rows"/> rows, with <paramref name="epilogue"/> applied in its epilogue (null: none) and, when
    /// <paramref name="prefetch"/>, the next block's input prefetched.
    /// </summary>
    public virtual string ProducerCall(string source, string target, string rows, string field, LayerSpec? epilogue, bool prefetch)
        => throw new System.NotSupportedException($"{Display} is not a producer");

    /// <summary>Types the generated class declares for this layer (constants as types, for the kernels' generic arguments).</summary>
    public virtual IEnumerable<string> TypeMembers() => Enumerable.Empty<string>();

    /// <summary>Sizes up to this limit keep every generated size, index and parameter count inside int.</summary>
    internal const int MaxFeatures = 1 << 24;

    /// <summary>SNN003 or SNN011 when one of <paramref name="sizes"/> is not a positive size that fits.</summary>
    protected LayerProblem? CheckPositive(params int[] sizes)
    {
        foreach (int size in sizes)
        {
            if (size <= 0)
            {
                return LayerProblem.Create(DiagnosticDescriptors.NonPositiveSize, Display, Literals.Int(size));
            }

            if (size > MaxFeatures)
            {
                return LayerProblem.Create(
                    DiagnosticDescriptors.SizeTooLarge, Display,
                    $"{Literals.Grouped(size)} features; at most {Literals.Grouped(MaxFeatures)} per layer are supported");
            }
        }

        return null;
    }
}
