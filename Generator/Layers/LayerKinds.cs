using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using StaticNet.Generator.Model;

namespace StaticNet.Generator.Layers;

/// <summary>
/// A layer attribute's arguments as plain values: the constructor arguments in order and the named ones. The
/// parser builds this from Roslyn's <c>AttributeData</c> (having already rejected arguments with errors), so the
/// layer kinds read their arguments without touching Roslyn.
/// </summary>
internal sealed class LayerArguments
{
    public LayerArguments(IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named)
    {
        Positional = positional;
        Named = named;
    }

    /// <summary>Constructor arguments, in order, defaults included (the compiler fills in optional parameters).</summary>
    public IReadOnlyList<object?> Positional { get; }

    /// <summary>Named arguments (<c>Name = "fc1"</c>, <c>Bias = false</c>) as written.</summary>
    public IReadOnlyDictionary<string, object?> Named { get; }

    /// <summary>The <c>Name</c> argument, when given as a string.</summary>
    public string? Name => Named.TryGetValue("Name", out object? value) ? value as string : null;

    /// <summary>True when the constructor arguments are exactly of <paramref name="types"/>.</summary>
    public bool Are(params Type[] types)
        => Positional.Count == types.Length && Positional.Select((value, i) => value?.GetType() == types[i]).All(match => match);

    /// <summary>The named argument <paramref name="name"/> when it is a <typeparamref name="T"/>, else <paramref name="fallback"/>.</summary>
    public T NamedOr<T>(string name, T fallback)
        => Named.TryGetValue(name, out object? value) && value is T typed ? typed : fallback;
}

/// <summary>One kind of layer: the attribute that declares it and how its arguments become a spec.</summary>
/// <param name="AttributeName">The attribute's metadata name, e.g. <c>StaticNet.DenseAttribute</c>.</param>
/// <param name="Read">Builds the spec at a position, or returns null when the arguments have the wrong form (SNN009).</param>
internal sealed record LayerKind(string AttributeName, Func<LayerArguments, int, LayerSpec?> Read);

/// <summary>
/// The table of layer kinds: every attribute the generator understands, in one list. Parser, planner, summary and
/// emitter work from the specs these produce; a new kind is a new file under <c>Generator/Layers/</c> plus one row here.
/// </summary>
internal static class LayerKinds
{
    public static readonly ImmutableArray<LayerKind> All = ImmutableArray.Create(
        DenseLayer.Kind,
        BatchNormLayer.Kind,
        LayerNormLayer.Kind,
        DropoutLayer.Kind,
        SoftmaxLayer.Kind,
        ConvolutionLayer.Conv1dKind,
        ConvolutionLayer.Conv2dKind,
        PoolingLayer.MaxPool1dKind,
        PoolingLayer.MaxPool2dKind,
        PoolingLayer.AvgPool1dKind,
        PoolingLayer.AvgPool2dKind,
        FlattenLayer.Kind).AddRange(ActivationLayer.Kinds);

    /// <summary>
    /// The kinds that carry weights and fix sizes (Dense, Conv1d, Conv2d): a class with at least one of them is a
    /// network, found through whichever comes first; a class with layer attributes but none of these gets SNN004.
    /// </summary>
    public static readonly ImmutableArray<LayerKind> Anchors = ImmutableArray.Create(
        DenseLayer.Kind,
        ConvolutionLayer.Conv1dKind,
        ConvolutionLayer.Conv2dKind);

    private static readonly Dictionary<string, LayerKind> ByAttributeName = All.ToDictionary(kind => kind.AttributeName, StringComparer.Ordinal);

    /// <summary>The kind declared by the attribute class <paramref name="attributeName"/>, if it is a layer attribute.</summary>
    public static LayerKind? Find(string attributeName) => ByAttributeName.TryGetValue(attributeName, out LayerKind? kind) ? kind : null;
}
