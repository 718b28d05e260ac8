using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Tests.Support;
using Xunit.Abstractions;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>
/// Declarations built from a grammar of hostile pieces — every type kind and modifier, user members named like each
/// generated member, class names equal to them, <c>Name</c> strings from every character class, keyword namespaces,
/// attributes in odd places, and every layer attribute the runtime defines (found by reflection, so layer kinds
/// added later are covered without editing this test). For each: the generator does not throw, and compiling the
/// generated code adds no error or warning to what the source alone has. Anything it cannot generate must be an
/// SNN diagnostic (or the source's own compile error), never a CS error in a generated file.
/// </summary>
public sealed class HostileDeclarationTests(ITestOutputHelper output)
{
    private static readonly CSharpParseOptions DocumentingParseOptions =
        GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);

    [Fact]
    public void Hostile_declarations_get_diagnostics_or_code_that_compiles()
    {
        bool stress = Environment.GetEnvironmentVariable("STATICNET_STRESS") == "1";
        int count = stress ? 6000 : 250;
        var random = new Random(20261201);
        var stopwatch = Stopwatch.StartNew();
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        int generated = 0, reported = 0, sourceErrors = 0;
        var uses = HostileDeclaration.LayerAttributes.ToDictionary(t => t, _ => (Declarations: 0, Generated: 0));
        for (int i = 0; i < count; i++)
        {
            string[] sources = HostileDeclaration.Build(random);
            Outcome outcome = Check(sources);
            generated += outcome == Outcome.Generated ? 1 : 0;
            reported += outcome == Outcome.Reported ? 1 : 0;
            sourceErrors += outcome == Outcome.SourceError ? 1 : 0;
            foreach (Type attribute in HostileDeclaration.LayerAttributes.Where(a => HostileDeclaration.Uses(sources[0], a)))
            {
                uses[attribute] = (uses[attribute].Declarations + 1, uses[attribute].Generated + (outcome == Outcome.Generated ? 1 : 0));
            }
        }

        output.WriteLine(
            $"{count} declarations{(stress ? " (STATICNET_STRESS=1)" : string.Empty)} in {stopwatch.Elapsed.TotalSeconds:F1} s " +
            $"({(Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds:F1} s of CPU): " +
            $"{generated} generated and compiled cleanly, {reported} stopped by an SNN error, {sourceErrors} with only the source's own errors");
        output.WriteLine("Attributes found by reflection (declarations using them / of those, generated): " +
            string.Join(", ", uses.Select(u => $"{u.Key.Name} {u.Value.Declarations}/{u.Value.Generated}")));

        // Every attribute the runtime defines was tried, a layer kind added later included.
        Assert.All(uses, u => Assert.True(u.Value.Declarations > 0, $"{u.Key.Name} never appeared in a declaration"));

        // The grammar must reach all three outcomes, or it tests less than it claims.
        Assert.True(generated > count / 10, $"only {generated} of {count} declarations generated code");
        Assert.True(reported > count / 10, $"only {reported} of {count} declarations got an SNN error");
    }

    private enum Outcome { Generated, Reported, SourceError }

    private static Outcome Check(string[] sources)
    {
        GeneratorRun run;
        try
        {
            run = GeneratorHarness.Run(OutputKind.DynamicallyLinkedLibrary, DocumentingParseOptions, sources);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException("The generator threw for:\n" + Show(sources), e);
        }

        // The source's own diagnostics, compiled without the generator (only when there is something to compare).
        var before = new Lazy<HashSet<(string, DiagnosticSeverity, string?, Microsoft.CodeAnalysis.Text.TextSpan)>>(() =>
            GeneratorHarness.CreateCompilation(OutputKind.DynamicallyLinkedLibrary, DocumentingParseOptions, sources)
                .GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(Key).ToHashSet());
        // Never a diagnostic in a generated file. In the user's files, only after an SNN error told them what is wrong
        // (deriving from another network: that network's generated constructor breaks the derived one).
        bool snnError = run.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
        var added = run.CompilationDiagnostics
            .Where(d => !before.Value.Contains(Key(d)) && (!snnError || d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) != false))
            .ToList();
        Assert.True(added.Count == 0,
            $"The generated code added compiler diagnostics:\n{string.Join("\n", added)}\nfor:\n{Show(sources)}\ngenerated: {string.Join(", ", run.Sources.Keys)}");

        // The Bases file always yields Bases.OtherNetwork; only the hostile declaration's own output counts here.
        if (run.Sources.Keys.Any(k => !k.StartsWith("Bases.", StringComparison.Ordinal)))
        {
            return Outcome.Generated;
        }

        // Nothing generated: the user must have been told why, by us or by the compiler.
        Assert.True(snnError || before.Value.Any(d => d.Item2 == DiagnosticSeverity.Error),
            $"Nothing was generated and nothing was reported for:\n{Show(sources)}");
        return snnError ? Outcome.Reported : Outcome.SourceError;
    }

    private static (string Id, DiagnosticSeverity Severity, string? Path, Microsoft.CodeAnalysis.Text.TextSpan Span) Key(Diagnostic d)
        => (d.Id, d.Severity, d.Location.SourceTree?.FilePath, d.Location.SourceSpan);

    private static string Show(string[] sources) => string.Join("\n--- next file\n", sources);
}

