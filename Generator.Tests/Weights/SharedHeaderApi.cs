using System;
using System.Collections.Generic;
using System.Reflection;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// Binds to one build of the shared SafetensorsHeader source: the runtime's (net10.0) or the generator's
/// (netstandard2.0). Both assemblies expose the internal type to this project under the same name, so it cannot
/// be named here (CS0433); delegates reach either copy without naming it.
/// </summary>
internal sealed class SharedHeaderApi
{
    private SharedHeaderApi(Assembly assembly)
    {
        Type type = assembly.GetType("StaticNet.Weights.SafetensorsHeader", throwOnError: true)!;
        Parse = type.GetMethod("Parse", [typeof(ReadOnlySpan<byte>)])!.CreateDelegate<ParseFunc>();
        ParseHeaderOnly = type.GetMethod("ParseHeaderOnly", [typeof(ReadOnlySpan<byte>), typeof(long)])!.CreateDelegate<ParseHeaderOnlyFunc>();
    }

    public delegate object ParseFunc(ReadOnlySpan<byte> file);

    public delegate object ParseHeaderOnlyFunc(ReadOnlySpan<byte> headerPrefix, long fileLength);

    public static SharedHeaderApi Runtime { get; } = new(typeof(SafetensorsReader).Assembly);

    public static SharedHeaderApi Generator { get; } = new(Assembly.Load("StaticNet.Generator"));

    public ParseFunc Parse { get; }

    public ParseHeaderOnlyFunc ParseHeaderOnly { get; }

    public static IReadOnlyList<string> TensorNames(object header)
        => (IReadOnlyList<string>)header.GetType().GetProperty("TensorNames")!.GetValue(header)!;
}
