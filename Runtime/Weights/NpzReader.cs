using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;

namespace StaticNet.Weights;

/// <summary>
/// Reads float arrays from a NumPy <c>.npz</c> file held in memory: the zip archive <c>np.savez</c> (stored entries)
/// and <c>np.savez_compressed</c> (deflate) write, one <c>.npy</c> array per entry. A tensor's name is its entry's
/// name without <c>.npy</c>, i.e. the keyword given to <c>np.savez</c>.
/// </summary>
/// <remarks>
/// Each array is read as <see cref="NpyReader"/> reads a .npy file (float16/32/64, C or Fortran order). Entries that
/// are not <c>.npy</c> files are ignored. <see cref="Open(ReadOnlySpan{byte})"/> validates the archive's directory (see <c>ZipDirectory</c>)
/// before anything is decompressed, including the zip-bomb limits: together the entries may declare at most
/// <see cref="DefaultMaxDecompressedLength"/> bytes (or the limit given to <see cref="Open(ReadOnlySpan{byte}, long)"/>),
/// and no entry more than deflate can produce from its compressed size. An entry is decompressed when it is read, up to
/// its declared size, and checked against its CRC-32. Every failure is an <see cref="InvalidDataException"/>.
/// <para>
/// Dense weights saved from NumPy or scikit-learn are (inputs, outputs): read them with
/// <see cref="TensorSourceExtensions.ReadMatrix{TSource}"/> and <see cref="WeightLayout.InputsByOutputs"/>.
/// </para>
/// <para>For generated code, so it is hidden from IntelliSense and may change in any version.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct NpzReader : ITensorSource
{
    /// <summary>The most bytes the arrays of one file may declare once decompressed, by default: 1 GiB.</summary>
    public const long DefaultMaxDecompressedLength = 1L << 30;

    private const string Suffix = ".npy";

    private readonly ReadOnlySpan<byte> _file;
    private readonly Dictionary<string, ZipEntry>? _entries;
    private readonly string[]? _names;

    private NpzReader(ReadOnlySpan<byte> file, Dictionary<string, ZipEntry> entries, string[] names)
    {
        _file = file;
        _entries = entries;
        _names = names;
    }

    /// <summary>The array names (entry names without ".npy"), in the archive's order.</summary>
    public IReadOnlyList<string> TensorNames => _names ?? throw NotOpened();

    private Dictionary<string, ZipEntry> Entries => _entries ?? throw NotOpened();

    /// <summary>Parses and validates the archive's directory, with the default limit on decompressed size.</summary>
    /// <param name="file">The whole file. It must stay unchanged while the reader is used.</param>
    /// <exception cref="InvalidDataException">The file is not a valid zip archive, or declares more than the limit.</exception>
    public static NpzReader Open(ReadOnlySpan<byte> file) => Open(file, DefaultMaxDecompressedLength);

    /// <summary>Parses and validates the archive's directory.</summary>
    /// <param name="file">The whole file. It must stay unchanged while the reader is used.</param>
    /// <param name="maxDecompressedLength">The most bytes all arrays together may declare once decompressed.</param>
    /// <exception cref="InvalidDataException">The file is not a valid zip archive, or declares more than the limit.</exception>
    public static NpzReader Open(ReadOnlySpan<byte> file, long maxDecompressedLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDecompressedLength);
        ZipDirectory directory = ZipDirectory.Parse(file, Math.Min(maxDecompressedLength, Array.MaxLength));
        var entries = new Dictionary<string, ZipEntry>(StringComparer.Ordinal);
        var names = new List<string>();
        foreach (ZipEntry entry in directory.Entries)
        {
            if (entry.Name.EndsWith(Suffix, StringComparison.Ordinal))
            {
                string name = entry.Name[..^Suffix.Length];
                entries.Add(name, entry);
                names.Add(name);
            }
        }

        return new NpzReader(file, entries, [.. names]);
    }

    /// <inheritdoc/>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Entries.ContainsKey(name);
    }

    /// <inheritdoc/>
    /// <remarks>Decompresses only the array's header.</remarks>
    public bool TryGetShape(string name, [NotNullWhen(true)] out long[]? shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Entries.TryGetValue(name, out ZipEntry? entry))
        {
            shape = null;
            return false;
        }

        byte[] prefix = ZipDirectory.Extract(_file, entry, NpyHeader.LongPreambleLength + NpyHeader.MaxHeaderLength);
        shape = NpyHeader.Parse(prefix, entry.UncompressedSize, name).Shape;
        return true;
    }

    /// <inheritdoc/>
    public float[] ReadTensor(string name, params ReadOnlySpan<int> expectedShape)
    {
        TensorReadErrors.CheckRequest(name, expectedShape);
        if (!Entries.TryGetValue(name, out ZipEntry? entry))
        {
            InvalidDataException missing = TensorReadErrors.Missing(name, expectedShape, NpyReader.FloatDTypes, TensorNames);
            if (name.EndsWith(Suffix, StringComparison.Ordinal) && Entries.ContainsKey(name[..^Suffix.Length]))
            {
                missing = new InvalidDataException(missing.Message + $" (Array names in a .npz leave out '{Suffix}'.)");
            }

            throw missing;
        }

        // Check the header (shape, dtype) before decompressing the whole array.
        byte[] prefix = ZipDirectory.Extract(_file, entry, NpyHeader.LongPreambleLength + NpyHeader.MaxHeaderLength);
        NpyHeader header = NpyHeader.Parse(prefix, entry.UncompressedSize, name);
        if (!TensorReadErrors.ShapeEquals(header.Shape, expectedShape))
        {
            throw TensorReadErrors.Mismatch(name, expectedShape, NpyReader.FloatDTypes, header.Descr, header.Shape);
        }

        // A prefix that is the whole entry was checked against the CRC-32 already; otherwise the whole entry is.
        byte[] array = prefix.Length == entry.UncompressedSize ? prefix : ZipDirectory.Extract(_file, entry);
        return NpyReader.Convert(array, header, name, expectedShape);
    }

    private static InvalidOperationException NotOpened() => new("This reader was not created by NpzReader.Open.");
}
