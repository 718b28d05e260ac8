using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;

namespace StaticNet.Generator;

/// <summary>The parse step: a class declaration and its attributes become a <see cref="NetworkSpec"/> plus diagnostics.</summary>
public sealed partial class NetworkGenerator
{
    /// <summary>Parameters at most: <c>ParameterCount</c> is an int, as in the contract.</summary>
    internal const long MaxParameters = int.MaxValue;

    /// <summary>The parse result: a spec when the declaration is valid, and every diagnostic found.</summary>
    internal sealed record ParseResult(NetworkSpec? Spec, WeightsRequest? Weights, EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>A <c>[Weights("file")]</c> request, resolved against AdditionalFiles in a later step.</summary>
    /// <param name="Path">The file name or path ending.</param>
    /// <param name="Location">The attribute, for diagnostics.</param>
    /// <param name="InputsByOutputs">Whether <c>Layout = WeightLayout.InputsByOutputs</c>: Dense weights stored (in, out).</param>
    internal sealed record WeightsRequest(string Path, LocationInfo? Location, bool InputsByOutputs = false);

    /// <summary>One layer attribute as written: its data and the syntax it came from, in source order.</summary>
    private readonly record struct LayerAttribute(LayerKind Kind, AttributeData Data, AttributeSyntax Syntax);

    /// <summary>
    /// Parses a class that carries at least one anchor layer (<c>[Dense]</c>, <c>[Conv1d]</c>, <c>[Conv2d]</c>): the
    /// normal way into the pipeline. Each anchor kind has its own pipeline, so only the one for the class's first
    /// anchor layer parses it; the others return an empty result.
    /// </summary>
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

        var declarationsWithLayers = DeclarationsWithLayers(type, cancellationToken);
        (TypeDeclarationSyntax Declaration, LayerKind Kind)? firstAnchor = declarationsWithLayers
            .SelectMany(d => d.Layers.Where(l => LayerKinds.Anchors.Contains(l.Kind)).Select(l => (d.Declaration, l.Kind)))
            .Cast<(TypeDeclarationSyntax, LayerKind)?>()
            .FirstOrDefault();
        if (firstAnchor is not { } anchor
            || anchor.Declaration != declaration
            || !context.Attributes.Any(a => a.AttributeClass?.ToDisplayString() == anchor.Kind.AttributeName))
        {
            return new ParseResult(null, null, EquatableArray<DiagnosticInfo>.Empty);
        }

        // Layers on several partial declarations: report once, from the declaration with the first anchor layer.
        if (declarationsWithLayers.Count > 1)
        {
            foreach (var other in declarationsWithLayers.Where(d => d.Declaration != declaration))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.LayersOnSeveralDeclarations, LocationInfo.From(other.Layers[0].Syntax), type.Name));
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
        (TensorShape? inputShape, bool inputShapeValid) = ReadInputShape(type, diagnostics);
        if (layers is not null && inputShapeValid)
        {
            ApplyWeightFormat(layers, ReadWeightFormatAttribute(type, diagnostics));
            ResolveShapes(layers, attributes, inputShape, diagnostics);
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
    /// For classes with layer attributes but no anchor layer (<c>[Dense]</c>, <c>[Conv1d]</c>, <c>[Conv2d]</c>): reports
    /// SNN004 once, from the pipeline of the attribute kind that comes first in the class, so each such class gets
    /// exactly one diagnostic.
    /// </summary>
    internal static EquatableArray<DiagnosticInfo> CheckHasAnchor(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declarations = DeclarationsWithLayers(type, cancellationToken);
        if (declarations.Count == 0 || declarations.Any(d => d.Layers.Any(l => LayerKinds.Anchors.Contains(l.Kind))))
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
                        && LayerKinds.Find(name) is { } kind)
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

        var named = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, TypedConstant> argument in data.NamedArguments)
        {
            named[argument.Key] = argument.Value.Kind == TypedConstantKind.Array ? null : argument.Value.Value;
        }

