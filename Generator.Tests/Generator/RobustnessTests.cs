using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Tests.Support;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>
/// The generator never throws and never emits code that does not compile, whatever the source. Awkward but valid
/// declarations get working code; broken ones get diagnostics and no code.
/// </summary>
public sealed class RobustnessTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> ValidDeclarations => new()
    {
        { "global namespace", "[StaticNet.Dense(4, 2)] public partial class Net { }" },
        { "file-scoped namespace", "namespace A.B; [StaticNet.Dense(4, 2)] partial class Net { }" },
        { "block namespace", "namespace A { namespace B { [StaticNet.Dense(4, 2)] internal sealed partial class Net { } } }" },
        { "record class", "namespace A; [StaticNet.Dense(4, 2), StaticNet.Softmax] public partial record class Net;" },
        { "attribute lists split over lines with comments", """
            using StaticNet;
            namespace A;
            [Dense(4, 8) /* hidden */, // the first layer
             ReLU]
            [System.Serializable] // an unrelated attribute between layer lists
            [Dropout(0.5f),
                // the head
                Dense(8, 2, Name = "head"), Softmax]
            public partial class Net { }
            """ },
        { "long attribute names and an alias", """
            using SN = StaticNet;
            [SN.DenseAttribute(4, 8), SN.ReLUAttribute, global::StaticNet.Dense(8, 2)]
            public partial class Net { }
            """ },
        { "constant expressions", """
            using StaticNet;
            static class Sizes { public const int Hidden = 3 * 5; }
            [Dense(2 + 2, Sizes.Hidden), LeakyReLU(1f / 8), Dense(Sizes.Hidden, 1, Bias = !true)]
            public partial class Net { }
            """ },
        { "members in another partial declaration", """
            using StaticNet;
            [Dense(4, 2)] public partial class Net { }
            public partial class Net { public override string ToString() => Summary; }
            """ },
        { "keywords as names", "namespace @namespace; [StaticNet.Dense(4, 2)] public partial class @class { }" },
        { "one-wide and 4096-wide layers", "[StaticNet.Dense(1, 4096), StaticNet.Tanh, StaticNet.Dense(4096, 1)] public partial class Net { }" },
    };

    [Theory]
    [MemberData(nameof(ValidDeclarations))]
    public void Awkward_but_valid_declarations_compile_cleanly(string what, string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.True(run.Sources.Count == 1, $"{what}: expected one generated file, got {run.Sources.Count}");
        run.AssertCompilesCleanly();
    }

    [Fact]
    public void Two_classes_with_one_name_in_different_namespaces_get_separate_files()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            namespace A { [StaticNet.Dense(4, 2)] public partial class Net { } }
            namespace B { [StaticNet.Dense(3, 1)] public partial class Net { } }
            """);
        Assert.Equal(["A.Net.g.cs", "B.Net.g.cs"], run.Sources.Keys.OrderBy(k => k));
        run.AssertCompilesCleanly();
    }

    /// <summary>
    /// Mutates valid sources (deletes or duplicates a random span of text, thousands of times) and checks the
    /// generator neither throws nor emits code with errors of its own: every error must be in the user's source.
    /// </summary>
    [Fact]
    public void Mutated_sources_never_make_the_generator_throw_or_emit_broken_code()
    {
        string[] seeds =
        [
            "using StaticNet;\nnamespace A;\n[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax]\npublic partial class Net { }\n",
            "using StaticNet;\n[Dense(12, 24, Name = \"l1\"), BatchNorm(24, Epsilon = 1e-3f), ReLU, Dropout(0.2f), Dense(24, 4, Bias = false), LeakyReLU(0.1f)]\npartial record Net;\n",
            "namespace A { [StaticNet.BatchNorm(8), StaticNet.Dense(8, 16), StaticNet.Sigmoid, StaticNet.Tanh, StaticNet.Dense(16, 7)] public partial class Net { } }\n",
        ];
        int iterations = Environment.GetEnvironmentVariable("STATICNET_STRESS") == "1" ? 3000 : 300;
        var random = new Random(1234);
        int generated = 0;
        for (int i = 0; i < iterations; i++)
        {
            string source = Mutate(seeds[i % seeds.Length], random);
            GeneratorRun run;
            try
            {
                run = GeneratorHarness.Run(source);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"The generator threw for:\n{source}", e);
            }

            var generatedTrees = run.Output.SyntaxTrees.Where(t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)).ToHashSet();
            var errorsInGenerated = run.CompilationDiagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && generatedTrees.Contains(tree))
                .ToList();
            Assert.True(errorsInGenerated.Count == 0, $"Generated code has errors for:\n{source}\n{string.Join("\n", errorsInGenerated)}");
            generated += run.Sources.Count;
        }

        output.WriteLine($"{iterations} mutated sources, {generated} generated files, no exception, no error in generated code");
    }

    private static string Mutate(string source, Random random)
    {
        int start = random.Next(source.Length);
        int length = random.Next(1, Math.Min(12, source.Length - start) + 1);
        return random.Next(3) switch
        {
            0 => source.Remove(start, length),
            1 => source.Insert(random.Next(source.Length), source.Substring(start, length)),
            _ => source.Remove(start, length).Insert(Math.Min(start, source.Length - length), new string("(),=[]0-19.f\"x".OrderBy(_ => random.Next()).Take(length).ToArray())),
        };
    }
}
