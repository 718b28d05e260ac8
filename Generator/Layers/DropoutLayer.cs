using System.Collections.Generic;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Layers;

/// <summary><c>[Dropout(p)]</c>: the identity at inference, as after <c>model.eval()</c>; it only counts for positions.</summary>
internal sealed record DropoutLayer(int Position, string? Name, float P) : LayerSpec(Position, Name)
{
    public static readonly LayerKind Kind = new("StaticNet.DropoutAttribute", static (args, position)
        => args.Are(typeof(float)) ? new DropoutLayer(position, args.Name, (float)args.Positional[0]!) : null);

    public override string Display => $"Dropout({Literals.Float(P)})";

    public override LayerRole Role => LayerRole.Identity;

    public override IEnumerable<LayerProblem> CheckOptions(int index, int count)
    {
        if (!(P >= 0f && P < 1f))
        {
            yield return LayerProblem.Create(DiagnosticDescriptors.DropoutProbability, Literals.Float(P));
        }
    }
}
