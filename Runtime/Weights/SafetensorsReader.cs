using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace StaticNet.Weights;

/// <summary>
/// Reads float weights from a safetensors file held in memory: an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
/// </summary>
/// <remarks>
/// <see cref="Open"/> validates the whole header against the file before anything is read, so a corrupt,
/// truncated or inconsistent file is rejected up front with an <see cref="InvalidDataException"/>, and
/// <see cref="ReadTensor"/> then checks each requested tensor's dtype and shape. F32, F16 and BF16 data are
/// converted to float exactly; other dtypes are reported as a mismatch. Tensors that are never requested (for
/// example BatchNorm's <c>num_batches_tracked</c>) are ignored. Bad input never causes a read outside the file
/// or an allocation larger than the file justifies.
/// <para>
/// For generated code (a network's <c>Load</c> members read the file, open it and read each tensor with the
/// expected shape), so it is hidden from IntelliSense and may change in any version; load a network with its
/// generated <c>Load(string)</c>, <c>Load(Stream)</c> or <c>Load(ReadOnlySpan&lt;byte&gt;)</c>.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct SafetensorsReader : ITensorSource
{
    /// <summary>The largest stream <see cref="ReadAllBytes(Stream)"/> accepts: the largest byte array .NET allows.</summary>
    public static readonly int MaxFileLength = Array.MaxLength;

    private const string FloatDTypes = TensorEntry.FloatDTypes;
    private const int NamesListed = 20;

    private readonly ReadOnlySpan<byte> _file;
    private readonly SafetensorsHeader? _header;

    private SafetensorsReader(ReadOnlySpan<byte> file, SafetensorsHeader header)
    {
        _file = file;
        _header = header;
    }

    /// <summary>The names of all tensors in the file, in the order its header lists them.</summary>
    public IReadOnlyList<string> TensorNames => Header.TensorNames;

    /// <summary>The header's <c>__metadata__</c> strings (empty when it has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>The validated header.</summary>
    internal SafetensorsHeader Header => _header ?? throw new InvalidOperationException("This reader was not created by SafetensorsReader.Open.");

    /// <summary>Parses and validates the header of a safetensors file held in memory.</summary>
    /// <param name="file">The whole file. It must stay unchanged while the reader is used.</param>
    /// <returns>A reader over <paramref name="file"/>.</returns>
    /// <exception cref="InvalidDataException">
    /// The file is truncated or corrupt: a bad header length, invalid or unexpected JSON, an unknown dtype, or data
    /// offsets that lie outside the data, overlap, leave holes or disagree with the shape.
    /// </exception>
    public static SafetensorsReader Open(ReadOnlySpan<byte> file) => new(file, SafetensorsHeader.Parse(file));

    /// <summary>Whether the file holds a tensor of this exact name.</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Header.TryGetTensor(name, out _);
    }

    /// <inheritdoc/>
    public bool TryGetShape(string name, [NotNullWhen(true)] out long[]? shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        shape = Header.TryGetTensor(name, out TensorEntry? entry) ? (long[])entry.Shape.Clone() : null;
        return shape is not null;
    }

    /// <summary>
    /// Reads a tensor as floats, checking that the file holds it with exactly the expected shape as F32, F16 or
    /// BF16. F16 and BF16 values are converted exactly (subnormals, infinities and NaN included).
    /// </summary>
    /// <param name="name">The tensor name, as in PyTorch's <c>state_dict()</c> (e.g. "0.weight").</param>
    /// <param name="expectedShape">The dimensions the tensor must have, outermost first; none for a scalar.</param>
    /// <returns>The values in row-major order.</returns>
    /// <exception cref="InvalidDataException">
    /// The tensor is missing, or has another shape or a dtype other than F32, F16 or BF16. The message names the
    /// tensor, the expected shape and what the file holds.
    /// </exception>
    public float[] ReadTensor(string name, params ReadOnlySpan<int> expectedShape)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (int dimension in expectedShape)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dimension, nameof(expectedShape));
        }

        SafetensorsHeader header = Header;
        if (!header.TryGetTensor(name, out TensorEntry? entry))
        {
            throw new InvalidDataException(DescribeMissing(header, name, expectedShape));
        }

        bool floatType = entry.IsFloat;
        if (!floatType || !TensorReadErrors.ShapeEquals(entry.Shape, expectedShape))
        {
            throw new InvalidDataException(
                $"Tensor '{name}': expected shape {DescribeShape(expectedShape)} as {FloatDTypes}, but the file holds {entry.DType} {entry.DescribeShape()}.");
        }

        // The header was validated against the file: ElementCount × ElementSize bytes lie inside it, so the
        // array below is at most twice the size of bytes that really exist, never a size claimed by the header.
        var values = new float[checked((int)entry.ElementCount)];
        ReadOnlySpan<byte> data = _file.Slice(checked((int)(header.DataStart + entry.Begin)), checked((int)entry.ByteLength));
        switch (entry.DType)
        {
            case "F32":
                Float16.ConvertSingle(data, values);
                break;
            case "F16":
                Float16.ConvertHalf(data, values);
                break;
            default:
                Float16.ConvertBFloat16(data, values);
                break;
        }

        return values;
    }

    /// <summary>
    /// Reads an I8 tensor as it is stored (int8 weights, <see cref="QuantizedTensors"/>), checking its exact shape.
    /// </summary>
    /// <exception cref="InvalidDataException">The tensor is missing, not I8, or has another shape.</exception>
    internal sbyte[] ReadInt8Tensor(string name, params ReadOnlySpan<int> expectedShape)
    {
        SafetensorsHeader header = Header;
        if (!header.TryGetTensor(name, out TensorEntry? entry))
        {
            throw new InvalidDataException($"Tensor '{name}': expected shape {DescribeShape(expectedShape)} as I8, but it is missing from the file.");
        }

        if (entry.DType != "I8" || !TensorReadErrors.ShapeEquals(entry.Shape, expectedShape))
        {
            throw new InvalidDataException(
                $"Tensor '{name}': expected shape {DescribeShape(expectedShape)} as I8, but the file holds {entry.DType} {entry.DescribeShape()}.");
        }

        ReadOnlySpan<byte> data = _file.Slice(checked((int)(header.DataStart + entry.Begin)), checked((int)entry.ByteLength));
        return MemoryMarshal.Cast<byte, sbyte>(data).ToArray();
    }

    /// <summary>
    /// Reads a whole file into memory. A missing file throws the framework's <see cref="FileNotFoundException"/>;
    /// other I/O errors pass through.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="InvalidDataException">The file is larger than <see cref="MaxFileLength"/>.</exception>
    public static byte[] ReadAllBytes(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return ReadAllBytes(stream, MaxFileLength, $"The file '{path}'");
    }

    /// <summary>Reads a stream from its current position to its end.</summary>
    /// <param name="stream">A readable stream. It is not disposed.</param>
    /// <exception cref="InvalidDataException">The stream holds more than <see cref="MaxFileLength"/> bytes.</exception>
    public static byte[] ReadAllBytes(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadAllBytes(stream, MaxFileLength, "The stream");
    }

    /// <summary>Reads a stream to its end, refusing more than <paramref name="maxLength"/> bytes.</summary>
    internal static byte[] ReadAllBytes(Stream stream, int maxLength, string source)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        int initial = 16 * 1024;
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > maxLength)
            {
                throw TooLarge(source, remaining, maxLength);
            }

            initial = (int)Math.Max(0, remaining);
        }

        var buffer = new byte[Math.Min(initial, maxLength)];
        int count = 0;
        while (true)
        {
            if (count == buffer.Length)
            {
                // Full: find out whether anything follows before growing (a seekable stream usually ends here).
                int next = stream.ReadByte();
                if (next < 0)
                {
                    break;
                }

                if (count >= maxLength)
                {
                    throw TooLarge(source, null, maxLength);
                }

                Array.Resize(ref buffer, (int)Math.Min(Math.Max(2L * buffer.Length, 4096), maxLength));
                buffer[count++] = (byte)next;
                continue;
            }

            int read = stream.Read(buffer, count, buffer.Length - count);
            if (read == 0)
            {
                break;
            }

            count += read;
        }

        if (count != buffer.Length)
        {
            Array.Resize(ref buffer, count);
        }

        return buffer;
    }

    private static InvalidDataException TooLarge(string source, long? length, int maxLength)
    {
        string max = maxLength.ToString(CultureInfo.InvariantCulture);
        return new InvalidDataException(length is long known
            ? $"{source} is {known.ToString(CultureInfo.InvariantCulture)} bytes long, more than the {max} bytes a safetensors file read into memory may have."
            : $"{source} holds more than the {max} bytes a safetensors file read into memory may have.");
    }

    private static string DescribeShape(ReadOnlySpan<int> shape)
    {
        var dimensions = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            dimensions[i] = shape[i];
        }

        return SafetensorsMessages.DescribeShape(dimensions);
    }

    private static string DescribeMissing(SafetensorsHeader header, string name, ReadOnlySpan<int> expectedShape)
    {
        var message = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Tensor '{name}': expected shape {DescribeShape(expectedShape)} as {FloatDTypes}, but it is missing from the file; ");
        IReadOnlyList<string> names = header.TensorNames;
        if (names.Count == 0)
        {
            message.Append("the file holds no tensors.");
        }
        else
        {
            message.Append(names.Count <= NamesListed
                ? "it holds: "
                : string.Create(CultureInfo.InvariantCulture, $"it holds {names.Count} tensors, the first {NamesListed}: "));
            for (int i = 0; i < Math.Min(names.Count, NamesListed); i++)
            {
                message.Append(i == 0 ? string.Empty : ", ").Append(SafetensorsMessages.Shown(names[i]));
            }

            message.Append('.');
        }

        // A common mistake: saving a parent module, which prefixes every key ("model.0.weight").
        foreach (string candidate in names)
        {
            if (candidate.EndsWith("." + name, StringComparison.Ordinal))
            {
                message.Append(CultureInfo.InvariantCulture, $" Did you mean '{SafetensorsMessages.Shown(candidate)}'? (The file's names carry a prefix: save the network module's own state_dict.)");
                break;
            }
        }

        return message.ToString();
    }
}
