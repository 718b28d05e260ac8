using System;

namespace StaticNet;

/// <summary>
/// Embeds a weights file in the assembly at compile time: safetensors, a NumPy <c>.npz</c> or an ONNX model (told
/// apart by the extension). The file must be listed as an <c>AdditionalFiles</c> item; the generator checks every
/// tensor's name, dtype and shape against the declared layers, and for ONNX the graph's operators too (a mismatch is a
/// compile error on this attribute), and gives the class a generated <c>LoadEmbedded()</c> that builds the network
/// from the embedded data, so no file is read at run time.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class WeightsAttribute : Attribute
{
    /// <summary>Declares the weights file to embed.</summary>
    /// <param name="path">The file name (or path ending) of an <c>AdditionalFiles</c> item.</param>
    public WeightsAttribute(string path) => Path = path;

    /// <summary>The file name (or path ending) of the <c>AdditionalFiles</c> item.</summary>
    public string Path { get; }

    /// <summary>
    /// How the file stores Dense weights: <see cref="WeightLayout.OutputsByInputs"/> (the default, PyTorch) or
    /// <see cref="WeightLayout.InputsByOutputs"/> (NumPy's <c>x @ W</c>, scikit-learn's <c>coefs_</c>). Not used for
    /// ONNX, whose graph says how each weight is stored.
    /// </summary>
    public WeightLayout Layout { get; set; }
}
