namespace StaticNet.Generator.Model;

/// <summary>
/// Everything the emitter needs to write one network's source, and nothing else: no symbols, no syntax,
/// no locations, so an edit that does not change the network leaves this equal and the emit step cached.
/// </summary>
/// <param name="Namespace">The containing namespace, or null for the global namespace.</param>
/// <param name="TypeName">The class name.</param>
/// <param name="TypeKeyword"><c>class</c> or <c>record</c>, as the user's declaration says.</param>
/// <param name="Layers">The layers in declaration order, sizes resolved.</param>
/// <param name="Weights">The embedded weights, when the class has <c>[Weights]</c>.</param>
internal sealed record NetworkSpec(
    string? Namespace,
    string TypeName,
    string TypeKeyword,
    EquatableArray<LayerSpec> Layers,
    WeightsSpec? Weights)
{
    public string FullName => Namespace is null ? TypeName : Namespace + "." + TypeName;

    /// <summary>Floats per input sample; shapes are checked to fit in an int.</summary>
    public int InputSize => (int)Layers[0].Input.Size;

    /// <summary>Floats per output sample.</summary>
    public int OutputSize => (int)Layers[Layers.Count - 1].Output.Size;
}

/// <summary>
/// Weights embedded at compile time: the file's name and its bytes as base64, the form the build step hands
/// over (a string compares and hashes fast, which keeps a megabyte of weights cheap in the cache), its format and
/// how it stores Dense weights.
/// </summary>
/// <param name="FileName">The file's name.</param>
/// <param name="Base64">The bytes embedded, in base64.</param>
/// <param name="Format">The file's format.</param>
/// <param name="InputsByOutputs">True when the file stores Dense weights (in, out), as NumPy and scikit-learn do.</param>
/// <param name="Converted">True when those bytes are the file with its dense weights converted to their stored formats.</param>
internal sealed record WeightsSpec(string FileName, string Base64, WeightsFormat Format = WeightsFormat.Safetensors, bool InputsByOutputs = false, bool Converted = false);

/// <summary>The weight file formats <c>[Weights]</c> embeds, told apart by the file's extension.</summary>
internal enum WeightsFormat
{
    Safetensors,
    Numpy,
    Onnx,
}
