namespace StaticNet.Generator.Emit;

/// <summary>Fully qualified names the generated code uses, written once.</summary>
internal static class Names
{
    /// <summary>The namespace of the kernels and weight types generated code calls.</summary>
    public const string Kernels = "global::StaticNet.Kernels";

    public const string ReadOnlySpanOfFloat = "global::System.ReadOnlySpan<float>";

    public const string SpanOfFloat = "global::System.Span<float>";
}
