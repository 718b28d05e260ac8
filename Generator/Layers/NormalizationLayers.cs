using System.Collections.Generic;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Layers;

/// <summary>What BatchNorm and LayerNorm share: a width, an epsilon, a shape rule and their checks.</summary>
internal abstract record NormalizationLayer(int Position, string? Name, int Features, float Epsilon) : LayerSpec(Position, Name)
{
    /// <summary>PyTorch's default epsilon for both <c>nn.BatchNorm1d</c> and <c>nn.LayerNorm</c>.</summary>
    public const float DefaultEpsilon = 1e-5f;

    /// <summary>The attribute's name, e.g. <c>BatchNorm</c>.</summary>
    protected abstract string AttributeName { get; }

    public override string Display => Epsilon == DefaultEpsilon
        ? $"{AttributeName}({Features})"
        : $"{AttributeName}({Features}, Epsilon = {Literals.Float(Epsilon)})";

    public override TensorShape? DeclaredInput => TensorShape.Features(Features);

    public override LayerProblem? CheckSizes() => CheckPositive(Features);

    public override IEnumerable<LayerProblem> CheckOptions(int index, int count)
    {
        if (!(Epsilon >= 0f && !float.IsInfinity(Epsilon)))
        {
            yield return LayerProblem.Create(DiagnosticDescriptors.InvalidOption, Display, "Epsilon must be a finite number ≥ 0");
        }
    }

    public override ShapeResult Resolve(TensorShape input)
        => new(
            input,
            input.Rank == 1 && input.Size == Features
                ? null
                : LayerProblem.Create(DiagnosticDescriptors.BatchNormWidth, Display, Literals.Int(Features), input.Describe));

    /// <summary>Reads the constructor's feature count and the named Epsilon and Name.</summary>
    protected static bool TryRead(LayerArguments args, out int features, out float epsilon)
    {
        features = args.Are(typeof(int)) ? (int)args.Positional[0]! : 0;
        epsilon = args.NamedOr("Epsilon", DefaultEpsilon);
        return args.Are(typeof(int));
    }
}

/// <summary>
/// <c>[BatchNorm(features)]</c>: (x − running_mean)/√(running_var + ε)·weight + bias, like <c>nn.BatchNorm1d</c> in eval mode.
/// Right after a producer it folds into its weights at load and costs nothing; elsewhere it runs in place.
/// </summary>
internal sealed record BatchNormLayer(int Position, string? Name, int Features, float Epsilon) : NormalizationLayer(Position, Name, Features, Epsilon)
{
    public static readonly LayerKind Kind = new("StaticNet.BatchNormAttribute", static (args, position)
        => TryRead(args, out int features, out float epsilon) ? new BatchNormLayer(position, args.Name, features, epsilon) : null);

    protected override string AttributeName => "BatchNorm";

    public override LayerRole Role => LayerRole.FoldsIntoProducer;

    public override IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        foreach (string tensor in new[] { "weight", "bias", "running_mean", "running_var" })
        {
            yield return ($"{TensorPrefix}.{tensor}", new long[] { Features });
        }
    }

    public override long ParameterCount => 2L * Features;

    /// <summary>After a convolution or pooling layer, a BatchNorm normalises each channel (BatchNorm1d/2d); otherwise each feature.</summary>
    public override ShapeResult Resolve(TensorShape input)
        => input.Rank <= 1
            ? base.Resolve(input)
            : new(
                input,
                input.Channels == Features
                    ? null
                    : LayerProblem.Create(DiagnosticDescriptors.ChannelsDoNotChain, Display, Literals.Int(Features), Literals.Int(input.Channels), input.Display));

    /// <summary>The expression that reads this layer's four tensors from <c>file</c>, for folding or for its own kernel.</summary>
    public string ReadParameters
        => $"{Emit.Names.Kernels}.BatchNormParameters.Read(file, {Literals.String(TensorPrefix)}, features: {Features}, epsilon: {Literals.Float(Epsilon)})";

    /// <remarks>Per channel, the scale and shift are repeated over the channel's positions, so the kernel is the per-feature one.</remarks>
    public override (string Type, string Create)? RuntimeWeights
        => ($"{Emit.Names.Kernels}.BatchNormWeights",
            Input.Rank > 1
                ? $"{Emit.Names.Kernels}.BatchNormWeights.CreatePerChannel({ReadParameters}, positions: {Input.Size / Features})"
                : $"{Emit.Names.Kernels}.BatchNormWeights.Create({ReadParameters})");

    public override string ApplyInPlace(string target, string field) => $"{Emit.Names.Kernels}.ElementwiseKernel.BatchNorm({target}, {field});";
}

/// <summary>
/// <c>[LayerNorm(features)]</c>: (x − mean)/√(var + ε)·weight + bias over each sample's features, like <c>nn.LayerNorm(features)</c>.
/// Mean and variance need the whole sample, so it runs in place after the layer before it.
/// </summary>
internal sealed record LayerNormLayer(int Position, string? Name, int Features, float Epsilon) : NormalizationLayer(Position, Name, Features, Epsilon)
{
    public static readonly LayerKind Kind = new("StaticNet.LayerNormAttribute", static (args, position)
        => TryRead(args, out int features, out float epsilon) ? new LayerNormLayer(position, args.Name, features, epsilon) : null);

    protected override string AttributeName => "LayerNorm";

    public override LayerRole Role => LayerRole.InPlace;

    public override IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        yield return ($"{TensorPrefix}.weight", new long[] { Features });
        yield return ($"{TensorPrefix}.bias", new long[] { Features });
    }

    public override long ParameterCount => 2L * Features;

    public override (string Type, string Create)? RuntimeWeights
        => ($"{Emit.Names.Kernels}.LayerNormWeights",
            $"{Emit.Names.Kernels}.LayerNormWeights.Read(file, {Literals.String(TensorPrefix)}, features: {Features}, epsilon: {Literals.Float(Epsilon)})");

    public override string ApplyInPlace(string target, string field)
        => $"{Emit.Names.Kernels}.LayerNormKernel.Apply({target}, features: {Features}, {field});";
}
