using System;

namespace StaticNet;

/// <summary>
/// A fully connected layer, y = x·Wᵀ + b, like PyTorch's <c>nn.Linear(inputs, outputs)</c>.
/// Reads the tensors <c>weight</c> (outputs, inputs) and, when <see cref="Bias"/> is true, <c>bias</c> (outputs).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Declares a dense layer.</summary>
    /// <param name="inputs">Features per sample this layer reads; must equal the previous layer's output size.</param>
    /// <param name="outputs">Features per sample this layer produces.</param>
    public DenseAttribute(int inputs, int outputs)
    {
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>Features per sample this layer reads.</summary>
    public int Inputs { get; }

    /// <summary>Features per sample this layer produces.</summary>
    public int Outputs { get; }

    /// <summary>Whether the layer adds a learned bias (PyTorch's <c>bias=True</c>). Default true.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>
    /// The PyTorch module name whose tensors this layer reads (<c>"fc1"</c> reads <c>fc1.weight</c>, <c>fc1.bias</c>).
    /// When null, the layer's 0-based position in the attribute list is used, as in <c>nn.Sequential</c>.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// How this layer stores its weights, overriding the network's <see cref="WeightFormatAttribute"/>. When not set,
    /// the network's format applies (float32 without one).
    /// </summary>
    public WeightFormat Format { get; set; }
}
