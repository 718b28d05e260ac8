using System.Collections.Generic;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Layers;

/// <summary>
/// <c>[Softmax]</c> over each sample's features, like <c>nn.Softmax(dim=1)</c>. After a Dense it runs in the dense
/// kernel's epilogue (<c>DenseKernel.ForwardSoftmax</c>); elsewhere in place.
/// </summary>
internal sealed record SoftmaxLayer(int Position, string? Name) : LayerSpec(Position, Name)
{
    public static readonly LayerKind Kind = new("StaticNet.SoftmaxAttribute", static (args, position)
        => args.Are() ? new SoftmaxLayer(position, args.Name) : null);

    public override string Display => "Softmax";

    public override LayerRole Role => LayerRole.Softmax;

    public override IEnumerable<LayerProblem> CheckOptions(int index, int count)
    {
        if (index != count - 1)
        {
            yield return LayerProblem.Create(DiagnosticDescriptors.SoftmaxNotLast, Literals.Int(index));
        }
    }

    public override ShapeResult Resolve(TensorShape input)
        => new(
            input,
            input.Rank == 1 ? null
            : LayerProblem.Create(DiagnosticDescriptors.LayerCannotFollow, Display, input.Display, "it works on each sample's features; put Flatten before it"));

    public override string ApplyInPlace(string target, string field)
        => $"{Emit.Names.Kernels}.SoftmaxKernel.Apply({target}, features: {Output.Size});";
}
