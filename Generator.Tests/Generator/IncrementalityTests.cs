using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>
/// The generator must not redo work the compiler did not ask for: an edit elsewhere leaves every step's output
/// cached, and no step output holds a symbol, syntax node or compilation (which would defeat caching and leak memory).
/// </summary>
public sealed class IncrementalityTests
{
    private const string Network = """
        using StaticNet;

        namespace Digits;

        [Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]
        public partial class MnistNet { }
        """;

    [Fact]
    public void An_unrelated_edit_does_not_rerun_the_emit_step()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Network, "public class Other { public int X => 1; }");

        // Edit only the unrelated file.
        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            other, CSharpSyntaxTree.ParseText("public class Other { public int X => 2; public int Y => 3; }", GeneratorHarness.ParseOptions, other.FilePath));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertAllCached(second, TrackingNames.Parse, TrackingNames.Resolve, TrackingNames.Spec);
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output step re-ran: {output.Reason}"));
    }

    [Fact]
    public void Moving_the_class_down_reparses_but_does_not_re_emit()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Network);
        SyntaxTree tree = compilation.SyntaxTrees.First();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            tree, CSharpSyntaxTree.ParseText("// a comment that moves everything down\n\n" + Network, GeneratorHarness.ParseOptions, tree.FilePath));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        // The parse result holds diagnostic locations, so it is Modified; the spec it yields is equal, so emission is skipped.
        AssertAllCached(second, TrackingNames.Resolve, TrackingNames.Spec);
    }

    [Fact]
    public void Changing_a_size_re_emits()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = RunOnce(Network);
        SyntaxTree tree = compilation.SyntaxTrees.First();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            tree, CSharpSyntaxTree.ParseText(Network.Replace("Dense(64, 10)", "Dense(64, 12)"), GeneratorHarness.ParseOptions, tree.FilePath));
        GeneratorRunResult second = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Contains(second.TrackedSteps[TrackingNames.Spec].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("OutputSize = 12", second.GeneratedSources.Single().SourceText.ToString());
    }

    [Fact]
    public void No_step_output_holds_a_symbol_syntax_node_or_compilation()
    {
        (GeneratorDriver driver, _) = RunOnce(Network);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        string[] ours = { TrackingNames.Parse, TrackingNames.WeightsFiles, TrackingNames.Resolve, TrackingNames.Spec };
        Assert.Contains(TrackingNames.Spec, result.TrackedSteps.Keys);

        // Only our own steps: Roslyn's internal ForAttributeWithMetadataName steps hold syntax by design.
        foreach (IncrementalGeneratorRunStep step in result.TrackedSteps.Where(s => ours.Contains(s.Key)).SelectMany(s => s.Value))
        {
            foreach ((object value, _) in step.Outputs)
            {
                AssertNoRoslynObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance), step.Name ?? "?");
            }
        }
    }

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) RunOnce(params string[] sources)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(sources);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        return (driver, compilation);
    }

    private static void AssertAllCached(GeneratorRunResult result, params string[] stepNames)
    {
        foreach (string name in stepNames)
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} was not tracked");
            Assert.All(result.TrackedSteps[name].SelectMany(s => s.Outputs), output =>
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name} re-ran: {output.Reason}"));
        }
    }

    private static void AssertNoRoslynObjects(object? value, HashSet<object> seen, string step)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel or SyntaxTree, $"step {step} output holds a {value.GetType().Name}");
        if (value is DiagnosticDescriptor)
        {
            return; // Descriptors are static singletons, safe to cache.
        }

        if (value is System.Collections.IEnumerable items)
        {
            foreach (object? item in items)
            {
                AssertNoRoslynObjects(item, seen, step);
            }
        }

        foreach (var field in value.GetType().GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(field.GetValue(value), seen, step);
        }
    }
}
