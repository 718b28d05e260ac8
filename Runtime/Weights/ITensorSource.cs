using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;

namespace StaticNet.Weights;

/// <summary>
/// A file of named float tensors that a network's weights are read from: safetensors (<see cref="SafetensorsReader"/>),
/// NumPy <c>.npz</c>/<c>.npy</c> (<see cref="NpzReader"/>, <see cref="NpyReader"/>) or an ONNX model's initializers
/// (<see cref="OnnxReader"/>).
/// </summary>
/// <remarks>
/// Every implementation behaves as <see cref="SafetensorsReader.ReadTensor"/> does: the tensor must exist with exactly
/// the expected shape and a float dtype the format defines, or <see cref="ReadTensor"/> throws an
/// <see cref="InvalidDataException"/> naming the tensor, the expected shape and what the file holds. The readers are
/// <c>ref struct</c>s over the file's bytes, so code that works with any of them is generic:
/// <c>static T Read&lt;TSource&gt;(TSource file) where TSource : ITensorSource, allows ref struct</c>.
/// <para>
/// For generated code (a network's <c>Load</c> members), so it is hidden from IntelliSense and may change in any
/// version; load a network with its generated <c>Load</c> members.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ITensorSource
{
    /// <summary>The names of all tensors in the file, in the file's order.</summary>
    IReadOnlyList<string> TensorNames { get; }

    /// <summary>Whether the file holds a tensor of this exact name.</summary>
    bool Contains(string name);

    /// <summary>The shape of a tensor as the file stores it (outermost first; empty for a scalar).</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="shape">The dimensions, a new array; null when the file has no such tensor.</param>
    /// <returns>Whether the file holds the tensor.</returns>
    /// <exception cref="InvalidDataException">The tensor's own header is corrupt (formats that read it lazily).</exception>
    bool TryGetShape(string name, [NotNullWhen(true)] out long[]? shape);

    /// <summary>
    /// Reads a tensor as floats in row-major order, checking that the file holds it with exactly the expected shape
    /// and a float dtype.
    /// </summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="expectedShape">The dimensions the tensor must have, outermost first; none for a scalar.</param>
    /// <exception cref="InvalidDataException">
    /// The tensor is missing, has another shape or an unsupported dtype, or its data is corrupt. The message names the
    /// tensor, the expected shape and what the file holds.
    /// </exception>
    float[] ReadTensor(string name, params ReadOnlySpan<int> expectedShape);
}

/// <summary>Reads dense weight matrices in either <see cref="WeightLayout"/> from any <see cref="ITensorSource"/>.</summary>
/// <remarks>For generated code, so it is hidden from IntelliSense and may change in any version.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TensorSourceExtensions
{
    /// <summary>
    /// Reads a dense layer's weight matrix and returns it as (outputs, inputs), row-major, whatever the layout in the
    /// file.
    /// </summary>
    /// <param name="source">The file.</param>
    /// <param name="name">The tensor name, e.g. "0.weight".</param>
    /// <param name="outputs">The layer's output features.</param>
    /// <param name="inputs">The layer's input features.</param>
    /// <param name="layout">How the file stores the matrix.</param>
    /// <returns>outputs × inputs floats; element [o, i] at o·inputs + i.</returns>
    /// <exception cref="InvalidDataException">
    /// The tensor is missing or has another shape or dtype. When a non-square matrix is stored in the other layout, the
    /// message says that it looks transposed and which <see cref="WeightLayout"/> reads it.
    /// </exception>
    public static float[] ReadMatrix<TSource>(this TSource source, string name, int outputs, int inputs, WeightLayout layout)
        where TSource : ITensorSource, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegative(outputs);
        ArgumentOutOfRangeException.ThrowIfNegative(inputs);
        if (layout is not (WeightLayout.OutputsByInputs or WeightLayout.InputsByOutputs))
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Not a WeightLayout.");
        }

        bool stored = layout == WeightLayout.OutputsByInputs;
        (int rows, int columns) = stored ? (outputs, inputs) : (inputs, outputs);
        if (outputs != inputs
            && source.TryGetShape(name, out long[]? shape)
            && shape.Length == 2 && shape[0] == columns && shape[1] == rows)
        {
            throw new InvalidDataException(DescribeTransposed(name, outputs, inputs, layout));
        }

        float[] values = source.ReadTensor(name, rows, columns);
        return stored ? values : Transpose(values, rows, columns);
    }

    /// <summary>Transposes a row-major (rows, columns) matrix into a new (columns, rows) one.</summary>
    internal static float[] Transpose(ReadOnlySpan<float> matrix, int rows, int columns)
    {
        var result = new float[matrix.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = matrix[(r * columns) + c];
            }
        }

        return result;
    }

    private static string DescribeTransposed(string name, int outputs, int inputs, WeightLayout layout)
    {
        string shown = SafetensorsMessages.Shown(name);
        string o = SafetensorsMessages.Number(outputs);
        string i = SafetensorsMessages.Number(inputs);
        return layout == WeightLayout.OutputsByInputs
            ? $"Tensor '{shown}': expected (out, in) = ({o}, {i}) as PyTorch's nn.Linear stores it (WeightLayout.OutputsByInputs), but the file holds (in, out) = ({i}, {o}): it looks transposed. The layout option WeightLayout.InputsByOutputs reads (in, out) matrices (NumPy's x @ W, scikit-learn's coefs_)."
            : $"Tensor '{shown}': expected (in, out) = ({i}, {o}) (WeightLayout.InputsByOutputs, NumPy's x @ W, scikit-learn's coefs_), but the file holds (out, in) = ({o}, {i}): it looks transposed. The layout option WeightLayout.OutputsByInputs reads (out, in) matrices as PyTorch's nn.Linear stores them.";
    }
}
