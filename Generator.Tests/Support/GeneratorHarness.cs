using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace StaticNet.Generator.Tests.Support;

/// <summary>Runs <see cref="NetworkGenerator"/> in memory over a source snippet, the way the compiler would.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        // The running test's own framework and StaticNet.dll: exactly what a user's net10.0 project compiles against.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(DenseAttribute).Assembly.Location);
        return paths.Distinct(StringComparer.Ordinal)
            .Where(p => !p.Contains("StaticNet.Generator", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    });

    public static CSharpCompilation CreateCompilation(params string[] sources)
        => CreateCompilation(OutputKind.DynamicallyLinkedLibrary, sources);

    public static CSharpCompilation CreateCompilation(OutputKind kind, params string[] sources)
        => CreateCompilation(kind, ParseOptions, sources);

    public static CSharpCompilation CreateCompilation(OutputKind kind, CSharpParseOptions parseOptions, params string[] sources)
        => EmptyCompilations[kind].Value.AddSyntaxTrees(
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parseOptions, path: i == 0 ? "Network.cs" : $"Network{i}.cs")));

    // One compilation per output kind; compilations made from it by adding trees share its reference manager, so the
    // ~170 references are bound once (a new compilation from scratch binds them all again, most of the cost of a
    // small test compilation). Nothing is asked of it directly: that would compute its declaration state, which trees
    // added later then fail to join (ReplaceSyntaxTree no longer finds them).
    private static readonly Dictionary<OutputKind, Lazy<CSharpCompilation>> EmptyCompilations =
        new[] { OutputKind.DynamicallyLinkedLibrary, OutputKind.ConsoleApplication }.ToDictionary(
            kind => kind,
            kind => new Lazy<CSharpCompilation>(() => CSharpCompilation.Create(
                "UserAssembly",
                syntaxTrees: null,
                References.Value,
                new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable))));

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText>? additionalTexts = null, CSharpParseOptions? parseOptions = null)
        => CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            additionalTexts,
            parseOptions ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(string source, params AdditionalText[] additionalTexts)
        => Run(new[] { source }, additionalTexts);

    public static GeneratorRun Run(string[] sources, params AdditionalText[] additionalTexts)
        => Run(OutputKind.DynamicallyLinkedLibrary, sources, additionalTexts);

    public static GeneratorRun Run(OutputKind kind, string[] sources, params AdditionalText[] additionalTexts)
        => Run(kind, ParseOptions, sources, additionalTexts);

    /// <summary>Runs with other parse options, e.g. <see cref="DocumentationMode.Diagnose"/> to check the generated XML docs too.</summary>
    public static GeneratorRun Run(OutputKind kind, CSharpParseOptions parseOptions, string[] sources, params AdditionalText[] additionalTexts)
        => Run(CreateCompilation(kind, parseOptions, sources), parseOptions, additionalTexts);

    /// <summary>Runs over a compilation made by <see cref="CreateCompilation(string[])"/>, e.g. with other compilation options.</summary>
    public static GeneratorRun Run(CSharpCompilation compilation, CSharpParseOptions? parseOptions = null, params AdditionalText[] additionalTexts)
    {
        parseOptions ??= ParseOptions;
        GeneratorDriver driver = CreateDriver(additionalTexts, parseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> _);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null)
        {
            throw new InvalidOperationException("The generator threw.", result.Exception);
        }

        return new GeneratorRun(
            result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString()),
            result.Diagnostics,
            output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray(),
            output);
    }
}

/// <summary>What one generator run produced: sources by hint name, the generator's diagnostics, and the compiler's afterwards.</summary>
internal sealed record GeneratorRun(
    IReadOnlyDictionary<string, string> Sources,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> CompilationDiagnostics,
    Compilation Output)
{
    public string Source(string hintName) => Sources.TryGetValue(hintName, out string? s)
        ? s
        : throw new KeyNotFoundException($"No source '{hintName}'; generated: {string.Join(", ", Sources.Keys)}");

    /// <summary>Fails with every compiler diagnostic if the generated code plus the snippet has any error or warning.</summary>
    public void AssertCompilesCleanly()
    {
        var problems = CompilationDiagnostics.Concat(GeneratorDiagnostics).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, "Expected no errors or warnings, got:\n" + string.Join("\n", problems));
    }
}

/// <summary>An in-memory AdditionalFiles item.</summary>
internal sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
}