/// <summary>The grammar: one hostile declaration (and sometimes a second file) per call, from a seeded <see cref="Random"/>.</summary>
internal static class HostileDeclaration
{
    /// <summary>Every attribute in namespace StaticNet that can go on a class: the layers, [Weights], and any added later.</summary>
    public static readonly IReadOnlyList<Type> LayerAttributes = typeof(DenseAttribute).Assembly.GetTypes()
        .Where(t => t.Namespace == "StaticNet" && t.IsPublic && typeof(Attribute).IsAssignableFrom(t) && !t.IsAbstract)
        .Where(t => t.GetCustomAttribute<AttributeUsageAttribute>() is { } usage && usage.ValidOn.HasFlag(AttributeTargets.Class))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    /// <summary>Whether a source applies <paramref name="attribute"/> in an attribute list, by its short or full name.</summary>
    public static bool Uses(string source, Type attribute)
        => Regex.IsMatch(source, $@"(?<=[\[,]\s*(type:\s*)?(global::)?(StaticNet\.)?){attribute.Name[..^"Attribute".Length]}(Attribute)?(?=\s*[(,\]])");

    /// <summary>Every name the generated code declares, from the list the generator checks against (a separate test keeps it complete).</summary>
    private static readonly string[] GeneratedNames = GeneratedMembers.Fixed.Concat(GeneratedMembers.WithWeights).Select(m => m.Name)
        .Concat(GeneratedMembers.PerLayerPatterns.SelectMany(p => new[] { p.Prefix + "0" + p.Suffix, p.Prefix + "1" + p.Suffix, p.Prefix + "2" + p.Suffix }))
        .ToArray();

    // Each piece of the grammar has benign choices (awkward but valid: the network must be generated and compile)
    // and hostile ones (the generator must report an SNN error, or its code must still compile).
    private static readonly Piece TypeKinds = new(["class", "record", "record class"], ["struct", "record struct", "readonly struct", "interface", "ref struct"]);

    private static readonly Piece Modifiers = new(["", "public", "internal", "public sealed", "sealed", "unsafe", "public unsafe"], ["static", "abstract", "file", "new", "readonly", "public static"]);

    private static readonly Piece Namespaces = new(
        ["", "A", "A.B.C", "@class", "@namespace.@int", "Models.StaticNet", "StaticNet", "System", "record", "async", "Éclair"],
        ["var", "StaticNet.Kernels", "System.IO", "System.Runtime.CompilerServices", "Input", "Forward", "global", "@global", "file", "@var"]);

    private static readonly Piece ClassNames = new(
        ["Net", "MnistNet", "@class", "@int", "Éclair", "Net\\u0041", "record", "@record", "async", "Layer", "Layer0", "InputShape", "Outputs", "Loader"],
        GeneratedNames
            .Concat(GeneratedMembers.AttributesByShortName.Select(n => n.Split('.').Last()))
            // Namespaces and types the generated code names with global::, hostile in the namespace that holds them.
            .Concat(["System", "StaticNet", "Kernels", "Weights", "INetwork", "IO", "Span", "ArgumentNullException", "LayerObserver"])
            .Concat(["var", "file", "net", "scoped", "required"])
            .ToArray());

    private static readonly string[] BenignMemberNames = ["Helper", "Other", "Inputs", "Forwarded", "Layer0", "_layer", "LayerShape", "Layer01Slope0", "layer0", "Input2"];

