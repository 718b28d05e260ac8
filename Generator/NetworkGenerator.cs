using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;

namespace StaticNet.Generator;

/// <summary>
/// Generates an allocation-free forward pass for every partial class declared with StaticNet layer attributes.
/// </summary>
/// <remarks>
/// The pipeline, top to bottom:
/// <list type="number">
/// <item>Find classes with <c>[Dense]</c>, <c>[Conv1d]</c> or <c>[Conv2d]</c> (<c>ForAttributeWithMetadataName</c>, so only those
/// declarations are looked at; one pipeline per kind, and a class is parsed by the pipeline of the first such layer it declares).</item>
/// <item>Parse each into an equatable <see cref="NetworkSpec"/> plus diagnostics (<c>NetworkGenerator.Parser.cs</c>).</item>
/// <item>Resolve <c>[Weights]</c> against the AdditionalFiles the StaticNet build step prepared (<c>NetworkGenerator.Weights.cs</c>).</item>
/// <item>Emit one source file per network (<c>NetworkGenerator.Emitter.cs</c>); report diagnostics on their own output,
/// so an edit that only moves a class re-reports diagnostics without re-emitting source.</item>
/// </list>
/// Classes with other layer attributes but none of those three are found through those attributes, only to report SNN004.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed partial class NetworkGenerator : IIncrementalGenerator
{
    internal const string WeightsAttributeName = "StaticNet.WeightsAttribute";

    internal const string InputShapeAttributeName = "StaticNet.InputShapeAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<ImmutableArray<WeightsFile>> weightsFiles = context.AdditionalTextsProvider
            .Where(static file => WeightsFile.IsWeightsSidecar(file.Path))
            .Select(static (file, cancellationToken) => WeightsFile.Read(file, cancellationToken))
            .WithTrackingName(TrackingNames.WeightsFiles)
            .Collect();

        // The weights files themselves (.safetensors, .npz, .onnx), by path only: to tell "not listed" from "listed, but the build step did not run".
        IncrementalValueProvider<ImmutableArray<string>> rawWeightsFiles = context.AdditionalTextsProvider
            .Where(static file => IsWeightsExtension(file.Path))
            .Select(static (file, _) => file.Path)
            .Collect();

        // Whether the project allows unsafe code, which [SkipLocalsInit] needs (CS0227): then the forward pass leaves its
        // stack activations unzeroed (every layer writes its whole output before the next reads it). A bool, so an edit
        // elsewhere in the compilation re-runs nothing after this step.
        IncrementalValueProvider<bool> allowsUnsafe = context.CompilationProvider
            .Select(static (compilation, _) => compilation.Options is CSharpCompilationOptions { AllowUnsafe: true });

        // One pipeline per anchor kind; each class is parsed by the pipeline of the anchor it declares first.
        foreach (LayerKind anchor in LayerKinds.Anchors)
        {
            IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
                .ForAttributeWithMetadataName(anchor.AttributeName, static (node, _) => node is TypeDeclarationSyntax, ParseNetwork)
                .WithTrackingName(TrackingNames.Parse);
            RegisterNetworks(context, parsed, weightsFiles, rawWeightsFiles, allowsUnsafe);
        }

        foreach (LayerKind kind in LayerKinds.All.Where(kind => !LayerKinds.Anchors.Contains(kind)))
        {
            ReportDiagnostics(context, context.SyntaxProvider
                .ForAttributeWithMetadataName(kind.AttributeName, static (node, _) => node is TypeDeclarationSyntax, CheckHasAnchor)
                .SelectMany(static (found, _) => found));
        }
    }

    private static void RegisterNetworks(
        IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<ParseResult> parsed,
        IncrementalValueProvider<ImmutableArray<WeightsFile>> weightsFiles,
        IncrementalValueProvider<ImmutableArray<string>> rawWeightsFiles,
        IncrementalValueProvider<bool> allowsUnsafe)
    {
        IncrementalValuesProvider<ResolvedNetwork> networks = parsed
            .Where(static result => result.Spec is not null)
            .Combine(weightsFiles)
            .Combine(rawWeightsFiles)
            .Select(static (pair, _) => ResolveWeights(pair.Left.Left.Spec!, pair.Left.Left.Weights, pair.Left.Right, pair.Right))
            .WithTrackingName(TrackingNames.Resolve);

        IncrementalValuesProvider<NetworkSpec> specs = networks
            .Where(static network => network.Spec is not null)
            .Select(static (network, _) => network.Spec!)
            .WithTrackingName(TrackingNames.Spec);

        context.RegisterSourceOutput(specs.Combine(allowsUnsafe), static (output, pair) =>
        {
            (NetworkSpec spec, bool skipLocalsInit) = pair;
            string hintName = spec.FullName.Replace("@", string.Empty);
            output.AddSource(hintName + ".g.cs", Emit(spec, skipLocalsInit));
            if (spec.Weights is not null)
            {
                output.AddSource(hintName + ".Weights.g.cs", EmitEmbeddedWeights(spec));
            }
        });

        ReportDiagnostics(context, parsed.SelectMany(static (result, _) => result.Diagnostics));
        ReportDiagnostics(context, networks.SelectMany(static (network, _) => network.Diagnostics));
    }

    private static void ReportDiagnostics(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<DiagnosticInfo> diagnostics)
        => context.RegisterSourceOutput(diagnostics, static (output, diagnostic) => output.ReportDiagnostic(diagnostic.ToDiagnostic()));
}

/// <summary>Names of the pipeline steps, so tests can check which steps re-ran after an edit.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string WeightsFiles = nameof(WeightsFiles);
    public const string Resolve = nameof(Resolve);
    public const string Spec = nameof(Spec);
}
