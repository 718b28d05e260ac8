using Microsoft.CodeAnalysis;

namespace StaticNet.Generator.Model;

/// <summary>A diagnostic waiting to be reported: descriptor, plain-value location and message arguments.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> MessageArgs)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] messageArgs)
        => new(descriptor, location, new EquatableArray<string>(messageArgs));

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Descriptor, Location?.ToLocation(), MessageArgs.ToArrayOfObjects());
}

internal static class EquatableArrayExtensions
{
    public static object?[] ToArrayOfObjects(this EquatableArray<string> values)
    {
        var result = new object?[values.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }
}
