using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using StaticNet.Generator.Tests.Support;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// .npy and .npz files written by NumPy (tools/make_weight_formats.py) read back to the values NumPy recorded, in every
/// dtype, header version, order and layout; scikit-learn's exported MLPs reproduce its predict_proba; and malformed
/// files are refused with InvalidDataException.
/// </summary>
public sealed class NumpyReaderTests
{
    public static TheoryData<string> NpzFiles => [.. WeightFormatFixtures.Files(".npz")];

    public static TheoryData<string> NpyFiles => [.. WeightFormatFixtures.Files(".npy")];

    [Theory]
    [MemberData(nameof(NpzFiles))]
    public void Every_array_of_an_npz_reads_back_as_NumPy_recorded_it(string fileName)
    {
        byte[] file = WeightFormatFixtures.File(fileName);
        FixtureFile expected = WeightFormatFixtures.Data.Files[fileName];
        var reader = NpzReader.Open(file);
        Assert.Equal(expected.Tensors.Keys.Order(StringComparer.Ordinal), reader.TensorNames.Order(StringComparer.Ordinal));
        foreach ((string name, ExpectedTensor tensor) in expected.Tensors)
        {
            Assert.True(reader.TryGetShape(name, out long[]? shape));
            Assert.Equal(tensor.Shape.Select(d => (long)d), shape);
            Assert.True(WeightsTestHelpers.SameBits(tensor.Values, reader.ReadTensor(name, tensor.Shape)), $"{fileName}: {name}");
        }
    }

    [Theory]
    [MemberData(nameof(NpyFiles))]
    public void A_npy_array_reads_back_as_NumPy_recorded_it(string fileName)
    {
        byte[] file = WeightFormatFixtures.File(fileName);
        ExpectedTensor expected = WeightFormatFixtures.Data.Files[fileName].Tensors["array"];
        var reader = NpyReader.Open(file, "array");
        Assert.Equal(expected.Shape.Select(d => (long)d), reader.Shape);
        Assert.Equal(fileName.Contains("fortran", StringComparison.Ordinal), reader.FortranOrder);
        Assert.True(WeightsTestHelpers.SameBits(expected.Values, reader.ReadTensor("array", expected.Shape)));
    }

