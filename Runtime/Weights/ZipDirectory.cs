// Shared-source ready: uses only APIs that netstandard2.0 has too (DeflateStream over a MemoryStream, no spans in
// streams), so the generator can link this file to read .npz files at compile time.
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>One file of a zip archive, validated against the archive.</summary>
internal sealed class ZipEntry
{
    public ZipEntry(string name, bool deflated, long compressedSize, long uncompressedSize, uint crc32, long dataOffset)
    {
        Name = name;
        Deflated = deflated;
        CompressedSize = compressedSize;
        UncompressedSize = uncompressedSize;
        Crc32 = crc32;
        DataOffset = dataOffset;
    }

    /// <summary>The file name inside the archive.</summary>
    public string Name { get; }

    /// <summary>Deflate (method 8) rather than stored (method 0).</summary>
    public bool Deflated { get; }

    /// <summary>Bytes of (compressed) data in the archive.</summary>
    public long CompressedSize { get; }

    /// <summary>Bytes the entry holds once decompressed, as the central directory declares.</summary>
    public long UncompressedSize { get; }

    /// <summary>The CRC-32 of the uncompressed bytes, as declared.</summary>
    public uint Crc32 { get; }

    /// <summary>Offset of the first data byte in the archive.</summary>
    public long DataOffset { get; }
}

/// <summary>
/// The central directory of a zip archive as <c>np.savez</c> (stored) and <c>np.savez_compressed</c> (deflate) write
/// it, Zip64 included (NumPy always writes Zip64 local headers), read strictly from the bytes in memory.
/// </summary>
/// <remarks>
/// Checked before any data is read: one end record that ends the file, a single disk, the directory inside the file,
/// every entry's local header matching its directory entry and its data lying before the directory, no encryption, no
/// method other than stored and deflate, unique names, a stored entry's sizes equal, and declared sizes within the
/// limit given to <see cref="Parse"/> (per entry and in total) and within what deflate can physically produce from the
/// compressed bytes (<see cref="MaxDeflateRatio"/>), so a zip bomb is refused before it is inflated. Extraction then
/// stops at the declared size, checks that the data ends exactly there and verifies the CRC-32. Memory grows with the
/// bytes actually produced, never with a size a header claims.
/// </remarks>
internal sealed class ZipDirectory
{
    /// <summary>Deflate's largest expansion: a 258-byte match costs at least 2 bits, so 1032 output bytes per input byte.</summary>
    public const long MaxDeflateRatio = 1032;

    private const uint EndSignature = 0x06054b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint CentralSignature = 0x02014b50;
    private const uint LocalSignature = 0x04034b50;
    private const int EndLength = 22;
    private const int CentralLength = 46;
    private const int LocalLength = 30;
    private static readonly uint[] CrcTable = MakeCrcTable();

    private ZipDirectory(List<ZipEntry> entries) => Entries = entries;

    /// <summary>The entries in directory order.</summary>
    public IReadOnlyList<ZipEntry> Entries { get; }