    /// <summary>Strings from every character class a <c>Name</c> (or a path) can hold.</summary>
    private static readonly string[] NamePieces =
        ["fc1", "encoder", "layers", "0", "12", "_x", "head", "é", "名", ".", "..", " ", "\0", "\"", "\\", "\n", "\r\n", "\u2028", "\u0085", "\t",
         "*/", "/*", "//", "<", ">", "&", "&amp;", "'", "{", "}", "$", "#", "-", "\ud83d\ude00", "\ud800", "\u200b", "\u00ad", "<c>", "]]>", "%"];

    /// <summary>PyTorch module names; a unique suffix is added so two layers never read the same tensors.</summary>
    private static readonly string[] ValidNames = ["fc1", "encoder.layers.0.linear", "head", "_private", "0", "layer_2", "blocks.3", "名前", "É"];

    private enum Dimension { Namespace, ClassName, Kind, Modifiers, Partial, Generic, Nested, Base, Members, Layers, SecondDeclaration }

    public static string[] Build(Random random)
    {
        // Mostly one hostile piece at a time, so each is seen on an otherwise valid network; sometimes none or two.
        Dimension[] all = Enum.GetValues<Dimension>();
        var hostile = new HashSet<Dimension>(Enumerable.Range(0, Pick(random, [0, 1, 1, 1, 2])).Select(_ => Pick(random, all)));
        bool Hostile(Dimension d) => hostile.Contains(d);

        var context = new Context(random, Hostile(Dimension.Layers));
        string? @namespace = Namespaces.Pick(random, Hostile(Dimension.Namespace)) is { Length: > 0 } ns ? ns : null;
        string className = ClassNames.Pick(random, Hostile(Dimension.ClassName));
        string kind = TypeKinds.Pick(random, Hostile(Dimension.Kind));
        bool isRecord = kind.StartsWith("record", StringComparison.Ordinal) && kind != "record struct";
        string modifiers = Modifiers.Pick(random, Hostile(Dimension.Modifiers));
        bool partial = !Hostile(Dimension.Partial);
        string generic = Hostile(Dimension.Generic) ? "<T>" : string.Empty;
        bool nested = Hostile(Dimension.Nested);
        bool fileScoped = random.Next(2) == 0 && !nested;
        bool qualified = random.Next(3) == 0;
        string baseList = BaseList(random, isRecord, kind, Hostile(Dimension.Base));
        if (Hostile(Dimension.ClassName) && baseList.Contains("OtherNetwork", StringComparison.Ordinal))
        {
            // A class named like a namespace the generated code uses (StaticNet.Weights) breaks every network's
            // generated code, the other network's too; SNN014 says so on the class. Keep to one network then.
            baseList = " : global::Bases.Plain";
        }

        string memberName = className.TrimStart('@').Replace("\\u0041", "A", StringComparison.Ordinal);

        var file = new StringBuilder();
        if (!qualified)
        {
            file.AppendLine("using StaticNet;");
        }

        if (random.Next(6) == 0)
        {
            file.AppendLine("[assembly: System.Reflection.AssemblyMetadata(\"Dense\", \"784\")]");
        }

        if (random.Next(10) == 0)
        {
            file.AppendLine("[module: System.Runtime.CompilerServices.SkipLocalsInit]");
        }

        if (@namespace is not null && fileScoped)
        {
            file.AppendLine($"namespace {@namespace};");
        }
        else if (@namespace is not null)
        {
            file.AppendLine($"namespace {@namespace} {{");
        }

        if (nested)
        {
            file.AppendLine(random.Next(2) == 0 ? "public partial class Outer {" : "public partial struct Outer {");
        }

        file.AppendLine(Layers(context, qualified));
        if (random.Next(8) == 0)
        {
            file.AppendLine(Pick(random, ["[System.Serializable]", "[System.Obsolete(\"old\")]", "[System.CLSCompliant(false)]", "[type: System.Diagnostics.DebuggerDisplay(\"{Summary}\")]"]));
        }

        string members = Members(random, memberName, Hostile(Dimension.Members));
        string header = $"{modifiers} {(partial ? "partial " : string.Empty)}{kind} {className}{generic}{baseList}".Trim();
        file.AppendLine(kind.StartsWith("record", StringComparison.Ordinal) && members.Length == 0 && random.Next(2) == 0
            ? header + ";"
            : $"{header}\n{{\n{members}\n}}");
        if (nested)
        {
            file.AppendLine("}");
        }

        if (@namespace is not null && !fileScoped)
        {
            file.AppendLine("}");
        }

        var sources = new List<string> { file.ToString() };
        if (baseList.Contains("Bases.", StringComparison.Ordinal))
        {
            sources.Add(Bases);
        }

        if (baseList.Contains("Bases.OtherNetwork", StringComparison.Ordinal))
        {
            sources.Add("namespace Bases { [global::StaticNet.Dense(2, 2)] public partial class OtherNetwork { } }");
        }


        // A second partial declaration: more members, or (hostile) more layers, which SNN010 reports.
        if (Hostile(Dimension.SecondDeclaration) || random.Next(5) == 0)
        {
            string second = Hostile(Dimension.SecondDeclaration) ? Layers(context, qualified: true) : string.Empty;
            string more = Members(random, memberName, hostile: false);
            string body = $"{second}\npartial {kind} {className}{generic}\n{{\n{more}\n}}";
            sources.Add(@namespace is null ? body : $"namespace {@namespace}\n{{\n{body}\n}}");
        }

        return sources.ToArray();
    }

