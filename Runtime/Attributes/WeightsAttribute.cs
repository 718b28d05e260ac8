using System;

namespace StaticNet;

/// <summary>
/// Embeds a safetensors file's weights in the assembly at compile time. The file must be listed as an
/// <c>AdditionalFiles</c> item; the generator checks every tensor's name, dtype and shape against the declared
/// layers (a mismatch is a compile error on this attribute) and gives the class a generated
/// <c>LoadEmbedded()</c> that builds the network from the embedded data, so no file is read at run time.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class WeightsAttribute : Attribute
{
    /// <summary>Declares the weights file to embed.</summary>
    /// <param name="path">The file name (or path ending) of an <c>AdditionalFiles</c> item.</param>
    public WeightsAttribute(string path) => Path = path;

    /// <summary>The file name (or path ending) of the <c>AdditionalFiles</c> item.</summary>
    public string Path { get; }
}
