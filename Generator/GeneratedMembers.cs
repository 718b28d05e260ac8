using System.Collections.Generic;
using System.Linq;

namespace StaticNet.Generator;

/// <summary>
/// Every name the generated code declares on a network class, in one place: the declaration checks
/// (<see cref="DeclarationChecks"/>) reserve them, and a test compiles generated networks and fails when the
/// emitter declares a member this list does not cover.
/// </summary>
/// <remarks>
/// Names are reserved whatever the member kind: C# allows one name per class for fields, properties, constants
/// and nested types, so a user's <c>Input</c> property clashes with the generated <c>Input</c> struct as surely
/// as a second struct would. Only the public methods a caller uses may be overloaded by the user
/// (<see cref="Member.Signatures"/>); everything private is reserved outright, so the generated code can rely
/// on its own names.
/// </remarks>
internal static class GeneratedMembers
{
    // Parameter types as SymbolDisplayFormat.FullyQualifiedFormat writes them. "Input" is the generated nested
    // struct, which does not exist yet when the user's code is checked (it is an error type then).
    private const string ReadOnlySpanOfFloat = "global::System.ReadOnlySpan<float>";
    private const string SpanOfFloat = "global::System.Span<float>";
    internal const string SampleInput = "Input";
    private const string Layout = "global::StaticNet.WeightLayout";

    /// <summary>The members of every network, public first.</summary>
    public static readonly IReadOnlyList<Member> Fixed = new[]
    {
        new Member("InputSize", "the constant InputSize"),
        new Member("OutputSize", "the constant OutputSize"),
        new Member("ParameterCount", "the constant ParameterCount"),
        new Member("FlopPerSample", "the constant FlopPerSample"),
        new Member("Summary", "the constant Summary"),
        new Member("Input", "the nested struct Input (one sample's input)"),
        new Member("Output", "the nested struct Output (one sample's output)"),
        new Member("Load", "the Load methods", new[] { new[] { "string" }, new[] { "global::System.IO.Stream" }, new[] { "global::System.ReadOnlySpan<byte>" } }),
        new Member("LoadNumpy", "the LoadNumpy methods", new[] { new[] { "string", Layout }, new[] { "global::System.IO.Stream", Layout }, new[] { "global::System.ReadOnlySpan<byte>", Layout } }),
        new Member("LoadOnnx", "the LoadOnnx methods", new[] { new[] { "string" }, new[] { "global::System.IO.Stream" }, new[] { "global::System.ReadOnlySpan<byte>" } }),
        new Member("Forward", "the Forward methods", new[] { new[] { ReadOnlySpanOfFloat, SpanOfFloat }, new[] { SampleInput } }),
        new Member("ForwardParallel", "the ForwardParallel method", new[] { new[] { ReadOnlySpanOfFloat, SpanOfFloat } }),
        new Member("ForwardInspect", "the ForwardInspect method", new[] { new[] { ReadOnlySpanOfFloat, SpanOfFloat, "global::StaticNet.LayerObserver" } }),
        new Member("LoadFrom", "the private method LoadFrom"),
        new Member("RowsPerBlock", "the private constant RowsPerBlock"),
        new Member("ForwardBlock", "the private method ForwardBlock"),
    };

    /// <summary>The members a network with <c>[Weights]</c> has besides <see cref="Fixed"/>.</summary>
    public static readonly IReadOnlyList<Member> WithWeights = new[]
    {
        new Member("LoadEmbedded", "the LoadEmbedded method", new[] { new string[0] }),
        new Member("EmbeddedWeights", "the private property EmbeddedWeights"),
        new Member("get_EmbeddedWeights", "the getter of the private property EmbeddedWeights"),
    };

