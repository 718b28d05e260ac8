using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;

namespace StaticNet.Generator;

/// <summary>The parse step: a class declaration and its attributes become a <see cref="NetworkSpec"/> plus diagnostics.</summary>
public sealed partial class NetworkGenerator
{
    // Limits that keep every generated size, index and parameter count inside int, and every layer's packed
    // weights inside one .NET array (2^31 elements), with room for padding to 16 columns.
    internal const int MaxFeatures = 1 << 24;
    internal const long MaxWeightsPerLayer = 1L << 30;
    internal const long MaxParameters = int.MaxValue;

    private static readonly Dictionary<string, LayerKind> LayerAttributes = new(StringComparer.Ordinal)
    {
        [DenseAttributeName] = LayerKind.Dense,
        ["StaticNet.BatchNormAttribute"] = LayerKind.BatchNorm,
        ["StaticNet.DropoutAttribute"] = LayerKind.Dropout,
        ["StaticNet.ReLUAttribute"] = LayerKind.ReLU,
        ["StaticNet.LeakyReLUAttribute"] = LayerKind.LeakyReLU,
        ["StaticNet.SigmoidAttribute"] = LayerKind.Sigmoid,
        ["StaticNet.TanhAttribute"] = LayerKind.Tanh,
        ["StaticNet.SoftmaxAttribute"] = LayerKind.Softmax,
    };

