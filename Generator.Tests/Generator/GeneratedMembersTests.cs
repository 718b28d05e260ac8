using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>
/// <see cref="GeneratedMembers"/> is the one list of names the generated code declares, and the declaration checks
/// reserve exactly those. These tests compile generated networks of every shape and compare what they really
/// declare with the list, so a member added to the emitter without updating the list fails here.
/// </summary>
public sealed class GeneratedMembersTests
{
    /// <summary>Networks that between them make the emitter write every kind of member it has.</summary>
    private static readonly string[] Networks =
    [
        "[Weights(\"w.safetensors\")] [Dense(3, 2), ReLU, Dense(2, 1)] public partial class WithWeights { }",
        "[BatchNorm(4), Dense(4, 8), BatchNorm(8), LeakyReLU(0.2f), Dropout(0.1f), Dense(8, 3), LeakyReLU(0.01f), Softmax] public partial class Mixed { }",
        "[Dense(8, 16), Tanh, Sigmoid, BatchNorm(16), Dense(16, 2, Bias = false), Softmax] public partial record InPlace;",
        "[Dense(2, 8192), ReLU, Dense(8192, 3)] public partial class Wide { }",
        "[LayerNorm(3), Dense(3, 4), ELU(0.5f), Dense(4, 4), Softplus(2f, 10f), GELU(Approximate = \"tanh\"), Dense(4, 2), SiLU] public partial class Smooth { }",
    ];

    private static readonly Lazy<IReadOnlyList<Network>> Compiled = new(CompileAll);

    [Fact]
    public void Every_member_the_generated_code_declares_on_a_network_is_in_the_list()
    {
        var uncovered = new List<string>();
        foreach (Network network in Compiled.Value)
        {
            foreach (ISymbol member in network.GeneratedMembers)
            {
                bool covered = member switch
                {
                    IMethodSymbol { MethodKind: MethodKind.Constructor } constructor => constructor.Parameters.Length > 0
                        && constructor.Parameters.All(p => p.Type.ContainingNamespace.ToDisplayString() == GeneratedMembers.ConstructorParameterNamespace),
                    _ when ExplicitlyImplemented(member).Any() => ExplicitlyImplemented(member).All(i => i.ContainingType.ToDisplayString() == GeneratedMembers.Interface),
                    _ => GeneratedMembers.Find(member.Name, hasWeights: true) is not null,
                };
                if (!covered)
                {
                    uncovered.Add($"{network.Type.Name}.{member.Name} ({member.Kind})");
                }
            }
        }

        Assert.True(uncovered.Count == 0, "Generated members missing from GeneratedMembers:\n" + string.Join("\n", uncovered));
    }

    [Fact]
    public void Every_name_in_the_list_is_declared_by_some_generated_network()
    {
        var declared = Compiled.Value.SelectMany(n => n.GeneratedMembers).Select(m => m.Name).ToHashSet();
        var stale = GeneratedMembers.Fixed.Concat(GeneratedMembers.WithWeights).Select(m => m.Name).Where(name => !declared.Contains(name)).ToList();
        stale.AddRange(GeneratedMembers.PerLayerPatterns.Where(p => !declared.Any(p.Matches)).Select(p => p.Description));
        Assert.True(stale.Count == 0, "Listed but never generated:\n" + string.Join("\n", stale));
    }

    [Fact]
    public void The_overloads_users_may_not_repeat_are_exactly_the_generated_ones()
    {
        foreach (GeneratedMembers.Member member in GeneratedMembers.Fixed.Concat(GeneratedMembers.WithWeights).Where(m => m.IsOverloadableMethod))
        {
            var generated = Compiled.Value
                .SelectMany(n => n.GeneratedMembers.OfType<IMethodSymbol>().Where(m => m.Name == member.Name).Select(m => string.Join(", ", m.Parameters.Select(p =>
                    SymbolEqualityComparer.Default.Equals(p.Type.ContainingType, n.Type)
                        ? p.Type.Name // the nested Input struct, listed by its simple name
                        : p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)))))
                .ToHashSet();
            var listed = member.Signatures!.Select(s => string.Join(", ", s)).ToHashSet();
            Assert.True(generated.SetEquals(listed), $"{member.Name}: generated ({string.Join(" | ", generated)}), listed ({string.Join(" | ", listed)})");
        }
    }

    [Fact]
    public void The_generated_code_applies_attributes_by_their_short_names_only_from_the_list()
    {
        var applied = Compiled.Value.SelectMany(n => n.Sources)
            .SelectMany(source => Regex.Matches(source, @"\[global::([\w.]+)\(").Select(m => m.Groups[1].Value))
            .ToHashSet();
        Assert.NotEmpty(applied);
        Assert.All(applied, name => Assert.Contains(name, GeneratedMembers.AttributesByShortName));
    }

    private static IEnumerable<ISymbol> ExplicitlyImplemented(ISymbol member) => member switch
    {
        IMethodSymbol m => m.ExplicitInterfaceImplementations,
        IPropertySymbol p => p.ExplicitInterfaceImplementations,
        _ => [],
    };

    private static IReadOnlyList<Network> CompileAll()
    {
        // The [Weights] network needs its file, handed over as the build step would.
        byte[] weights = SafetensorsWriter.Write(
        [
            new("0.weight", [2, 3], new float[6]), new("0.bias", [2], new float[2]),
            new("2.weight", [1, 2], new float[2]), new("2.bias", [1], new float[1]),
        ]);
        var sidecar = new InMemoryAdditionalText(
            "w.safetensors.staticnet-weights.txt", $"staticnet-weights-v1\nw.safetensors\n{Convert.ToBase64String(weights)}\n");

        var result = new List<Network>();
        foreach (string declaration in Networks)
        {
            GeneratorRun run = GeneratorHarness.Run("using StaticNet;\nnamespace Checked;\n" + declaration, sidecar);
            run.AssertCompilesCleanly();
            INamedTypeSymbol type = run.Output.GetTypeByMetadataName("Checked." + declaration.Split(' ').SkipWhile(w => w != "class" && w != "record").Skip(1).First().TrimEnd(';'))!;
            var generatedTrees = run.Output.SyntaxTrees.Where(t => t.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)).ToHashSet();
            var members = type.GetMembers()
                .Where(m => !m.IsImplicitlyDeclared && m.DeclaringSyntaxReferences.Any() && m.DeclaringSyntaxReferences.All(r => generatedTrees.Contains(r.SyntaxTree)))
                .ToList();
            Assert.NotEmpty(members);
            result.Add(new Network(type, members, run.Sources.Values.ToList()));
        }

        return result;
    }

    private sealed record Network(INamedTypeSymbol Type, IReadOnlyList<ISymbol> GeneratedMembers, IReadOnlyList<string> Sources);
}