        object?[] positional = data.ConstructorArguments.Select(a => a.Kind == TypedConstantKind.Array ? null : a.Value).ToArray();
        return attribute.Kind.Read(new LayerArguments(positional, named), position);
    }

    /// <summary>
    /// Runs every layer's checks and shape rule in order, reporting on the layer's attribute, and fills in the shapes.
    /// The network's input is <c>[InputShape]</c>'s, or else what the first layer that states its input reads
    /// (Dense(784, …): 784 features); layers before it take the same shape. A layer whose own sizes are invalid has no
    /// known shape, so the layer after it is not compared with it.
    /// </summary>
    private static void ResolveShapes(List<LayerSpec> layers, IReadOnlyList<LayerAttribute> attributes, TensorShape? inputShape, List<DiagnosticInfo> diagnostics)
    {
        void Report(LayerProblem problem, int i)
            => diagnostics.Add(new DiagnosticInfo(problem.Descriptor, LocationInfo.From(attributes[i].Syntax), problem.MessageArgs));

        bool sizesValid = true;
        bool anyShape = inputShape is not null;
        TensorShape? current = inputShape;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerSpec layer = layers[i];
            if (layer.CheckSizes() is { } sizeProblem)
            {
                Report(sizeProblem, i);
                sizesValid = false;
                current = null;
                anyShape = true;
                continue;
            }

            if (current is { } input)
            {
                ShapeResult result = layer.Resolve(input);
                if (result.Problem is { } problem)
                {
                    Report(problem, i);
                }

                // A shape rule that could not say what comes out (rank 0) leaves the layers after it unchecked.
                current = result.Output.Rank == 0 ? null : result.Output;
            }
            else if (layer.DeclaredInput is { } declared)
            {
                current = layer.Resolve(declared).Output;
            }
            else if (!anyShape && layer.InputShapeHint is { } hint)
            {
                Report(LayerProblem.Create(DiagnosticDescriptors.InputShapeRequired, layer.Display, hint), i);
                sizesValid = false;
                anyShape = true;
            }

            anyShape |= current is not null;

            foreach (LayerProblem problem in layer.CheckOptions(i, layers.Count))
            {
                Report(problem, i);
            }
        }

        long parameters = layers.Sum(l => l.ParameterCount);
        if (sizesValid && parameters > MaxParameters)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.SizeTooLarge, LocationInfo.From(attributes[0].Syntax), "The network",
                $"it has {Literals.Grouped(parameters)} parameters; at most {Literals.Grouped(MaxParameters)} are supported"));
        }

        if (!sizesValid || (inputShape ?? layers.FirstOrDefault(l => l.DeclaredInput is not null)?.DeclaredInput) is not { } networkInput)
        {
            return;
        }

        TensorShape shape = networkInput;
        for (int i = 0; i < layers.Count && shape.Rank > 0; i++)
        {
            TensorShape output = layers[i].Resolve(shape).Output;
            layers[i] = layers[i] with { Input = shape, Output = output };
            shape = output;
        }
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

            if (!layer.HasTensors)
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

    /// <summary>
    /// <c>[InputShape(c, l)]</c> or <c>[InputShape(c, h, w)]</c>, if the class has one, and whether it is valid (sizes
    /// of at least 1 whose product fits; otherwise SNN003 or SNN011 on it).
    /// </summary>
    private static (TensorShape? Shape, bool Valid) ReadInputShape(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        foreach (AttributeData data in type.GetAttributes())
        {
            if (data.AttributeClass?.ToDisplayString() != InputShapeAttributeName)
            {
                continue;
            }

            LocationInfo? location = LocationInfo.From(data.ApplicationSyntaxReference?.GetSyntax());
            int[] dimensions = data.ConstructorArguments.Select(a => a.Value is int value ? value : 0).ToArray();
            string display = $"InputShape({string.Join(", ", dimensions)})";
            if (data.AttributeConstructor is null || data.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error || a.Value is not int)
                || dimensions.Length is < 2 or > 3)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArguments, location, "[InputShape]"));
                return (null, false);
            }

            if (dimensions.FirstOrDefault(d => d <= 0) is int nonPositive && dimensions.Any(d => d <= 0))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, location, display, Literals.Int(nonPositive)));
                return (null, false);
            }

            long size = dimensions.Aggregate(1L, (product, d) => product * d);
            if (size > LayerSpec.MaxFeatures)
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.SizeTooLarge, location, display,
                    $"{Literals.Grouped(size)} values per sample; at most {Literals.Grouped(LayerSpec.MaxFeatures)} are supported"));
                return (null, false);
            }

            return (TensorShape.Of(dimensions), true);
        }

        return (null, true);
    }

    /// <summary>The network's <c>[WeightFormat]</c>, or null without one (or with an invalid one, reported as SNN012).</summary>
    private static StoredFormat? ReadWeightFormatAttribute(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        foreach (AttributeData data in type.GetAttributes())
        {
            if (data.AttributeClass?.ToDisplayString() != StoredFormats.AttributeName)
            {
                continue;
            }

            if (data.ConstructorArguments.Length == 1 && data.ConstructorArguments[0].Value is int value)
            {
                if (StoredFormats.IsDefined(value))
                {
                    return (StoredFormat)value;
                }

                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InvalidOption, LocationInfo.From(data.ApplicationSyntaxReference?.GetSyntax()),
                    "[WeightFormat]", $"{Literals.Int(value)} is not a WeightFormat; use WeightFormat.Float32, BFloat16, Int8 or Int8Dynamic"));
            }

            return null;
        }

        return null;
    }

    /// <summary>Each Dense layer stores its weights in its own <c>Format</c>, else the network's, else float32.</summary>
    private static void ApplyWeightFormat(List<LayerSpec> layers, StoredFormat? networkFormat)
    {
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is DenseLayer dense)
            {
                StoredFormat format = dense.DeclaredFormat is { } own && StoredFormats.IsDefined(own) ? (StoredFormat)own : networkFormat ?? StoredFormat.Float32;
                layers[i] = dense with { Format = format };
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

            bool inputsByOutputs = false;
            foreach (var named in data.NamedArguments)
            {
                if (named.Key == "Layout" && named.Value.Value is int layout)
                {
                    if (layout is not (0 or 1))
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArguments, location, "[Weights]"));
                        return null;
                    }

                    inputsByOutputs = layout == 1;
                }
            }

            return new WeightsRequest(path, location, inputsByOutputs);
        }

        return null;
    }
}
