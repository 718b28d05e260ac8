using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>
/// Declarations that leave no room for the generated code: each gets an SNN diagnostic on the user's code (ID and
/// location checked), and nothing is generated, so no CS error ever lands in a generated file.
/// </summary>
public sealed class DeclarationCheckTests
{
    [Theory]
    [InlineData("public const int InputSize = 3;", "InputSize", "the constant InputSize")]
    [InlineData("public int Summary { get; set; }", "Summary", "the constant Summary")]
    [InlineData("public struct Output { }", "Output", "the nested struct Output")]
    [InlineData("public class Input<T> { }", "Input", "the nested struct Input")]
    [InlineData("public void Forward(System.ReadOnlySpan<float> a, System.Span<float> b) { }", "Forward", "the Forward methods")]
    [InlineData("public int Forward(in Input x) => 0;", "Forward", "the Forward methods")]
    [InlineData("public event System.Action? ForwardParallel;", "ForwardParallel", "the ForwardParallel method")]
    [InlineData("private const int RowsPerBlock = 1;", "RowsPerBlock", "RowsPerBlock")]
    [InlineData("private void ForwardBlock() { }", "ForwardBlock", "ForwardBlock")]
    [InlineData("private int _layer0;", "_layer0", "_layer0 (layer 0's weights)")]
    [InlineData("private readonly object _layer12 = new();", "_layer12", "_layer12 (layer 12's weights)")]
    [InlineData("private struct Layer2Shape { }", "Layer2Shape", "Layer2Shape (layer 2's sizes)")]
    [InlineData("public static float Layer1Slope() => 0;", "Layer1Slope", "Layer1Slope (layer 1's LeakyReLU slope)")]
    [InlineData("public static int Load(string path) => 0;", "Load", "the Load methods")]
    [InlineData("public static int Load(byte[] bytes) => 0;", "Load", "byte[]")]
    [InlineData("public void Load(object o) { }", "Load", "byte[]")]
    [InlineData("[System.Runtime.CompilerServices.IndexerName(\"Forward\")] public int this[int i] => i;", "this", "the Forward methods")]
    [InlineData("static int StaticNet.INetwork.InputSize => 1;", "InputSize", "StaticNet.INetwork")]
    [InlineData("Net(StaticNet.Kernels.DenseWeights weights) { }", "Net", "constructor")]
    [InlineData("public Net() { }", "Net", "built by Load")]
    public void SNN013_a_member_with_a_generated_name_is_reported_on_the_member(string member, string located, string message)
    {
        var d = Single($$"""
            using StaticNet;
            [Dense(4, 8), LeakyReLU(0.1f), Dense(8, 2)]
            public partial class Net
            {
                {{member}}
            }
            """, "SNN013");
        Assert.Equal(located, d.Text);
        Assert.Equal(4, d.Line);
        Assert.Contains(message, d.Message);
        Assert.Contains("'Net'", d.Message);
    }

