using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Layers;

/// <summary>
/// <c>[Flatten]</c>: (C, L) or (C, H, W) becomes C·L or C·H·W features in PyTorch's row-major order, like
/// <c>nn.Flatten()</c>. The memory layout is already that order, so it emits no code at all.
/// </summary>
internal sealed record FlattenLayer(int Position, string? Name) : LayerSpec(Position, Name)
{
    public static readonly LayerKind Kind = new("StaticNet.FlattenAttribute", static (args, position)
        => args.Are() ? new FlattenLayer(position, args.Name) : null);

    public override string Display => "Flatten";

    public override LayerRole Role => LayerRole.Identity;

    public override string? InputShapeHint => "InputShape(channels, height, width)";

    public override ShapeResult Resolve(TensorShape input)
        => input.Rank == 1
            ? new(input, LayerProblem.Create(DiagnosticDescriptors.LayerCannotFollow, Display, input.Display, "its output is already flat; remove Flatten"))
            : new(TensorShape.Features((int)input.Size) with { FlattenedFrom = input.Dimensions }, null);
}
