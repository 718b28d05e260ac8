using System;
using System.ComponentModel;
using System.IO;
using System.Runtime.CompilerServices;

namespace StaticNet.Weights;

/// <summary>
/// An int8 weight matrix with one float32 scale per output: the weight of output o, input k is
/// <c>Values[o · inputs + k] · Scales[o]</c>. Exists for generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class Int8Matrix
{
    internal Int8Matrix(sbyte[] values, float[] scales)
    {
        Values = values;
        Scales = scales;
    }

    /// <summary>The int8 weights, row-major (outputs, inputs).</summary>
    internal sbyte[] Values { get; }

    /// <summary>One scale per output.</summary>
    internal float[] Scales { get; }
}

/// <summary>
/// Reads a dense layer's weight for the int8 format from any tensor source: an int8 file
/// (<c>{name}</c> I8 (outputs, inputs) with <c>{name}_scale</c> of shape (outputs) or (outputs, 1), the naming of the
/// compressed-tensors format) as it is stored, and a float file quantised by the documented rule
/// (<see cref="WeightQuantization.QuantizeRow"/>). Exists for generated code (<c>Load</c>); not meant to be used
/// directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class QuantizedTensors
{
    /// <summary>The int8 weights and scales of <paramref name="name"/>: exact from an int8 file, quantised from a float one.</summary>
    /// <remarks>A float file stores the matrix in <c>layout</c>: (outputs, inputs) like PyTorch, or (inputs, outputs) like NumPy; an int8 file, always (outputs, inputs).</remarks>
    /// <exception cref="InvalidDataException">A tensor is missing or has another shape or dtype, or a scale or float weight is not finite.</exception>
    public static Int8Matrix ReadInt8<TSource>(TSource file, string name, int outputs, int inputs, WeightLayout layout = WeightLayout.OutputsByInputs)
        where TSource : ITensorSource, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryReadStoredInt8(file, name, outputs, inputs) is { } stored)
        {
            return stored;
        }

        float[] weights = file.ReadMatrix(name, outputs, inputs, layout);
        var values = new sbyte[weights.Length];
        var scales = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            scales[o] = WeightQuantization.QuantizeRow(weights, o * inputs, inputs, values, o * inputs, name);
        }

        return new Int8Matrix(values, scales);
    }

    /// <summary>
    /// The weight <paramref name="name"/> as float32 (outputs, inputs): an int8 file dequantised (q · scale, one float32
    /// multiplication each), a float file as it is. For folding a batch normalisation before quantising.
    /// </summary>
    public static float[] ReadFloat<TSource>(TSource file, string name, int outputs, int inputs, WeightLayout layout = WeightLayout.OutputsByInputs)
        where TSource : ITensorSource, allows ref struct
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryReadStoredInt8(file, name, outputs, inputs) is not { } stored)
        {
            return file.ReadMatrix(name, outputs, inputs, layout);
        }

        var weights = new float[stored.Values.Length];
        for (int o = 0; o < outputs; o++)
        {
            for (int k = 0; k < inputs; k++)
            {
                weights[(o * inputs) + k] = stored.Values[(o * inputs) + k] * stored.Scales[o];
            }
        }

        return weights;
    }

    /// <summary>The stored int8 weight and scales when the file holds <c>{name}_scale</c> (safetensors only), else null.</summary>
    private static Int8Matrix? TryReadStoredInt8<TSource>(TSource file, string name, int outputs, int inputs)
        where TSource : ITensorSource, allows ref struct
    {
        string scaleName = name + "_scale";
        if (typeof(TSource) != typeof(SafetensorsReader) || !file.TryGetShape(scaleName, out long[]? scaleShape))
        {
            return null;
        }

        SafetensorsReader reader = Unsafe.As<TSource, SafetensorsReader>(ref file);
        sbyte[] values = reader.ReadInt8Tensor(name, outputs, inputs);
        float[] scales = scaleShape.Length == 2 ? reader.ReadTensor(scaleName, outputs, 1) : reader.ReadTensor(scaleName, outputs);
        foreach (float scale in scales)
        {
            if (!float.IsFinite(scale))
            {
                throw new InvalidDataException($"Tensor '{scaleName}': every scale must be finite, but the file holds {scale}.");
            }
        }

        return new Int8Matrix(values, scales);
    }
}