    /// <summary>Base types to derive from, in their own namespace so no class name chosen above can collide with them.</summary>
    private const string Bases = """
        namespace Bases
        {
            public class Plain { }
            public class WithArguments { public WithArguments(int x) { } }
            public class WithOptionalArguments { protected WithOptionalArguments(int x = 1) { } }
            public class WithPrivateConstructor { private WithPrivateConstructor() { } }
            public class WithMembers { public int Forward; protected const int InputSize = 1; private int _layer0; public void Load(System.IO.FileInfo f) { } }
            public abstract class WithAbstractForward { public abstract void Forward(System.ReadOnlySpan<float> x, System.Span<float> y); }
            public record PlainRecord;
            public record RecordWithArguments(int X);
        }
        """;

    private static string BaseList(Random random, bool isRecord, string kind, bool hostile)
    {
        string[] bases = (isRecord, hostile) switch
        {
            (true, false) => ["Bases.PlainRecord"],
            (true, true) => ["Bases.RecordWithArguments", "Bases.Plain"],
            (false, false) => ["Bases.Plain", "Bases.WithOptionalArguments", "System.Exception", "StaticNet.INetwork"],
            (false, true) => ["Bases.WithArguments", "Bases.WithPrivateConstructor", "Bases.WithMembers", "Bases.WithAbstractForward", "Bases.OtherNetwork"],
        };
        if (!hostile && random.Next(2) == 0)
        {
            return string.Empty;
        }

        return " : global::" + Pick(random, bases);
    }

    /// <summary>User members: named like a generated member (every kind of member), or harmless overloads and plain ones.</summary>
    private static string Members(Random random, string className, bool hostile)
    {
        int count = hostile ? random.Next(1, 4) : random.Next(0, 3);
        return string.Join("\n", Enumerable.Range(0, count).Select(_ => hostile ? HostileMember(random, className) : BenignMember(random)));
    }

    private static string BenignMember(Random random)
    {
        string name = Pick(random, BenignMemberNames);
        return random.Next(9) switch
        {
            0 => $"    private int {name};",
            1 => $"    public const int {name}Const = 1;",
            2 => $"    public void {name}Method() {{ }}",
            3 => $"    public int {name}Property => InputSize;",
            4 => $"    public class {name}Type {{ }}",
            5 => "    public float[] Forward(float[] a) => a;",
            6 => "    public static void Load(System.IO.FileInfo f) { }",
            7 => "    public void ForwardInspect(float[] x) { }",
            _ => "    static Helper() { } public override string ToString() => Summary;",
        };
    }

    private static string HostileMember(Random random, string className)
    {
        string name = Pick(random, GeneratedNames);
        return random.Next(14) switch
        {
            0 => $"    private int {name};",
            1 => $"    public const int {name} = 1;",
            2 => $"    public void {name}() {{ }}",
            3 => $"    public int {name} => 0;",
            4 => $"    public class {name} {{ }}",
            5 => $"    public event System.Action? {name};",
            6 => $"    public struct {name}<T> {{ }}",
            7 => "    public void Forward(System.ReadOnlySpan<float> a, System.Span<float> b) { }",
            8 => "    public int Forward(in Input x) => 0;",
            9 => Pick(random, ["    public static int Load(byte[] b) => 0;", "    public void Load(object o) { }", "    public static void Load<T>(T t) { }", "    public static int Load(string path) => 0;"]),
            10 => "    static int global::StaticNet.INetwork.InputSize => 1;",
            11 => $"    {className}(global::StaticNet.Kernels.DenseWeights w) {{ }}",
            12 => $"    public {className}() {{ }}",
            _ => "    [System.Runtime.CompilerServices.IndexerName(\"Forward\")] public int this[int i] => i;",
        };
    }

