using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;

namespace StaticNet.Weights;

/// <summary>
/// Reads one NumPy <c>.npy</c> array held in memory (<c>np.save</c>), known by the name the caller gives it, as an
/// <see cref="ITensorSource"/> with that single tensor.
/// </summary>
/// <remarks>
/// Format versions 1.0, 2.0 and 3.0; dtypes <c>&lt;f4</c> (float32), <c>&lt;f8</c> (float64, rounded to the nearest
/// float; a finite value beyond float's range is an error rather than ∞) and <c>&lt;f2</c> (float16, exact); C or
/// Fortran order (Fortran data is reordered to row-major); any number of dimensions, 0-d included. The header is
/// validated by <see cref="Open"/> (see <c>NpyHeader</c>: at most 10,000 bytes, the data exactly as long as the shape
/// says), so a hostile file gives an <see cref="InvalidDataException"/> and never an allocation larger than the file
/// justifies.
/// <para>For generated code, so it is hidden from IntelliSense and may change in any version.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct NpyReader : ITensorSource
{
    /// <summary>How messages name the dtypes read.</summary>
    internal const string FloatDTypes = "float16, float32 or float64 ('<f2', '<f4', '<f8')";

    private readonly ReadOnlySpan<byte> _file;
    private readonly NpyHeader? _header;
    private readonly string[]? _names;

    private NpyReader(ReadOnlySpan<byte> file, NpyHeader header, string name)
    {
        _file = file;
        _header = header;
        _names = [name];
    }

    /// <summary>The one name given to <see cref="Open"/>.</summary>
    public IReadOnlyList<string> TensorNames => _names ?? throw NotOpened();

    /// <summary>The array's shape, outermost first (a new array).</summary>
    public long[] Shape => (long[])Header.Shape.Clone();

    /// <summary>The array's dtype: "&lt;f2", "&lt;f4" or "&lt;f8".</summary>
    public string DType => Header.Descr;

    /// <summary>Whether the data is stored column-major (it is returned row-major all the same).</summary>
    public bool FortranOrder => Header.FortranOrder;

    private NpyHeader Header => _header ?? throw NotOpened();

    /// <summary>Parses and validates a .npy file held in memory.</summary>
    /// <param name="file">The whole file. It must stay unchanged while the reader is used.</param>
    /// <param name="name">The name the array is read by (e.g. "0.weight").</param>
    /// <exception cref="InvalidDataException">The file is not a valid .npy array of a float dtype.</exception>
    public static NpyReader Open(ReadOnlySpan<byte> file, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new(file, NpyHeader.Parse(file, file.Length, name), name);
    }

    /// <inheritdoc/>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name == TensorNames[0];
    }

    /// <inheritdoc/>
    public bool TryGetShape(string name, [NotNullWhen(true)] out long[]? shape)
    {
        shape = Contains(name) ? Shape : null;
        return shape is not null;
    }

    /// <inheritdoc/>
    public float[] ReadTensor(string name, params ReadOnlySpan<int> expectedShape)
    {
        TensorReadErrors.CheckRequest(name, expectedShape);
        if (!Contains(name))
        {
            throw TensorReadErrors.Missing(name, expectedShape, FloatDTypes, TensorNames);
        }

        return Convert(_file, Header, name, expectedShape);
    }

    /// <summary>Checks the shape and converts an array's data (after its header) to row-major floats.</summary>
    internal static float[] Convert(ReadOnlySpan<byte> array, NpyHeader header, string name, ReadOnlySpan<int> expectedShape)
    {
        if (!TensorReadErrors.ShapeEquals(header.Shape, expectedShape))
        {
            throw TensorReadErrors.Mismatch(name, expectedShape, FloatDTypes, header.Descr, header.Shape);
        }

        // The header was checked against the bytes: ElementCount × ElementSize of them follow it.
        ReadOnlySpan<byte> data = array.Slice(header.DataStart, checked((int)header.DataLength));
        var values = new float[header.ElementCount];
        switch (header.ElementSize)
        {
            case 4:
                Float16.ConvertSingle(data, values);
                break;
            case 2:
                Float16.ConvertHalf(data, values);
                break;
            default:
                ConvertDouble(data, values, name);
                break;
        }

        return header.FortranOrder && header.Shape.Length > 1 ? FortranToRowMajor(values, header.Shape) : values;
    }

    /// <summary>
    /// float64 → float by IEEE round-to-nearest-even (the C# cast), as NumPy's <c>astype(np.float32)</c>. A finite
    /// value that rounds to ∞ is an error: the weights would silently become infinite.
    /// </summary>
    internal static void ConvertDouble(ReadOnlySpan<byte> data, Span<float> values, string name)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double value = BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(i * sizeof(double)));
            float rounded = (float)value;
            if (float.IsInfinity(rounded) && double.IsFinite(value))
            {
                throw new InvalidDataException(
                    $"Tensor '{SafetensorsMessages.Shown(name)}': element {SafetensorsMessages.Number(i)} is {value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, beyond float's range (±3.4e38).");
            }

            values[i] = rounded;
        }
    }

    /// <summary>Reorders column-major data (the first index fastest) to row-major.</summary>
    internal static float[] FortranToRowMajor(float[] columnMajor, long[] shape)
    {
        int rank = shape.Length;
        var stride = new long[rank];
        long step = 1;
        for (int d = 0; d < rank; d++)
        {
            stride[d] = step;
            step *= shape[d];
        }

        var result = new float[columnMajor.Length];
        var index = new long[rank];
        long source = 0;
        for (int target = 0; target < result.Length; target++)
        {
            result[target] = columnMajor[source];

            // Advance the row-major odometer (last index fastest), keeping the column-major offset in step.
            for (int d = rank - 1; d >= 0; d--)
            {
                source += stride[d];
                if (++index[d] < shape[d])
                {
                    break;
                }

                source -= stride[d] * shape[d];
                index[d] = 0;
            }
        }

        return result;
    }

    private static InvalidOperationException NotOpened() => new("This reader was not created by NpyReader.Open.");
}
