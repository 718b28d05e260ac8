namespace StaticNet;

/// <summary>How a file stores a dense layer's weight matrix.</summary>
/// <remarks>
/// A dense layer computes y = x·Wᵀ + b with W of shape (outputs, inputs), as PyTorch's <c>nn.Linear</c> stores it.
/// NumPy code (<c>x @ W + b</c>), scikit-learn (<c>coefs_</c>), Keras (<c>kernel</c>) and ONNX's <c>MatMul</c> keep the
/// transpose, (inputs, outputs). The network transposes on load, so it is the same either way: pass the layout to a
/// network's generated <c>LoadNumpy(path, layout)</c>, or to <c>[Weights("model.npz", Layout = WeightLayout.InputsByOutputs)]</c>.
/// A non-square matrix stored in the other layout is an error that says it looks transposed; a square one cannot be
/// told apart, so choose the layout of the code that saved the file.
/// </remarks>
public enum WeightLayout
{
    /// <summary>(outputs, inputs), row-major: PyTorch's <c>nn.Linear.weight</c>. The default.</summary>
    OutputsByInputs = 0,

    /// <summary>(inputs, outputs), row-major: NumPy's <c>x @ W</c>, scikit-learn's <c>coefs_[i]</c>, Keras' <c>kernel</c>.</summary>
    InputsByOutputs = 1,
}