    /// <summary>Reads and validates the directory.</summary>
    /// <param name="file">The whole archive.</param>
    /// <param name="maxUncompressedLength">The most bytes all entries together may declare once decompressed.</param>
    /// <exception cref="InvalidDataException">The archive is not a valid zip file, or breaks a limit above.</exception>
    public static ZipDirectory Parse(ReadOnlySpan<byte> file, long maxUncompressedLength)
    {
        int end = FindEndRecord(file);
        long count = U16(file, end + 10);
        long directorySize = U32(file, end + 12);
        long directoryOffset = U32(file, end + 16);
        if (U16(file, end + 4) != 0 || U16(file, end + 6) != 0 || U16(file, end + 8) != count)
        {
            throw Fail("it spans several disks");
        }

        if (count == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF)
        {
            (count, directorySize, directoryOffset) = ReadZip64End(file, end);
        }

        if (directoryOffset > file.Length || directorySize > file.Length - directoryOffset || directoryOffset + directorySize > end)
        {
            throw Fail("its central directory lies outside the file");
        }

        if (count > directorySize / CentralLength)
        {
            throw Fail($"its end record declares {count} entries, more than its central directory can hold");
        }

        var entries = new List<ZipEntry>((int)count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        long totalUncompressed = 0;
        int position = (int)directoryOffset;
        int directoryEnd = (int)(directoryOffset + directorySize);
        for (long i = 0; i < count; i++)
        {
            ZipEntry entry = ReadEntry(file, ref position, directoryEnd, (int)directoryOffset);
            if (!names.Add(entry.Name))
            {
                throw Fail($"the entry '{SafetensorsMessages.Shown(entry.Name)}' appears twice");
            }

            totalUncompressed += entry.UncompressedSize;
            if (entry.UncompressedSize > maxUncompressedLength || totalUncompressed > maxUncompressedLength)
            {
                throw new InvalidDataException(
                    $"The .npz archive declares more than {SafetensorsMessages.Number(maxUncompressedLength)} bytes once decompressed (at entry '{SafetensorsMessages.Shown(entry.Name)}'), the limit of this reader.");
            }

            entries.Add(entry);
        }

        if (position != directoryEnd)
        {
            throw Fail("its central directory holds more than its entries");
        }

        return new ZipDirectory(entries);
    }

    /// <summary>
    /// Decompresses an entry, or its first <paramref name="limit"/> bytes: the whole entry is checked against its
    /// declared size and CRC-32; a prefix only against the data it decompresses.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is corrupt, shorter or longer than declared, or fails its CRC.</exception>
    public static byte[] Extract(ReadOnlySpan<byte> file, ZipEntry entry, long limit = long.MaxValue)
    {
        ReadOnlySpan<byte> data = file.Slice((int)entry.DataOffset, (int)entry.CompressedSize);
        bool whole = limit >= entry.UncompressedSize;
        int wanted = (int)Math.Min(limit, entry.UncompressedSize);
        byte[] result;
        if (!entry.Deflated)
        {
            result = data.Slice(0, wanted).ToArray();
        }
        else
        {
            result = Inflate(data, entry, wanted, whole);
        }

        if (whole && Crc32(result) != entry.Crc32)
        {
            throw new InvalidDataException($"The .npz entry '{SafetensorsMessages.Shown(entry.Name)}' is corrupt: its CRC-32 does not match its data.");
        }

        return result;
    }

    private static byte[] Inflate(ReadOnlySpan<byte> data, ZipEntry entry, int wanted, bool whole)
    {
        // Grow with what deflate really produces: a declared size is only a claim.
        var buffer = new byte[(int)Math.Min(wanted, Math.Max(4096L, data.Length * 4L))];
        int count = 0;
        try
        {
            using var compressed = new MemoryStream(data.ToArray(), writable: false);
            using var inflater = new DeflateStream(compressed, CompressionMode.Decompress);
            while (count < wanted)
            {
                if (count == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min(wanted, 2L * buffer.Length));
                }

                int read = inflater.Read(buffer, count, buffer.Length - count);
                if (read == 0)
                {
                    break;
                }

                count += read;
            }

            if (count < wanted)
            {
                throw new InvalidDataException(
                    $"The .npz entry '{SafetensorsMessages.Shown(entry.Name)}' decompresses to {SafetensorsMessages.Number(count)} bytes, fewer than the {SafetensorsMessages.Number(entry.UncompressedSize)} declared.");
            }

            if (whole && inflater.Read(new byte[1], 0, 1) != 0)
            {
                throw new InvalidDataException(
                    $"The .npz entry '{SafetensorsMessages.Shown(entry.Name)}' decompresses to more than the {SafetensorsMessages.Number(entry.UncompressedSize)} bytes declared.");
            }
        }
        catch (InvalidDataException exception) when (!exception.Message.StartsWith("The .npz entry", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The .npz entry '{SafetensorsMessages.Shown(entry.Name)}' is not valid deflate data: {exception.Message}", exception);
        }

        return buffer;
    }

    private static ZipEntry ReadEntry(ReadOnlySpan<byte> file, ref int position, int directoryEnd, int directoryOffset)
    {
        if (directoryEnd - position < CentralLength || U32(file, position) != CentralSignature)
        {
            throw Fail($"a central directory entry at byte {position} is missing or cut short");
        }

        int flags = U16(file, position + 8);
        int method = U16(file, position + 10);
        uint crc = U32(file, position + 16);
        long compressed = U32(file, position + 20);
        long uncompressed = U32(file, position + 24);
        int nameLength = U16(file, position + 28);
        int extraLength = U16(file, position + 30);
        int commentLength = U16(file, position + 32);
        int disk = U16(file, position + 34);
        long localOffset = U32(file, position + 42);
        int variable = position + CentralLength;
        if (directoryEnd - variable < nameLength + extraLength + commentLength)
        {
            throw Fail($"a central directory entry at byte {position} runs past the directory");
        }

        string name = DecodeName(file.Slice(variable, nameLength), (flags & 0x800) != 0);
        string shown = SafetensorsMessages.Shown(name);
        ReadOnlySpan<byte> extra = file.Slice(variable + nameLength, extraLength);
        ReadZip64Extra(extra, ref uncompressed, ref compressed, ref localOffset, ref disk, shown);
        position = variable + nameLength + extraLength + commentLength;

        if ((flags & 0x41) != 0)
        {
            throw Fail($"the entry '{shown}' is encrypted");
        }

        if (method is not (0 or 8))
        {
            throw Fail($"the entry '{shown}' uses compression method {method}; np.savez writes stored (0) and np.savez_compressed deflate (8) entries");
        }

        if (disk != 0)
        {
            throw Fail($"the entry '{shown}' lies on another disk");
        }

        if (method == 0 && compressed != uncompressed)
        {
            throw Fail($"the stored entry '{shown}' declares {compressed} bytes in the file but {uncompressed} uncompressed");
        }

        if (method == 8 && uncompressed > (compressed * MaxDeflateRatio) + 64)
        {
            throw Fail($"the entry '{shown}' claims {uncompressed} bytes from {compressed} compressed ones, more than deflate can produce");
        }

        // The local header repeats the name; its own sizes may be zero (data descriptor) or Zip64 markers, so the
        // central directory's sizes are the ones used.
        if (localOffset > directoryOffset - LocalLength || U32(file, (int)localOffset) != LocalSignature)
        {
            throw Fail($"the local header of entry '{shown}' is missing");
        }

        int local = (int)localOffset;
        int localName = U16(file, local + 26);
        int localExtra = U16(file, local + 28);
        long dataOffset = (long)local + LocalLength + localName + localExtra;
        if (dataOffset > directoryOffset || compressed > directoryOffset - dataOffset)
        {
            throw Fail($"the data of entry '{shown}' runs into the central directory");
        }

        if (!file.Slice(local + LocalLength, localName).SequenceEqual(file.Slice(variable, nameLength)))
        {
            throw Fail($"the local header of entry '{shown}' names another file");
        }

        return new ZipEntry(name, method == 8, compressed, uncompressed, crc, dataOffset);
    }

    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long uncompressed, ref long compressed, ref long localOffset, ref int disk, string shown)
    {
        int position = 0;
        while (position < extra.Length)
        {
            if (extra.Length - position < 4)
            {
                throw Fail($"the extra field of entry '{shown}' is cut short");
            }

            int id = U16(extra, position);
            int size = U16(extra, position + 2);
            position += 4;
            if (extra.Length - position < size)
            {
                throw Fail($"the extra field of entry '{shown}' is cut short");
            }

            if (id == 0x0001)
            {
                // Only the fields whose 32-bit value is the 0xFFFFFFFF marker are present, in this order.
                ReadOnlySpan<byte> field = extra.Slice(position, size);
                int at = 0;
                uncompressed = uncompressed == 0xFFFFFFFF ? Zip64Value(field, ref at, shown) : uncompressed;
                compressed = compressed == 0xFFFFFFFF ? Zip64Value(field, ref at, shown) : compressed;
                localOffset = localOffset == 0xFFFFFFFF ? Zip64Value(field, ref at, shown) : localOffset;
                if (disk == 0xFFFF)
                {
                    if (field.Length - at < 4)
                    {
                        throw Fail($"the Zip64 field of entry '{shown}' is cut short");
                    }

                    disk = (int)Math.Min(U32(field, at), int.MaxValue);
                }
            }

            position += size;
        }

        if (uncompressed == 0xFFFFFFFF || compressed == 0xFFFFFFFF || localOffset == 0xFFFFFFFF)
        {
            throw Fail($"the entry '{shown}' has a Zip64 marker but no Zip64 field");
        }
    }

