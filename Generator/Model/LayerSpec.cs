using System.Collections.Generic;
using System.Globalization;

namespace StaticNet.Generator.Model;

/// <summary>The layer kinds, one per attribute in namespace StaticNet.</summary>
internal enum LayerKind
{
    Dense,
    BatchNorm,
    Dropout,
    ReLU,
    LeakyReLU,
    Sigmoid,
    Tanh,
    Softmax,
}

/// <summary>
/// One declared layer, as read from its attribute: its position in the attribute list (which is also its
/// positional PyTorch name), its sizes once the chain is resolved, and its options.
/// </summary>
/// <param name="Kind">Which attribute declared it.</param>
/// <param name="Position">0-based index in the attribute list; every layer attribute counts.</param>
/// <param name="Name">The <c>Name</c> argument, or null to use the position.</param>
/// <param name="Inputs">Features per sample in (for element-wise layers, the width they act on).</param>
/// <param name="Outputs">Features per sample out.</param>
/// <param name="HasBias">Dense only: whether a bias is read.</param>
/// <param name="Epsilon">BatchNorm only.</param>
/// <param name="Slope">LeakyReLU only.</param>
/// <param name="DropoutP">Dropout only.</param>
internal sealed record LayerSpec(
    LayerKind Kind,
    int Position,
    string? Name,
    int Inputs,
    int Outputs,
    bool HasBias,
    float Epsilon,
    float Slope,
    float DropoutP)
{
    /// <summary>The prefix of this layer's tensor names: "fc1" in "fc1.weight", or the position.</summary>
    public string TensorPrefix => Name ?? Position.ToString(CultureInfo.InvariantCulture);

    /// <summary>Learned parameters as PyTorch counts them (running statistics are buffers, not parameters).</summary>
    public long ParameterCount => Kind switch
    {
        LayerKind.Dense => ((long)Inputs * Outputs) + (HasBias ? Outputs : 0),
        LayerKind.BatchNorm => 2L * Outputs,
        _ => 0,
    };

    /// <summary>Multiply-adds count as two; element-wise work is not counted, as is usual for dense networks.</summary>
    public long FlopPerSample => Kind == LayerKind.Dense ? 2L * Inputs * Outputs : 0;

    /// <summary>The attribute as a user would write it, e.g. <c>Dense(784, 128)</c>.</summary>
    public string Display => Kind switch
    {
        LayerKind.Dense => $"Dense({Inputs}, {Outputs}{(HasBias ? string.Empty : ", Bias = false")})",
        LayerKind.BatchNorm => Epsilon == 1e-5f ? $"BatchNorm({Outputs})" : $"BatchNorm({Outputs}, Epsilon = {Literals.Float(Epsilon)})",
        LayerKind.Dropout => $"Dropout({Literals.Float(DropoutP)})",
        LayerKind.LeakyReLU => $"LeakyReLU({Literals.Float(Slope)})",
        _ => Kind.ToString(),
    };

    /// <summary>The tensors this layer reads, with the shapes PyTorch saves them in, in the order Load reads them.</summary>
    public IEnumerable<(string Name, long[] Shape)> Tensors()
    {
        string p = TensorPrefix;
        if (Kind == LayerKind.Dense)
        {
            yield return ($"{p}.weight", new long[] { Outputs, Inputs });
            if (HasBias)
            {
                yield return ($"{p}.bias", new long[] { Outputs });
            }
        }
        else if (Kind == LayerKind.BatchNorm)
        {
            foreach (string tensor in new[] { "weight", "bias", "running_mean", "running_var" })
            {
                yield return ($"{p}.{tensor}", new long[] { Outputs });
            }
        }
    }

    public bool IsElementwiseActivation
        => Kind is LayerKind.ReLU or LayerKind.LeakyReLU or LayerKind.Sigmoid or LayerKind.Tanh;
}
