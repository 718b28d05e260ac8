using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace StaticNet.Sample;

/// <summary>
/// Reads MNIST's IDX files (gzip-compressed or raw): images as pixel / 255 in row-major (count, 784),
/// labels as bytes. See the format at the top of the original MNIST page: a big-endian magic number whose third
/// byte is the element type (0x08 = unsigned byte) and fourth the number of dimensions, then the dimensions.
/// </summary>
internal static class Idx
{
    public static float[] ReadImages(Stream stream, out int count)
    {
        byte[] bytes = ReadAll(stream);
        int[] dims = Header(bytes, expectedDimensions: 3, "images");
        (count, int rows, int columns) = (dims[0], dims[1], dims[2]);
        if (rows * columns != MnistNet.InputSize)
        {
            throw new InvalidDataException($"The images are {rows}×{columns}; this network reads 28×28 = {MnistNet.InputSize} pixels.");
        }

        int start = 4 + (4 * 3);
        if (bytes.Length < start + ((long)count * MnistNet.InputSize))
        {
            throw new InvalidDataException($"The image file is truncated: it declares {count} images but holds {bytes.Length - start} bytes of pixels.");
        }

        var pixels = new float[count * MnistNet.InputSize];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = bytes[start + i] / 255f;
        }

        return pixels;
    }

    public static byte[] ReadLabels(Stream stream)
    {
        byte[] bytes = ReadAll(stream);
        int count = Header(bytes, expectedDimensions: 1, "labels")[0];
        if (bytes.Length < 8 + count)
        {
            throw new InvalidDataException($"The label file is truncated: it declares {count} labels but holds {bytes.Length - 8}.");
        }

        return bytes.AsSpan(8, count).ToArray();
    }

    private static int[] Header(byte[] bytes, int expectedDimensions, string what)
    {
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] != expectedDimensions)
        {
            throw new InvalidDataException($"This is not an IDX file of {what} (unsigned bytes, {expectedDimensions} dimension(s)).");
        }

        var dims = new int[expectedDimensions];
        for (int d = 0; d < dims.Length; d++)
        {
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
            if (dims[d] < 0)
            {
                throw new InvalidDataException($"The IDX {what} file has a negative dimension.");
            }
        }

        return dims;
    }

    /// <summary>The file's bytes, decompressed when they start with gzip's magic number.</summary>
    private static byte[] ReadAll(Stream stream)
    {
        using var raw = new MemoryStream();
        stream.CopyTo(raw);
        byte[] bytes = raw.ToArray();
        if (bytes.Length < 2 || bytes[0] != 0x1F || bytes[1] != 0x8B)
        {
            return bytes;
        }

        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        gzip.CopyTo(plain);
        return plain.ToArray();
    }
}