    private static long Zip64Value(ReadOnlySpan<byte> field, ref int at, string shown)
    {
        if (field.Length - at < 8)
        {
            throw Fail($"the Zip64 field of entry '{shown}' is cut short");
        }

        ulong value = U32(field, at) | ((ulong)U32(field, at + 4) << 32);
        at += 8;
        return value > int.MaxValue ? int.MaxValue + 1L : (long)value;
    }

    private static (long Count, long Size, long Offset) ReadZip64End(ReadOnlySpan<byte> file, int end)
    {
        int locator = end - 20;
        if (locator < 56 || U32(file, locator) != Zip64LocatorSignature)
        {
            throw Fail("its end record has Zip64 markers but no Zip64 locator");
        }

        ulong offset = U32(file, locator + 8) | ((ulong)U32(file, locator + 12) << 32);
        if (offset > (ulong)(locator - 56) || U32(file, (int)offset) != Zip64EndSignature)
        {
            throw Fail("its Zip64 end record is missing");
        }

        int record = (int)offset;
        static long Clamp(ulong value) => value > int.MaxValue ? int.MaxValue + 1L : (long)value;
        ulong U64(ReadOnlySpan<byte> f, int at) => U32(f, at) | ((ulong)U32(f, at + 4) << 32);
        if (U32(file, record + 16) != 0 || U32(file, record + 20) != 0 || U64(file, record + 24) != U64(file, record + 32))
        {
            throw Fail("it spans several disks");
        }

        return (Clamp(U64(file, record + 32)), Clamp(U64(file, record + 40)), Clamp(U64(file, record + 48)));
    }