    /// <summary>Names with a layer's position in them: <c>_layer3</c> is layer 3's weights, <c>Layer3Shape</c> its sizes.</summary>
    /// <remarks>An activation's parameters come from the table of kinds (<see cref="Layers.ActivationLayer.Functions"/>): a new parameter is covered here without an edit.</remarks>
    public static readonly IReadOnlyList<PerLayer> PerLayerPatterns = new[]
    {
        new PerLayer("_layer", string.Empty, "the private field _layer{N} (layer {N}'s weights)"),
        new PerLayer("Layer", "Shape", "the private struct Layer{N}Shape (layer {N}'s sizes)"),
    }.Concat(Layers.ActivationLayer.Functions
        .SelectMany(function => function.Parameters.Select(parameter => (function.Attribute, Parameter: parameter)))
        .GroupBy(p => p.Parameter)
        .Select(g => new PerLayer("Layer", g.Key, $"the private struct Layer{{N}}{g.Key} (layer {{N}}'s {string.Join(" or ", g.Select(p => p.Attribute))} {g.Key.ToLowerInvariant()})")))
    .ToArray();

    /// <summary>The interface every network implements; the generated code implements all its members.</summary>
    public const string Interface = "StaticNet.INetwork";

    /// <summary>
    /// The generated constructor takes the layers' weights, all of types in this namespace; a user constructor
    /// taking only such types could have the same signature.
    /// </summary>
    public const string ConstructorParameterNamespace = "StaticNet.Kernels";

    /// <summary>
    /// The generated <c>Load(string)</c>, <c>Load(Stream)</c> and <c>LoadEmbedded()</c> call <c>Load</c> with a
    /// byte array; a user <c>Load</c> that accepts one would be called instead of the generated one.
    /// </summary>
    public const string LoadCallArgument = "byte[]";

    /// <summary>
    /// Attributes the generated code applies by their short name (<c>[global::…MethodImpl(…)]</c>). A class with that
    /// full name would be found instead of the attribute. (Every other name the generated code uses is a namespace or
    /// type of a referenced assembly, and a class with such a name is found by looking for it there.)
    /// </summary>
    public static readonly IReadOnlyList<string> AttributesByShortName = new[]
    {
        "System.Runtime.CompilerServices.InlineArray",
        "System.Runtime.CompilerServices.MethodImpl",
    };

    /// <summary>The generated methods declare locals with <c>var</c>, so a type of that name must not be in scope.</summary>
    public const string ImplicitlyTypedLocal = "var";

    /// <summary>The generated member a name belongs to, or null when the generated code never declares it.</summary>
    /// <param name="name">A member name as C# sees it (no @).</param>
    /// <param name="hasWeights">Whether the network has <c>[Weights]</c>, which adds <see cref="WithWeights"/>.</param>
    public static Member? Find(string name, bool hasWeights)
    {
        foreach (Member member in hasWeights ? Fixed.Concat(WithWeights) : Fixed)
        {
            if (member.Name == name)
            {
                return member;
            }
        }

        foreach (PerLayer pattern in PerLayerPatterns)
        {
            if (pattern.Matches(name))
            {
                return new Member(name, pattern.Description.Replace("{N}", name.Substring(pattern.Prefix.Length, name.Length - pattern.Prefix.Length - pattern.Suffix.Length)));
            }
        }

        return null;
    }

    /// <summary>One generated member name.</summary>
    /// <param name="Name">The name as declared.</param>
    /// <param name="Description">What it is, for diagnostics: "the constant InputSize".</param>
    /// <param name="Signatures">
    /// For the public methods users may overload: the parameter types of every generated overload (fully
    /// qualified). Null for names that are reserved whatever the member.
    /// </param>
    internal sealed record Member(string Name, string Description, IReadOnlyList<string[]>? Signatures = null)
    {
        public bool IsOverloadableMethod => Signatures is not null;
    }

    /// <summary>A per-layer name: prefix, the layer's position (decimal, no leading zeros), suffix.</summary>
    internal sealed record PerLayer(string Prefix, string Suffix, string Description)
    {
        public bool Matches(string name)
        {
            if (name.Length <= Prefix.Length + Suffix.Length
                || !name.StartsWith(Prefix, System.StringComparison.Ordinal)
                || !name.EndsWith(Suffix, System.StringComparison.Ordinal))
            {
                return false;
            }

            // Reserve every digit string, leading zeros too: simpler to explain than the exact set emitted.
            for (int i = Prefix.Length; i < name.Length - Suffix.Length; i++)
            {
                if (name[i] is < '0' or > '9')
                {
                    return false;
                }
            }

            return true;
        }
    }
}