    /// <summary>
    /// One or more attribute lists of layers: a Dense first, or a third of the time a convolutional start whose shapes
    /// chain, then any attribute found by reflection.
    /// </summary>
    private static string Layers(Context context, bool qualified)
    {
        Random random = context.Random;
        var attributes = random.Next(3) == 0
            ? ConvolutionalStart(context, qualified)
            : new List<string> { Attribute(context, typeof(DenseAttribute), qualified) };
        // [Weights] names a file this test has no sidecar for (SNN020): only among hostile layers. WeightsTests covers it.
        Type[] kinds = LayerAttributes.Where(t => context.Hostile || t != typeof(WeightsAttribute)).ToArray();
        // Both starts end in features, where a convolution, pool, Flatten or a second InputShape is an error: outside
        // hostile declarations those come a quarter of the time, so that most declarations still generate code.
        Type[] onFeatures = kinds.Where(t => !Regex.IsMatch(t.Name, "^(Conv|MaxPool|AvgPool|Flatten|InputShape)")).ToArray();
        int more = random.Next(1, 6);
        for (int i = 0; i < more; i++)
        {
            attributes.Add(Attribute(context, Pick(random, context.Hostile || random.Next(4) == 0 ? kinds : onFeatures), qualified));
        }

        // Split into several lists, sometimes with a target, sometimes with an unrelated attribute among them.
        var lists = new StringBuilder();
        int start = 0;
        while (start < attributes.Count)
        {
            int take = random.Next(1, attributes.Count - start + 1);
            string target = random.Next(10) == 0 ? "type: " : string.Empty;
            string extra = random.Next(10) == 0 ? ", System.Serializable" : string.Empty;
            lists.Append('[').Append(target).Append(string.Join(random.Next(4) == 0 ? ",\n  " : ", ", attributes.Skip(start).Take(take))).Append(extra).Append("]\n");
            start += take;
        }

        return lists.ToString().TrimEnd();
    }

    /// <summary>
    /// [InputShape], one or two convolutions (options mostly valid; hostile ones anything), maybe a pool and an
    /// activation, Flatten and a Dense reading the flattened features: so convolutional code is generated and compiled too.
    /// </summary>
    private static List<string> ConvolutionalStart(Context context, bool qualified)
    {
        Random random = context.Random;
        string Name(string name) => qualified ? "global::StaticNet." + name : name;
        bool twoD = random.Next(2) == 0;
        int channels = random.Next(1, 4);
        int[] spatial = Enumerable.Range(0, twoD ? 2 : 1).Select(_ => random.Next(3, 12)).ToArray();
        var attributes = new List<string> { $"{Name("InputShape")}({channels}, {string.Join(", ", spatial)})" };
        for (int c = random.Next(1, 3); c > 0; c--)
        {
            int groups = channels % 2 == 0 && random.Next(3) == 0 ? 2 : 1;
            int outChannels = groups * random.Next(1, 9), kernel = random.Next(1, 4), padding = random.Next(0, 2), stride = random.Next(1, 3);
            string hostile = context.Hostile && random.Next(3) == 0 ? $", Dilation = {Pick(random, ["0", "-1", "1 << 30", "int.MaxValue"])}" : string.Empty;
            string name = random.Next(3) == 0 ? $", Name = {CSharpString(context.Hostile ? HostileString(random) : $"conv{context.NextName++}")}" : string.Empty;
            attributes.Add($"{Name(twoD ? "Conv2d" : "Conv1d")}({channels}, {outChannels}, {kernel}, Stride = {stride}, Padding = {padding}, Groups = {groups}{hostile}{name})");
            spatial = spatial.Select(s => ((s + (2 * padding) - kernel) / stride) + 1).ToArray();
            channels = outChannels;
            if (random.Next(2) == 0)
            {
                attributes.Add(Name(Pick(random, ["ReLU", "Tanh", "GELU", "SiLU"])));
            }

            if (random.Next(3) == 0 && spatial.All(s => s >= 2))
            {
                attributes.Add($"{Name(Pick(random, ["MaxPool", "AvgPool"]) + (twoD ? "2d" : "1d"))}(2)");
                spatial = spatial.Select(s => s / 2).ToArray();
            }
        }

        attributes.Add(Name("Flatten"));
        context.Width = channels * spatial.Aggregate(1, (a, b) => a * b);
        attributes.Add(Attribute(context, typeof(DenseAttribute), qualified));
        return attributes;
    }