    private static int FindEndRecord(ReadOnlySpan<byte> file)
    {
        // The end record is the last 22 bytes plus a comment of up to 65,535 bytes; search back for a signature whose
        // comment length reaches exactly to the end of the file.
        for (int at = file.Length - EndLength; at >= 0 && at >= file.Length - EndLength - 0xFFFF; at--)
        {
            if (U32(file, at) == EndSignature && at + EndLength + U16(file, at + 20) == file.Length)
            {
                return at;
            }
        }

        throw new InvalidDataException("Not a .npz file: it is not a zip archive (no end-of-central-directory record), or it is truncated.");
    }

    private static string DecodeName(ReadOnlySpan<byte> bytes, bool utf8)
    {
        foreach (byte b in bytes)
        {
            if (b >= 0x80 && !utf8)
            {
                throw Fail("an entry name is neither ASCII nor marked as UTF-8");
            }
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (ArgumentException)
        {
            throw Fail("an entry name is not valid UTF-8");
        }
    }

    /// <summary>The CRC-32 (ISO-HDLC, zip's) of the bytes.</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] MakeCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }

    private static int U16(ReadOnlySpan<byte> bytes, int at) => bytes[at] | (bytes[at + 1] << 8);

    private static uint U32(ReadOnlySpan<byte> bytes, int at) => (uint)(bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24));

    private static InvalidDataException Fail(string problem) => new($"Not a valid .npz file: {problem}.");
}
