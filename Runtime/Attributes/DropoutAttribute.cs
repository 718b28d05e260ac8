using System;

namespace StaticNet;

/// <summary>
/// Dropout: the identity at inference, as in PyTorch after <c>model.eval()</c>. It still takes a position
/// in the attribute list, so the positional tensor names of the layers after it match <c>nn.Sequential</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Declares a dropout layer.</summary>
    /// <param name="p">The training-time drop probability, 0 ≤ p &lt; 1. Unused at inference.</param>
    public DropoutAttribute(float p) => P = p;

    /// <summary>The training-time drop probability.</summary>
    public float P { get; }
}