    /// <summary>The parse result: a spec when the declaration is valid, and every diagnostic found.</summary>
    internal sealed record ParseResult(NetworkSpec? Spec, WeightsRequest? Weights, EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>A <c>[Weights("file")]</c> request, resolved against AdditionalFiles in a later step.</summary>
    internal sealed record WeightsRequest(string Path, LocationInfo? Location);

    /// <summary>One layer attribute as written: its data and the syntax it came from, in source order.</summary>
    private readonly record struct LayerAttribute(LayerKind Kind, AttributeData Data, AttributeSyntax Syntax);

    /// <summary>Parses a class that carries at least one <c>[Dense]</c>: the normal way into the pipeline.</summary>
    internal static ParseResult ParseNetwork(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        var type = (INamedTypeSymbol)context.TargetSymbol;

        // A declaration the parser could not read (a missing name, a broken namespace) already has the compiler's
        // syntax error; generating code for it would only add errors in generated files.
        string? @namespace = NamespaceOf(type);
        if (declaration.Identifier.IsMissing || !IsIdentifierPath(type.Name) || (@namespace is not null && !IsIdentifierPath(@namespace)))
        {
            return new ParseResult(null, null, EquatableArray<DiagnosticInfo>.Empty);
        }

        // Layers on several partial declarations: report once, from the first declaration that has a Dense.
        var declarationsWithLayers = DeclarationsWithLayers(type, cancellationToken);
        if (declarationsWithLayers.Count > 1)
        {
            TypeDeclarationSyntax firstWithDense = declarationsWithLayers.First(d => d.Layers.Any(l => l.Kind == LayerKind.Dense)).Declaration;
            if (firstWithDense == declaration)
            {
                foreach (var other in declarationsWithLayers.Where(d => d.Declaration != declaration))
                {
                    diagnostics.Add(DiagnosticInfo.Create(
                        DiagnosticDescriptors.LayersOnSeveralDeclarations, LocationInfo.From(other.Layers[0].Syntax), type.Name));
                }
            }

            return new ParseResult(null, null, new EquatableArray<DiagnosticInfo>(diagnostics));
        }

        IReadOnlyList<LayerAttribute> attributes = declarationsWithLayers[0].Layers;
        LocationInfo? typeLocation = LocationInfo.From(declaration.Identifier.GetLocation());

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, typeLocation, type.Name));
        }

        string? unsupported = DescribeUnsupportedType(type, declaration);
        if (unsupported is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedType, typeLocation, type.Name, unsupported));
        }

        // Names the generated code declares or relies on must be free (GeneratedMembers lists them).
        diagnostics.AddRange(DeclarationChecks.Check(type, declaration, context.SemanticModel, cancellationToken));

        var layers = ReadLayers(attributes, diagnostics);
        if (layers is not null)
        {
            ResolveSizes(layers, attributes, diagnostics);
            CheckNames(layers, attributes, diagnostics);
        }

        WeightsRequest? weights = ReadWeightsAttribute(type, diagnostics);

        bool hasErrors = diagnostics.Any(d => d.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
        NetworkSpec? spec = hasErrors || layers is null
            ? null
            : new NetworkSpec(
                @namespace is null ? null : string.Join(".", @namespace.Split('.').Select(EscapeKeyword)),
                EscapeKeyword(type.Name),
                type.IsRecord ? "record" : "class",
                new EquatableArray<LayerSpec>(layers),
                Weights: null);

        return new ParseResult(spec, spec is null ? null : weights, new EquatableArray<DiagnosticInfo>(diagnostics));
    }

    /// <summary>
    /// For classes with layer attributes but no <c>[Dense]</c>: reports SNN004 once, from the pipeline of the
    /// attribute kind that comes first in the class, so each such class gets exactly one diagnostic.
    /// </summary>
    internal static EquatableArray<DiagnosticInfo> CheckHasDense(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declarations = DeclarationsWithLayers(type, cancellationToken);
        if (declarations.Count == 0 || declarations.Any(d => d.Layers.Any(l => l.Kind == LayerKind.Dense)))
        {
            return EquatableArray<DiagnosticInfo>.Empty;
        }

        LayerAttribute first = declarations[0].Layers[0];
        bool thisPipelineReports = declarations[0].Declaration == context.TargetNode
            && context.Attributes.Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, first.Data.AttributeClass));
        return thisPipelineReports
            ? new EquatableArray<DiagnosticInfo>(new[] { DiagnosticInfo.Create(DiagnosticDescriptors.NoDenseLayer, LocationInfo.From(first.Syntax), type.Name) })
            : EquatableArray<DiagnosticInfo>.Empty;
    }

    private static List<(TypeDeclarationSyntax Declaration, List<LayerAttribute> Layers)> DeclarationsWithLayers(
        INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        // Map each attribute application back to its syntax, so layers are read in source order.
        var dataBySyntax = new Dictionary<SyntaxNode, AttributeData>();
        foreach (AttributeData data in type.GetAttributes())
        {
            if (data.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is { } node)
            {
                dataBySyntax[node] = data;
            }
        }

        var result = new List<(TypeDeclarationSyntax, List<LayerAttribute>)>();
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            var layers = new List<LayerAttribute>();
            foreach (AttributeListSyntax list in declaration.AttributeLists)
            {
                foreach (AttributeSyntax attribute in list.Attributes)
                {
                    if (dataBySyntax.TryGetValue(attribute, out AttributeData? data)
                        && data.AttributeClass?.ToDisplayString() is { } name
                        && LayerAttributes.TryGetValue(name, out LayerKind kind))
                    {
                        layers.Add(new LayerAttribute(kind, data, attribute));
                    }
                }
            }

            if (layers.Count > 0)
            {
                result.Add((declaration, layers));
            }
        }

        return result;
    }

    /// <summary>The namespace as plain names joined by dots (ToDisplayString would already add @ to keywords).</summary>
    private static string? NamespaceOf(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            parts.Insert(0, ns.Name);
        }

        return parts.Count == 0 ? null : string.Join(".", parts);
    }

    private static bool IsIdentifierPath(string name)
        => name.Length > 0 && name.Split('.').All(part => SyntaxFacts.IsValidIdentifier(part));

    /// <summary>
    /// <c>class @class</c> is legal C#; the generated declaration must keep the @. Contextual keywords get one too:
    /// <c>public static file Load(…)</c> would read <c>file</c> as a modifier, <c>@file</c> is the class.
    /// </summary>
    private static string EscapeKeyword(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    private static string? DescribeUnsupportedType(INamedTypeSymbol type, TypeDeclarationSyntax declaration)
    {
        if (type.ContainingType is not null)
        {
            return "nested in another type";
        }

        if (type.IsGenericType)
        {
            return "generic";
        }

        if (type.IsStatic)
        {
            return "static";
        }

        if (type.IsAbstract)
        {
            return "abstract";
        }

        if (declaration.Modifiers.Any(SyntaxKind.FileKeyword))
        {
            return "file-local";
        }

        // The generated constructor would have to chain to the primary one, whose parameters it cannot know.
        if (type.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is TypeDeclarationSyntax { ParameterList: not null }))
        {
            return "declared with a primary constructor";
        }

        return null;
    }

    /// <summary>Reads every layer's arguments; null when one cannot be read (the compiler reports why too).</summary>
    private static List<LayerSpec>? ReadLayers(IReadOnlyList<LayerAttribute> attributes, List<DiagnosticInfo> diagnostics)
    {
        var layers = new List<LayerSpec>(attributes.Count);
        bool allRead = true;
        for (int position = 0; position < attributes.Count; position++)
        {
            LayerAttribute attribute = attributes[position];
            LayerSpec? layer = ReadLayer(attribute, position);
            if (layer is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidArguments, LocationInfo.From(attribute.Syntax), attribute.Syntax.ToString()));
                allRead = false;
                continue;
            }

            layers.Add(layer);
        }

        return allRead ? layers : null;
    }

    private static LayerSpec? ReadLayer(LayerAttribute attribute, int position)
    {
        AttributeData data = attribute.Data;
        if (data.AttributeConstructor is null
            || data.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)
            || data.NamedArguments.Any(a => a.Value.Kind == TypedConstantKind.Error))
        {
            return null;
        }

        var layer = new LayerSpec(attribute.Kind, position, Name: null, Inputs: 0, Outputs: 0, HasBias: false, Epsilon: 0, Slope: 0, DropoutP: 0);
        foreach (KeyValuePair<string, TypedConstant> named in data.NamedArguments)
        {
            layer = named.Key switch
            {
                "Name" when named.Value.Value is string name => layer with { Name = name },
                "Name" => layer with { Name = null },
                "Bias" when named.Value.Value is bool bias => layer with { HasBias = bias },
                "Epsilon" when named.Value.Value is float epsilon => layer with { Epsilon = epsilon },
                _ => layer,
            };
        }

        bool HasNamed(string name) => data.NamedArguments.Any(a => a.Key == name);
        ImmutableArray<TypedConstant> args = data.ConstructorArguments;
        switch (attribute.Kind)
        {
            case LayerKind.Dense when args.Length == 2 && args[0].Value is int inputs && args[1].Value is int outputs:
                return layer with { Inputs = inputs, Outputs = outputs, HasBias = !HasNamed("Bias") || layer.HasBias };
            case LayerKind.BatchNorm when args.Length == 1 && args[0].Value is int features:
                return layer with { Inputs = features, Outputs = features, Epsilon = HasNamed("Epsilon") ? layer.Epsilon : 1e-5f };
            case LayerKind.Dropout when args.Length == 1 && args[0].Value is float p:
                return layer with { DropoutP = p };
            case LayerKind.LeakyReLU when args.Length == 1 && args[0].Value is float slope:
                return layer with { Slope = slope };
            case LayerKind.ReLU or LayerKind.Sigmoid or LayerKind.Tanh or LayerKind.Softmax when args.Length == 0:
                return layer;
            default:
                return null;
        }
    }

    /// <summary>
    /// Checks sizes and options and fills in the widths of element-wise layers. The network's input width is
    /// the first sized layer's input; every later Dense and BatchNorm must read what the layer before produces.
    /// </summary>
    private static void ResolveSizes(List<LayerSpec> layers, IReadOnlyList<LayerAttribute> attributes, List<DiagnosticInfo> diagnostics)
    {
        int? width = null;
        long parameters = 0;
        bool sizesValid = true;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec layer = layers[i];
            LocationInfo? location = LocationInfo.From(attributes[i].Syntax);
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                case LayerKind.BatchNorm:
                    if (!CheckSizes(layer, location, diagnostics))
                    {
                        sizesValid = false;
                        width = null;
                        continue;
                    }

                    if (width is int previous && previous != layer.Inputs)
                    {
                        diagnostics.Add(layer.Kind == LayerKind.Dense
                            ? DiagnosticInfo.Create(DiagnosticDescriptors.SizesDoNotChain, location, layer.Display, Literals.Int(layer.Inputs), Literals.Int(previous))
                            : DiagnosticInfo.Create(DiagnosticDescriptors.BatchNormWidth, location, layer.Display, Literals.Int(layer.Inputs), Literals.Int(previous)));
                    }

                    parameters += layer.ParameterCount;
                    width = layer.Outputs;
                    break;
                case LayerKind.Dropout:
                    if (!(layer.DropoutP >= 0f && layer.DropoutP < 1f))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DropoutProbability, location, Literals.Float(layer.DropoutP)));
                    }

                    break;
                case LayerKind.LeakyReLU when float.IsNaN(layer.Slope) || float.IsInfinity(layer.Slope):
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOption, location, "LeakyReLU", "the slope must be a finite number"));
                    break;
                case LayerKind.Softmax when i != layers.Count - 1:
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxNotLast, location, Literals.Int(i)));
                    break;
            }

            if (layer.Kind == LayerKind.BatchNorm && !(layer.Epsilon >= 0f && !float.IsInfinity(layer.Epsilon)))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOption, location, layer.Display, "Epsilon must be a finite number ≥ 0"));
            }
        }

        if (sizesValid && parameters > MaxParameters)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.SizeTooLarge, LocationInfo.From(attributes[0].Syntax), "The network",
                $"it has {Literals.Grouped(parameters)} parameters; at most {Literals.Grouped(MaxParameters)} are supported"));
        }

        if (!layers.Any(l => l.Kind == LayerKind.Dense) || !sizesValid)
        {
            return;
        }

        // Element-wise layers act on the width of whatever comes before them (or, first in the network, on
        // the width the first sized layer reads).
        int current = layers.First(l => l.Kind is LayerKind.Dense or LayerKind.BatchNorm).Inputs;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Kind is LayerKind.Dense or LayerKind.BatchNorm)
            {
                current = layers[i].Outputs;
            }
            else
            {
                layers[i] = layers[i] with { Inputs = current, Outputs = current };
            }
        }
    }

    private static bool CheckSizes(LayerSpec layer, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        int[] sizes = layer.Kind == LayerKind.Dense ? new[] { layer.Inputs, layer.Outputs } : new[] { layer.Inputs };
        foreach (int size in sizes)
        {
            if (size <= 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, location, layer.Display, Literals.Int(size)));
                return false;
            }

            if (size > MaxFeatures)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.SizeTooLarge, location, layer.Display,
                    $"{Literals.Grouped(size)} features; at most {Literals.Grouped(MaxFeatures)} per layer are supported"));
                return false;
            }
        }

        long weights = (long)layer.Inputs * layer.Outputs;
        if (layer.Kind == LayerKind.Dense && weights > MaxWeightsPerLayer)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.SizeTooLarge, location, layer.Display,
                $"{Literals.Grouped(weights)} weights; at most {Literals.Grouped(MaxWeightsPerLayer)} per layer are supported"));
            return false;
        }

        return true;
    }

    /// <summary>Names must be usable as tensor prefixes, and no two layers with tensors may read the same ones.</summary>
    private static void CheckNames(List<LayerSpec> layers, IReadOnlyList<LayerAttribute> attributes, List<DiagnosticInfo> diagnostics)
    {
        var seen = new Dictionary<string, LayerSpec>(StringComparer.Ordinal);
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec layer = layers[i];
            LocationInfo? location = LocationInfo.From(attributes[i].Syntax);
            if (layer.Name is { } name && DeclarationChecks.DescribeInvalidName(name) is { } invalid)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidOption, location, layer.Display, invalid));
                continue;
            }

            if (layer.Kind is not (LayerKind.Dense or LayerKind.BatchNorm))
            {
                continue;
            }

            if (seen.TryGetValue(layer.TensorPrefix, out LayerSpec? earlier))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidOption, location, layer.Display,
                    $"it reads the tensors \"{layer.TensorPrefix}.*\", as does the layer at position {earlier.Position}; give each layer its own Name"));
            }
            else
            {
                seen.Add(layer.TensorPrefix, layer);
            }
        }
    }

    private static WeightsRequest? ReadWeightsAttribute(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        foreach (AttributeData data in type.GetAttributes())
        {
            if (data.AttributeClass?.ToDisplayString() != WeightsAttributeName)
            {
                continue;
            }

            LocationInfo? location = LocationInfo.From(data.ApplicationSyntaxReference?.GetSyntax());
            if (data.ConstructorArguments.Length != 1 || data.ConstructorArguments[0].Value is not string path || path.Trim().Length == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArguments, location, "[Weights]"));
                return null;
            }

            return new WeightsRequest(path, location);
        }

        return null;
    }
}