    [Fact]
    public void The_fixtures_cover_every_header_version_dtype_and_order()
    {
        var headers = WeightFormatFixtures.Files(".npy").Select(f => WeightFormatFixtures.File(f)).Select(b => (Version: b[6], DType: NpyReader.Open(b, "a").DType, NpyReader.Open(b, "a").FortranOrder)).ToList();
        Assert.Equal([1, 2, 3], headers.Select(h => (int)h.Version).Distinct().Order());
        Assert.Equal(["<f2", "<f4", "<f8"], headers.Select(h => h.DType).Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(headers, h => h.FortranOrder);
        Assert.Contains(WeightFormatFixtures.Files(".npz"), f => IsDeflated(WeightFormatFixtures.File(f)));
        Assert.Contains(WeightFormatFixtures.Files(".npz"), f => !IsDeflated(WeightFormatFixtures.File(f)));
    }

    [Theory]
    [MemberData(nameof(NpzFiles))]
    public void A_network_from_an_npz_gives_the_recorded_outputs(string fileName)
    {
        FixtureFile fixture = WeightFormatFixtures.Data.Files[fileName];
        FixtureNetwork network = fixture.Network!;
        byte[] file = WeightFormatFixtures.File(fileName);
        WeightLayout layout = network.Layout == "in_out" ? WeightLayout.InputsByOutputs : WeightLayout.OutputsByInputs;
        float[] outputs = ReferenceForward.Run(network.Layers, position =>
        {
            (string kind, string[] arguments) = ReferenceForward.Parse(network.Layers[position]);
            Assert.Equal("Dense", kind);
            int inputs = int.Parse(arguments[0]);
            int outputs = int.Parse(arguments[1]);
            var reader = NpzReader.Open(file);
            return new ReferenceForward.LayerTensors(
                reader.ReadMatrix($"{position}.weight", outputs, inputs, layout),
                reader.ReadTensor($"{position}.bias", outputs));
        }, network.Inputs, network.Rows);
        ReferenceNetwork.AssertClose(network.Outputs, outputs, fileName);
    }

    [Fact]
    public void A_scikit_learn_classifier_exported_with_the_documented_names_matches_predict_proba()
    {
        // The recipe of docs/weights.md: Dense layers at positions 0, 2, 4 (an activation after each), (in, out).
        FixtureNetwork network = WeightFormatFixtures.Data.Files["sklearn_digits.npz"].Network!;
        Assert.Equal(["Dense(64, 32)", "ReLU", "Dense(32, 16)", "ReLU", "Dense(16, 10)", "Softmax"], network.Layers);
        var reader = NpzReader.Open(WeightFormatFixtures.File("sklearn_digits.npz"));
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"], reader.TensorNames);
        float[] probabilities = network.Outputs;
        for (int r = 0; r < network.Rows; r++)
        {
            Assert.Equal(1.0, probabilities.AsSpan(r * 10, 10).ToArray().Sum(p => (double)p), 5);
        }
    }

    [Fact]
    public void A_matrix_in_the_other_layout_is_reported_as_transposed()
    {
        byte[] numpy = WeightFormatFixtures.File("mlp.in_out.f32.npz");
        var exception = Assert.Throws<InvalidDataException>(() => NpzReader.Open(numpy).ReadMatrix("0.weight", 16, 12, WeightLayout.OutputsByInputs));
        Assert.Contains("'0.weight'", exception.Message, StringComparison.Ordinal);
        Assert.Contains("(in, out) = (12, 16)", exception.Message, StringComparison.Ordinal);
        Assert.Contains("it looks transposed", exception.Message, StringComparison.Ordinal);
        Assert.Contains("WeightLayout.InputsByOutputs", exception.Message, StringComparison.Ordinal);

        byte[] torch = WeightFormatFixtures.File("mlp.out_in.f32.npz");
        exception = Assert.Throws<InvalidDataException>(() => NpzReader.Open(torch).ReadMatrix("0.weight", 16, 12, WeightLayout.InputsByOutputs));
        Assert.Contains("(out, in) = (16, 12)", exception.Message, StringComparison.Ordinal);
        Assert.Contains("WeightLayout.OutputsByInputs", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_layouts_give_the_same_matrix()
    {
        float[] fromNumpy = NpzReader.Open(WeightFormatFixtures.File("mlp.in_out.f32.npz")).ReadMatrix("2.weight", 8, 16, WeightLayout.InputsByOutputs);
        float[] fromTorch = NpzReader.Open(WeightFormatFixtures.File("mlp.out_in.f32.npz")).ReadMatrix("2.weight", 8, 16, WeightLayout.OutputsByInputs);
        Assert.True(WeightsTestHelpers.SameBits(fromTorch, fromNumpy));
        float[] stored = NpzReader.Open(WeightFormatFixtures.File("mlp.in_out.f32.npz")).ReadTensor("2.weight", 16, 8);
        Assert.Equal(stored[(3 * 8) + 5], fromNumpy[(5 * 16) + 3]);
    }

    [Fact]
    public void ReadMatrix_works_on_safetensors_too()
    {
        byte[] file = new SafetensorsTestWriter().AddF32("w", [2, 3], 1, 2, 3, 4, 5, 6).ToArray();
        var reader = SafetensorsReader.Open(file);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], reader.ReadMatrix("w", outputs: 3, inputs: 2, WeightLayout.InputsByOutputs));
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], reader.ReadMatrix("w", outputs: 2, inputs: 3, WeightLayout.OutputsByInputs));
        Assert.Contains("looks transposed", Assert.Throws<InvalidDataException>(() => SafetensorsReader.Open(file).ReadMatrix("w", 3, 2, WeightLayout.OutputsByInputs)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_arrays_and_wrong_shapes_name_the_tensor_the_shape_and_what_the_file_holds()
    {
        byte[] file = WeightFormatFixtures.File("mlp.in_out.f64.npz");
        string missing = Assert.Throws<InvalidDataException>(() => NpzReader.Open(file).ReadTensor("6.weight", 3, 8)).Message;
        Assert.Contains("'6.weight'", missing, StringComparison.Ordinal);
        Assert.Contains("(3, 8)", missing, StringComparison.Ordinal);
        Assert.Contains("0.weight", missing, StringComparison.Ordinal);
        Assert.Contains("leave out '.npy'", Assert.Throws<InvalidDataException>(() => NpzReader.Open(file).ReadTensor("0.bias.npy", 16)).Message, StringComparison.Ordinal);
        string shape = Assert.Throws<InvalidDataException>(() => NpzReader.Open(file).ReadTensor("0.bias", 17)).Message;
        Assert.Equal("Tensor '0.bias': expected shape (17) as float16, float32 or float64 ('<f2', '<f4', '<f8'), but the file holds <f8 (16).", shape);
    }

    [Fact]
    public void Float64_rounds_to_nearest_and_refuses_values_beyond_float()
    {
        double[] values = [0.1, 1 + Math.Pow(2, -24), 1 + (3 * Math.Pow(2, -24)), -1e-50, double.PositiveInfinity, double.NaN];
        byte[] data = values.SelectMany(BitConverter.GetBytes).ToArray();
        float[] read = NpyReader.Open(NpyWriter.Write("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", data), "a").ReadTensor("a", 6);
        Assert.Equal([0.1f, 1f, 1 + (4 * MathF.Pow(2, -24)), -0f, float.PositiveInfinity], read.Take(5));
        Assert.True(float.IsNaN(read[5]));
        Assert.True(float.IsNegative(read[3]));

        byte[] huge = NpyWriter.Write("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", BitConverter.GetBytes(1e39));
        Assert.Contains("beyond float's range", Assert.Throws<InvalidDataException>(() => NpyReader.Open(huge, "a").ReadTensor("a", 1)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fortran_order_is_returned_row_major_in_any_rank()
    {
        // (2, 3, 2) column-major: the first index varies fastest.
        float[] columnMajor = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();
        byte[] file = NpyWriter.Write("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 2), }", NpyWriter.Floats(columnMajor));
        float[] rowMajor = NpyReader.Open(file, "a").ReadTensor("a", 2, 3, 2);
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                for (int k = 0; k < 2; k++)
                {
                    Assert.Equal(columnMajor[i + (2 * j) + (6 * k)], rowMajor[(i * 6) + (j * 2) + k]);
                }
            }
        }
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8, null)]
    [InlineData("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L,)}", 8, null)]
    [InlineData("{'shape': (), 'fortran_order': False, 'descr': '<f4'}", 4, null)]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8, "big-endian")]
    [InlineData("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 8, "dtype '<i4'")]
    [InlineData("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", 8, "expected the dtype string")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", 8, "not the tuple")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", 8, "unknown key 'extra'")]
    [InlineData("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8, "appears twice")]
    [InlineData("{'descr': '<f4', 'shape': (2,)}", 8, "'fortran_order' is missing")]
    [InlineData("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", 8, "True or False")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", 8, "non-negative integer")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 8, "needs 12 bytes of data, but the array holds 8")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", 8, "follows the closing")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296)}", 8, "overflows")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", 8, "does not fit")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000)}", 8, "needs 4000000000000 bytes")]
    public void Headers_are_parsed_strictly(string header, int dataBytes, string? error)
    {
        byte[] file = NpyWriter.Write(header, new byte[dataBytes]);
        if (error is null)
        {
            Assert.Equal(dataBytes / 4, NpyReader.Open(file, "a").ReadTensor("a", [.. NpyReader.Open(file, "a").Shape.Select(d => (int)d)]).Length);
            return;
        }

        var exception = Assert.Throws<InvalidDataException>(() => NpyReader.Open(file, "a"));
        Assert.Contains(error, exception.Message, StringComparison.Ordinal);
        Assert.Contains("Array 'a'", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Preamble_errors_are_InvalidDataException()
    {
        byte[] good = NpyWriter.Write("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", new byte[4]);
        Assert.Contains("\\x93NUMPY", Assert.Throws<InvalidDataException>(() => NpyReader.Open("PK\u0003\u0004junk"u8, "a")).Message, StringComparison.Ordinal);
        byte[] version = (byte[])good.Clone();
        version[6] = 4;
        Assert.Contains("version 4.0", Assert.Throws<InvalidDataException>(() => NpyReader.Open(version, "a")).Message, StringComparison.Ordinal);
        byte[] longHeader = NpyWriter.Write("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}" + new string(' ', 20_000), new byte[4], major: 2);
        Assert.Contains("more than the 10000 accepted", Assert.Throws<InvalidDataException>(() => NpyReader.Open(longHeader, "a")).Message, StringComparison.Ordinal);
        for (int length = 0; length < good.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => NpyReader.Open(good.AsSpan(0, length), "a"));
        }
    }

    [Fact]
    public void Archives_written_by_dotnet_read_as_well_stored_and_deflated()
    {
        byte[] array = NpyWriter.Write("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", NpyWriter.Floats(1, 2, 3));
        foreach (CompressionLevel level in new[] { CompressionLevel.NoCompression, CompressionLevel.Optimal })
        {
            byte[] zip = Zip(level, ("w.npy", array), ("notes.txt", "hello"u8.ToArray()));
            var reader = NpzReader.Open(zip);
            Assert.Equal(["w"], reader.TensorNames);
            Assert.Equal([1f, 2f, 3f], reader.ReadTensor("w", 3));
        }
    }

    [Fact]
    public void Corrupt_archives_are_refused()
    {
        byte[] array = NpyWriter.Write("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", NpyWriter.Floats(1, 2, 3));
        byte[] stored = Zip(CompressionLevel.NoCompression, ("w.npy", array));

        // A flipped data byte fails the CRC-32.
        byte[] flipped = (byte[])stored.Clone();
        int dataAt = IndexOf(stored, array) + array.Length - 2;
        flipped[dataAt] ^= 0x40;
        Assert.Contains("CRC-32", Assert.Throws<InvalidDataException>(() => NpzReader.Open(flipped).ReadTensor("w", 3)).Message, StringComparison.Ordinal);

        Assert.Contains("not a zip archive", Assert.Throws<InvalidDataException>(() => NpzReader.Open(array)).Message, StringComparison.Ordinal);
        for (int length = 0; length < stored.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => NpzReader.Open(stored.AsSpan(0, length)).ReadTensor("w", 3));
        }
    }

    [Fact]
    public void A_zip_bomb_is_refused_before_it_is_inflated()
    {
        // 64 MiB of zeros deflates to ~64 KiB; declared honestly, it passes only under a large enough limit.
        byte[] zeros = new byte[64 << 20];
        byte[] header = NpyWriter.Write("{'descr': '<f4', 'fortran_order': False, 'shape': (16777216,)}", []);
        byte[] array = [.. header, .. zeros.AsSpan(0, (64 << 20) - header.Length).ToArray()];
        byte[] bomb = Zip(CompressionLevel.SmallestSize, ("w.npy", array));
        Assert.True(bomb.Length < 1 << 20);
        string message = Assert.Throws<InvalidDataException>(() => NpzReader.Open(bomb, maxDecompressedLength: 1 << 20)).Message;
        Assert.Contains("more than 1048576 bytes once decompressed", message, StringComparison.Ordinal);

        // Declaring a small size does not help: inflation stops there, and the surplus is an error.
        byte[] lying = (byte[])bomb.Clone();
        PatchUncompressedSize(lying, 4096);
        Assert.Contains("more than the 4096 bytes declared", Assert.Throws<InvalidDataException>(() => NpzReader.Open(lying).ReadTensor("w", 16777216)).Message, StringComparison.Ordinal);
        Assert.True(AllocationMeter.OnThisThread(() => Assert.Throws<InvalidDataException>(() => NpzReader.Open(lying).ReadTensor("w", 16777216))) < 4L * bomb.Length + (512 << 10));

        // A declared size deflate cannot reach from the compressed bytes is refused at once.
        byte[] impossible = (byte[])bomb.Clone();
        PatchUncompressedSize(impossible, int.MaxValue);
        Assert.Contains("more than deflate can produce", Assert.Throws<InvalidDataException>(() => NpzReader.Open(impossible)).Message, StringComparison.Ordinal);
    }

    internal static byte[] Zip(CompressionLevel level, params (string Name, byte[] Data)[] entries)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach ((string name, byte[] data) in entries)
            {
                using Stream entry = archive.CreateEntry(name, level).Open();
                entry.Write(data);
            }
        }

        return stream.ToArray();
    }

    private static bool IsDeflated(byte[] zip) => BitConverter.ToUInt16(zip, 8) == 8;

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

    /// <summary>Rewrites the uncompressed size of the first entry in the central directory (and its local header).</summary>
    private static void PatchUncompressedSize(byte[] zip, uint size)
    {
        int central = zip.AsSpan().IndexOf("PK\u0001\u0002"u8);
        BitConverter.TryWriteBytes(zip.AsSpan(central + 24), size);
        BitConverter.TryWriteBytes(zip.AsSpan(22), size);
    }
}