    [Fact]
    public void SNN013_a_member_in_another_partial_declaration_is_reported_there()
    {
        var run = GeneratorHarness.Run(new[]
        {
            "using StaticNet;\n[Dense(4, 2)]\npublic partial class Net { }",
            "public partial class Net\n{\n    public int OutputSize => 2;\n}",
        });
        var d = Located.From(run, run.GeneratorDiagnostics.Single());
        Assert.Equal("SNN013", d.Id);
        Assert.Equal("OutputSize", d.Text);
        Assert.Equal("Network1.cs", d.File);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void SNN013_the_members_of_embedded_weights_are_reserved_only_with_Weights()
    {
        const string Members = "public static Net LoadEmbedded() => null!; private static int EmbeddedWeights => 0;";
        var d = Single("using StaticNet;\n[Weights(\"w.safetensors\"), Dense(4, 2)]\npublic partial class Net { " + Members + " }", "SNN013", count: 2);
        Assert.Equal("LoadEmbedded", d.Text);

        GeneratorHarness.Run("using StaticNet;\n[Dense(4, 2)]\npublic partial class Net { " + Members + " }").AssertCompilesCleanly();
    }

    [Fact]
    public void SNN013_an_inherited_member_the_generated_one_would_hide_is_reported_on_the_base_class()
    {
        var d = Single("""
            using StaticNet;
            public class Base { public int Forward; protected const int InputSize = 1; private int _layer0; }
            [Dense(4, 2)]
            public partial class Net : Base { }
            """, "SNN013", count: 2);
        Assert.Equal("Base", d.Text);
        Assert.Equal(3, d.Line);
        Assert.Contains("inherited from 'Base'", d.Message);
    }

    [Fact]
    public void SNN013_a_type_named_var_in_scope_is_reported_on_that_type()
    {
        var d = Single("""
            namespace A
            {
                public class var { }
                namespace B { [StaticNet.Dense(4, 2)] public partial class Net { } }
            }
            """, "SNN013");
        Assert.Equal("var", d.Text);
        Assert.Contains("var", d.Message);
    }

    [Fact]
    public void Overloads_of_the_public_methods_and_unrelated_members_are_fine()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using StaticNet;
            [Dense(4, 8), ReLU, Dense(8, 2)]
            public partial class Net
            {
                public static Net Load(System.IO.FileInfo file) => Load(file.FullName);
                public static Net Load(string path, bool verbose) => Load(path);
                public float[] Forward(float[] inputs) { var outputs = new float[inputs.Length / InputSize * OutputSize]; Forward(inputs, outputs); return outputs; }
                public void ForwardParallel(float[] inputs, float[] outputs) => ForwardParallel(inputs.AsSpan(), outputs);
                public int Layer0 => 0;
                private int _layer = 1;
                public int Inputs => _layer + InputSize;
                private static int layer0Output = 2;
                public override string ToString() => Summary + layer0Output;
            }

            internal static class Extensions { public static System.Span<float> AsSpan(this float[] a) => a; }
            """);
        run.AssertCompilesCleanly();
    }

    [Theory]
    [InlineData("using StaticNet;\n[Dense(4, 2)]\npublic partial class Input { }", "Input", "the nested struct Input")]
    [InlineData("using StaticNet;\n[Dense(4, 2)]\npublic partial class Forward { }", "Forward", "the Forward methods")]
    [InlineData("using StaticNet;\n[Dense(4, 2)]\npublic partial class Layer0Shape { }", "Layer0Shape", "the private struct Layer0Shape")]
    [InlineData("namespace StaticNet;\n[Dense(4, 2)]\npublic partial class Kernels { }", "Kernels", "the namespace 'StaticNet.Kernels'")]
    [InlineData("namespace System;\n[StaticNet.Dense(4, 2)]\npublic partial class Net { }", "Net", "the namespace 'System.Net'")]
    [InlineData("[StaticNet.Dense(4, 2)]\npublic partial class System { }", "System", "the namespace 'System'")]
    [InlineData("namespace StaticNet;\n[Dense(4, 2)]\npublic partial class INetwork { }", "INetwork", "the type 'StaticNet.INetwork'")]
    [InlineData("namespace System;\n[StaticNet.Dense(4, 2)]\npublic partial class ArgumentNullException { }", "ArgumentNullException", "the type 'System.ArgumentNullException'")]
    [InlineData("namespace System.Runtime.CompilerServices;\n[StaticNet.Dense(4, 2)]\npublic partial class MethodImpl { }", "MethodImpl", "attribute")]
    public void SNN014_a_class_named_like_a_generated_member_or_a_used_namespace_is_reported_on_its_name(string source, string located, string message)
    {
        var d = Single(source, "SNN014");
        Assert.Equal(located, d.Text);
        Assert.Contains(message, d.Message);
        Assert.Contains("rename the class", d.Message);
    }

    [Theory]
    [InlineData("public class Base { public Base(int x) { } }", "no constructor without arguments")]
    [InlineData("public class Base { private Base() { } }", "no constructor without arguments")]
    [InlineData("[Dense(2, 4)] public partial class Base { }", "'Base' is a StaticNet network")]
    [InlineData("[Dense(2, 4)] public partial class Root { } public class Base : Root { }", "'Root' is a StaticNet network")]
    public void SNN015_a_base_class_the_generated_constructor_cannot_chain_to_is_reported_on_the_base_class(string baseDeclaration, string message)
    {
        var d = Single($$"""
            using StaticNet;
            {{baseDeclaration}}
            [Dense(4, 2)]
            public partial class Net : Base { }
            """, "SNN015");
        Assert.Equal("Base", d.Text);
        Assert.Equal(3, d.Line);
        Assert.Contains(message, d.Message);
    }

    [Fact]
    public void A_base_class_with_a_protected_or_optional_constructor_is_fine()
    {
        GeneratorHarness.Run("""
            using StaticNet;
            public abstract class Base { protected Base(int x = 1) { } public int Extra => 1; }
            [Dense(4, 2)]
            public partial class Net : Base { }
            """).AssertCompilesCleanly();
    }

    [Theory]
    [InlineData("public partial struct Net { }", "a struct")]
    [InlineData("public readonly partial struct Net { }", "a struct")]
    [InlineData("public partial record struct Net;", "a record struct")]
    public void SNN008_a_struct_is_reported_on_its_name(string declaration, string what)
    {
        var run = GeneratorHarness.Run("using StaticNet;\n[Dense(4, 2)]\n" + declaration);
        var d = Located.From(run, run.GeneratorDiagnostics.Single(x => x.Id == "SNN008"));
        Assert.Equal("Net", d.Text);
        Assert.Contains(what, d.Message);
        Assert.Empty(run.Sources);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" fc1")]
    [InlineData("fc 1")]
    [InlineData("fc-1")]
    [InlineData("1fc")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a.")]
    [InlineData("a\\nb")]
    [InlineData("a\\u2028b")]
    [InlineData("a\\0")]
    [InlineData("a\\\"b")]
    [InlineData("a\\\\b")]
    [InlineData("a*/b")]
    [InlineData("a<b")]
    [InlineData("a&amp;")]
    [InlineData("fc\\ud83d\\ude00")]
    public void SNN012_a_Name_that_is_not_a_PyTorch_module_name_is_reported_on_its_layer(string name)
    {
        string layer = $"Dense(8, 2, Name = \"{name}\")";
        var d = Single($$"""
            using StaticNet;
            [Dense(4, 8), {{layer}}]
            public partial class Net { }
            """, "SNN012");
        Assert.Equal(layer, d.Text);
        Assert.Contains("PyTorch module name", d.Message);
    }

    [Theory]
    [InlineData("fc1")]
    [InlineData("encoder.layers.0.linear")]
    [InlineData("0")]
    [InlineData("blocks.00.x")]
    [InlineData("_private")]
    [InlineData("名前.層")]
    [InlineData("Élan")]
    public void PyTorch_module_names_are_valid_Names(string name)
    {
        GeneratorRun run = GeneratorHarness.Run(
            OutputKind.DynamicallyLinkedLibrary,
            GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose),
            [$$"""
            using StaticNet;
            /// <summary>A network.</summary>
            [Dense(4, 8, Name = "{{name}}"), ReLU, Dense(8, 2, Name = "head")]
            public partial class Net { }
            """]);
        run.AssertCompilesCleanly();
        Assert.Contains($"ReadMatrix(file, \"{name}.weight\", 8, 4, layout)", run.Source("Net.g.cs"), System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("async")]
    [InlineData("@record")]
    [InlineData("await")]
    [InlineData("nameof")]
    [InlineData("@dynamic")]
    [InlineData("net")]
    public void Contextual_keywords_and_lower_case_words_as_class_and_namespace_names_compile(string name)
    {
        // The user's file silences C#'s warning about lower-case type names; the generated file must not raise it again.
        GeneratorHarness.Run($$"""
            #pragma warning disable CS8981
            namespace {{name}}.@var;
            [StaticNet.Dense(4, 2)]
            public partial class {{name}} { }
            """).AssertCompilesCleanly();
    }

    [Theory]
    [InlineData("a&b.safetensors")]
    [InlineData("<weights>.safetensors")]
    [InlineData("it's \"quoted\".safetensors")]
    [InlineData("*/ {0} \\ .safetensors")]
    public void Weights_files_with_any_name_compile_with_documentation_checked(string fileName)
    {
        byte[] weights = SafetensorsWriter.Write([new("0.weight", [2, 4], new float[8]), new("0.bias", [2], new float[2])]);
        string path = "/data/" + fileName;
        var sidecar = new InMemoryAdditionalText(path + ".staticnet-weights.txt", $"staticnet-weights-v1\n{path}\n{System.Convert.ToBase64String(weights)}\n");
        string literal = SymbolDisplay.FormatLiteral(fileName, quote: true);
        GeneratorRun run = GeneratorHarness.Run(
            OutputKind.DynamicallyLinkedLibrary,
            GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose),
            [$"using StaticNet;\n/// <summary>A network.</summary>\n[Weights({literal}), Dense(4, 2)]\npublic partial class Net {{ }}"],
            sidecar);
        run.AssertCompilesCleanly();
        Assert.Contains("Net.Weights.g.cs", run.Sources.Keys);
    }

    [Fact]
    public void Every_descriptor_is_in_the_readme_the_diagnostics_page_and_the_release_tracking()
    {
        string root = System.IO.Path.GetFullPath(System.IO.Path.Combine(ThisDirectory(), "..", ".."));
        string readme = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "README.md"));
        string page = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "docs", "diagnostics.md"));
        string releases = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "Generator", "AnalyzerReleases.Unshipped.md"));
        var descriptors = typeof(NetworkGenerator).Assembly.GetType("StaticNet.Generator.Diagnostics.DiagnosticDescriptors")!
            .GetFields()
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!);
        Assert.All(descriptors, d =>
        {
            Assert.Contains($"| {d.Id} |", readme, System.StringComparison.Ordinal);
            Assert.Contains($"## {d.Id}\n", page, System.StringComparison.Ordinal);
            Assert.Contains($"{d.Id} | StaticNet | {d.DefaultSeverity} | {d.Title}", releases, System.StringComparison.Ordinal);
        });
    }

    private static string ThisDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") => System.IO.Path.GetDirectoryName(path)!;

    private static Located Single(string source, string id, int count = 1)
    {
        var run = GeneratorHarness.Run(source);
        var matching = run.GeneratorDiagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == count, $"Expected {count} {id}, got: {string.Join("\n", run.GeneratorDiagnostics)}");
        Assert.DoesNotContain(run.Sources.Keys, k => k.StartsWith("Net.", System.StringComparison.Ordinal));
        return Located.From(run, matching[0]);
    }
}