    private static string Attribute(Context context, Type type, bool qualified)
    {
        Random random = context.Random;
        string name = type.Name.EndsWith("Attribute", StringComparison.Ordinal) && random.Next(5) != 0 ? type.Name[..^"Attribute".Length] : type.Name;
        name = qualified ? (random.Next(2) == 0 ? "global::StaticNet." : "StaticNet.") + name : name;

        ConstructorInfo[] constructors = type.GetConstructors();
        ConstructorInfo constructor = Pick(random, constructors);
        var arguments = new List<string>();
        foreach (ParameterInfo parameter in constructor.GetParameters())
        {
            if (parameter.HasDefaultValue && random.Next(3) == 0)
            {
                break; // leave the optional rest out
            }

            arguments.Add(Value(context, parameter.ParameterType, parameter.Name ?? string.Empty));
        }

        foreach (PropertyInfo property in type.GetProperties().Where(p => p.CanWrite && p.SetMethod!.IsPublic))
        {
            if (random.Next(3) == 0)
            {
                arguments.Add($"{property.Name} = {Value(context, property.PropertyType, property.Name)}");
            }
        }

        return arguments.Count == 0 && random.Next(2) == 0 ? name : $"{name}({string.Join(", ", arguments)})";
    }

    /// <summary>
    /// A constant of the parameter's type. Sizes mostly chain (an "in…" or "features" parameter takes the current
    /// width, an "out…" one sets the next), so most networks are valid and their code gets compiled; some are not.
    /// </summary>
    private static string Value(Context context, Type type, string parameter)
    {
        Random random = context.Random;
        Type underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(int) || underlying == typeof(long))
        {
            if (context.Hostile && random.Next(4) == 0)
            {
                return Pick(random, ["0", "-1", "int.MaxValue", "1 << 20"]);
            }

            string lower = parameter.ToLowerInvariant();
            if (lower.StartsWith("out", StringComparison.Ordinal))
            {
                context.Width = Pick(random, [1, 2, 3, 5, 8, 16]);
                return context.Width.ToString(CultureInfo.InvariantCulture);
            }

            return lower.StartsWith("in", StringComparison.Ordinal) || lower.Contains("feature", StringComparison.Ordinal)
                ? context.Width.ToString(CultureInfo.InvariantCulture)
                : random.Next(1, 4).ToString(CultureInfo.InvariantCulture);
        }

        if (underlying == typeof(float) || underlying == typeof(double))
        {
            string suffix = underlying == typeof(float) ? "f" : string.Empty;
            return context.Hostile && random.Next(4) == 0
                ? Pick(random, ["float.NaN", "float.PositiveInfinity", "-1f", "1f", "-0f"])
                : Pick(random, ["0.01", "0.1", "0.5", "1e-5", "0.25"]) + suffix;
        }

        if (underlying == typeof(bool))
        {
            return random.Next(2) == 0 ? "true" : "false";
        }

        if (underlying == typeof(string))
        {
            return CSharpString(context.Hostile && random.Next(3) != 0
                ? HostileString(random)
                : $"{Pick(random, ValidNames)}.l{context.NextName++}");
        }

        if (underlying.IsEnum)
        {
            string[] names = Enum.GetNames(underlying);
            return $"global::{underlying.FullName}.{Pick(random, names)}";
        }

        return "default";
    }

    private static string HostileString(Random random)
        => string.Concat(Enumerable.Range(0, random.Next(0, 5)).Select(_ => Pick(random, NamePieces)));

    /// <summary>A C# literal for any string, lone surrogates included (escaped, so the source text stays valid UTF-16).</summary>
    private static string CSharpString(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (char c in value)
        {
            builder.Append(c is '"' or '\\' || c < ' ' || c > '~' ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return builder.Append('"').ToString();
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    /// <summary>One piece of the grammar: benign choices must yield a network, hostile ones may be refused.</summary>
    private sealed record Piece(string[] Benign, string[] Hostile)
    {
        public string Pick(Random random, bool hostile) => HostileDeclaration.Pick(random, hostile ? Hostile : Benign);
    }

    private sealed class Context(Random random, bool hostile)
    {
        public Random Random { get; } = random;

        /// <summary>Whether layer arguments may be out of range and Name strings anything at all.</summary>
        public bool Hostile { get; } = hostile;

        public int NextName { get; set; }

        public int Width { get; set; } = 4;
    }
}
