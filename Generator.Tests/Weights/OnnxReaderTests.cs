using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using StaticNet.Generator.Tests.Support;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// ONNX models exported by PyTorch and built with onnx.helper (tools/make_weight_formats.py): initializers read back as
/// recorded in every storage, the graphs map to the layers the script declared, and the mapped layers reproduce the
/// reference outputs; hand-made models check each mapping error.
/// </summary>
public sealed class OnnxReaderTests
{
    public static TheoryData<string> OnnxNetworks
        => [.. WeightFormatFixtures.Files(".onnx").Where(f => WeightFormatFixtures.Data.Files[f].Network is not null)];

    public static TheoryData<string> OnnxFiles => [.. WeightFormatFixtures.Files(".onnx")];

    /// <summary>The networks of features: ReferenceForward has no convolutions (OnnxConvolutionTests checks the CNNs against PyTorch).</summary>
    public static TheoryData<string> OnnxFeatureNetworks
        => [.. WeightFormatFixtures.Files(".onnx").Where(f => WeightFormatFixtures.Data.Files[f].Network is { } n && !n.Layers.Any(l => l.StartsWith("Conv", StringComparison.Ordinal)))];

    [Theory]
    [MemberData(nameof(OnnxFiles))]
    public void Every_initializer_reads_back_as_recorded(string fileName)
    {
        var reader = OnnxReader.Open(WeightFormatFixtures.File(fileName));
        foreach ((string name, ExpectedTensor tensor) in WeightFormatFixtures.Data.Files[fileName].Tensors)
        {
            Assert.True(reader.TryGetShape(name, out long[]? shape));
            Assert.Equal(tensor.Shape.Select(d => (long)d), shape);
            Assert.True(WeightsTestHelpers.SameBits(tensor.Values, reader.ReadTensor(name, tensor.Shape)), $"{fileName}: {name}");
        }
    }

    [Fact]
    public void Every_storage_of_floats_is_covered_and_others_are_refused_by_name()
    {
        byte[] file = WeightFormatFixtures.File("initializers.onnx");
        Assert.Equal(
            ["f32_raw", "f32_typed", "f64_raw", "f64_typed", "f16_raw", "f16_typed", "bf16_raw", "bf16_typed", "scalar", "empty", "int64_shape", "external"],
            OnnxReader.Open(file).TensorNames);
        Assert.Equal("Tensor 'int64_shape': expected shape (2) as FLOAT, DOUBLE, FLOAT16 or BFLOAT16, but the file holds INT64 (2).",
            Assert.Throws<InvalidDataException>(() => OnnxReader.Open(file).ReadTensor("int64_shape", 2)).Message);
        string external = Assert.Throws<InvalidDataException>(() => OnnxReader.Open(file).ReadTensor("external", 4)).Message;
        Assert.Contains("'external'", external, StringComparison.Ordinal);
        Assert.Contains("external data", external, StringComparison.Ordinal);
        Assert.Contains("save_as_external_data=False", external, StringComparison.Ordinal);
        string missing = Assert.Throws<InvalidDataException>(() => OnnxReader.Open(file).ReadTensor("fc.weight", 4, 3)).Message;
        Assert.StartsWith("Tensor 'fc.weight': expected shape (4, 3) as FLOAT, DOUBLE, FLOAT16 or BFLOAT16, but it is missing from the file; it holds: f32_raw,", missing, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(OnnxNetworks))]
    public void The_graph_maps_to_the_declared_layers(string fileName)
    {
        FixtureNetwork network = WeightFormatFixtures.Data.Files[fileName].Network!;
        OnnxMapping mapping = OnnxReader.Open(WeightFormatFixtures.File(fileName)).MapLayers();
        Assert.Null(mapping.Error?.Message);
        Assert.Equal(network.Layers, mapping.Layers!.Select(l => l.Describe()));
    }

    [Theory]
    [MemberData(nameof(OnnxFeatureNetworks))]
    public void The_mapped_layers_give_the_reference_outputs(string fileName)
    {
        FixtureNetwork network = WeightFormatFixtures.Data.Files[fileName].Network!;
        byte[] file = WeightFormatFixtures.File(fileName);
        IReadOnlyList<OnnxLayer> layers = OnnxReader.Open(file).MapLayers().Layers!;
        float[] outputs = ReferenceForward.Run(layers.Select(l => l.Describe()).ToArray(), position =>
        {
            var reader = OnnxReader.Open(file);
            OnnxLayer layer = layers[position];
            if (layer.Kind == OnnxLayerKind.Dense)
            {
                (float[] weight, float[]? bias) = reader.ReadDense(layer);
                return new ReferenceForward.LayerTensors(weight, bias);
            }

            return new ReferenceForward.LayerTensors(
                reader.ReadTensor(layer.Weight!, layer.Outputs),
                reader.ReadTensor(layer.Bias!, layer.Outputs),
                reader.ReadTensor(layer.Mean!, layer.Outputs),
                reader.ReadTensor(layer.Variance!, layer.Outputs));
        }, network.Inputs, network.Rows);
        ReferenceNetwork.AssertClose(network.Outputs, outputs, fileName);
    }

    [Fact]
    public void Gemm_alpha_and_beta_are_folded_by_one_float_multiplication_and_transB_0_is_transposed()
    {
        var reader = OnnxReader.Open(WeightFormatFixtures.File("gemm.onnx"));
        IReadOnlyList<OnnxLayer> layers = reader.MapLayers().Layers!;
        OnnxLayer first = layers[0];
        Assert.Equal((false, 0.5f, 2f), (first.WeightIsInputsByOutputs, first.WeightScale, first.BiasScale));
        float[] w1 = reader.ReadTensor("W1", 6, 5);
        float[] c1 = reader.ReadTensor("C1", 6);
        (float[] weight, float[]? bias) = reader.ReadDense(first);
        Assert.Equal(w1.Select(v => v * 0.5f), weight);
        Assert.Equal(c1.Select(v => v * 2f), bias!);

        OnnxLayer second = layers[2];
        Assert.True(second.WeightIsInputsByOutputs);
        float[] w2 = reader.ReadTensor("W2", 6, 4);
        (weight, bias) = reader.ReadDense(second);
        Assert.Equal(w2[(5 * 4) + 3] * 1.5f, weight[(3 * 6) + 5]);
        Assert.Equal(reader.ReadTensor("C2", 1, 4).Select(v => v * 0.25f), bias!);
    }

    [Fact]
    public void The_node_list_exposes_op_types_names_inputs_outputs_and_attributes()
    {
        var reader = OnnxReader.Open(WeightFormatFixtures.File("gemm.onnx"));
        Assert.Equal(13, reader.Model.OpsetVersion);
        Assert.Equal(["Gemm", "Relu", "Gemm", "Softmax"], reader.Nodes.Select(n => n.OpType));
        OnnxNode fc2 = reader.Nodes[2];
        Assert.Equal(("fc2", "h2", "W2", "C2", "h3"), (fc2.Name, fc2.Inputs[0], fc2.Inputs[1], fc2.Inputs[2], fc2.Outputs[0]));
        Assert.Equal((OnnxAttributeType.Float, 1.5f), (fc2.Attribute("alpha")!.Type, fc2.Attribute("alpha")!.Float));
        Assert.Equal((OnnxAttributeType.Int, 0L), (fc2.Attribute("transB")!.Type, fc2.Attribute("transB")!.Int));
        Assert.Equal(-1L, reader.Nodes[3].Attribute("axis")!.Int);
        Assert.Equal("tanh", OnnxReader.Open(WeightFormatFixtures.File("gelu.onnx")).Nodes[1].Attribute("approximate")!.String);
    }

    [Theory]
    [InlineData("Conv", "its W is not a float initializer")]
    [InlineData("Softmax0", "its axis is 0")]
    [InlineData("GemmTransA", "transA is 1")]
    [InlineData("GemmBadBias", "is not a float initializer of shape (3) or (1, 3)")]
    [InlineData("NotAChain", "the graph is not a chain of layers")]
    [InlineData("Sizes", "it expects 2 input features, but the layer before it produces 3")]
    [InlineData("Gelu", "its approximate is 'fast'")]
    [InlineData("LonelyAdd", "Add only as the bias right after a MatMul")]
    public void A_graph_that_does_not_map_names_the_node_and_what_was_expected(string graph, string expected)
    {
        Action<ProtoWriter> w = ProtoWriter.FloatTensor("W", [3, 2], new float[6]);
        Action<ProtoWriter> w2 = ProtoWriter.FloatTensor("W2", [2, 4], new float[8]);
        Action<ProtoWriter> b = ProtoWriter.FloatTensor("b", [4], new float[4]);
        Action<ProtoWriter> gemm = ProtoWriter.Node("Gemm", ["x", "W"], "h", ProtoWriter.IntAttribute("transB", 1));
        (Action<ProtoWriter>[] Nodes, Action<ProtoWriter>[] Tensors, string Output, string Node) setup = graph switch
        {
            "Conv" => ([gemm, ProtoWriter.Node("Conv", ["h"], "y")], [w], "y", "node 'conv' (Conv, #1)"),
            "Softmax0" => ([gemm, ProtoWriter.Node("Softmax", ["h"], "y", ProtoWriter.IntAttribute("axis", 0))], [w], "y", "node 'softmax' (Softmax, #1)"),
            "GemmTransA" => ([ProtoWriter.Node("Gemm", ["x", "W"], "y", ProtoWriter.IntAttribute("transA", 1))], [w], "y", "node 'gemm' (Gemm, #0)"),
            "GemmBadBias" => ([ProtoWriter.Node("Gemm", ["x", "W", "b"], "y", ProtoWriter.IntAttribute("transB", 1))], [w, b], "y", "node 'gemm' (Gemm, #0)"),
            "NotAChain" => ([gemm, ProtoWriter.Node("Relu", ["x"], "y")], [w], "y", "node 'relu' (Relu, #1)"),
            "Sizes" => ([gemm, ProtoWriter.Node("Gemm", ["h", "W"], "y", ProtoWriter.IntAttribute("transB", 1))], [w], "y", "node 'gemm' (Gemm, #1)"),
            "Gelu" => ([gemm, ProtoWriter.Node("Gelu", ["h"], "y", a => a.String(1, "approximate").String(4, "fast").Varint(20, 3))], [w], "y", "node 'gelu' (Gelu, #1)"),
            _ => ([ProtoWriter.Node("MatMul", ["x", "W2"], "h"), ProtoWriter.Node("Relu", ["h"], "r"), ProtoWriter.Node("Add", ["r", "b"], "y")], [w2, b], "y", "node 'add' (Add, #2)"),
        };
        (Action<ProtoWriter>[] nodes, Action<ProtoWriter>[] tensors, string output, string node) = setup;
        OnnxMapping mapping = OnnxReader.Open(ProtoWriter.Model(13, nodes, tensors, output)).MapLayers();
        Assert.Null(mapping.Layers);
        Assert.NotNull(mapping.Error);
        Assert.Contains(node, mapping.Error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, mapping.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unpacked_float_data_and_packed_dims_read_like_raw_data()
    {
        // float_data as one fixed32 field per value (proto2 style), dims packed.
        byte[] model = ProtoWriter.Model(13, [ProtoWriter.Node("Relu", ["x"], "y")], [t =>
        {
            t.Bytes(1, [2, 3]).Varint(2, 1).String(8, "w");
            foreach (float v in new[] { 1f, -2f, 3.5f, 0f, 1e-40f, -0f })
            {
                t.Fixed32(4, v);
            }
        }], "y");
        Assert.Equal([1f, -2f, 3.5f, 0f, 1e-40f, -0f], OnnxReader.Open(model).ReadTensor("w", 2, 3));
    }

    [Theory]
    [InlineData("raw", "needs 24 bytes of raw_data, but holds 20")]
    [InlineData("typed", "needs 6 values in float_data, but holds 5")]
    [InlineData("both", "holds both raw_data and typed data")]
    [InlineData("negative", "which are negative or overflow")]
    [InlineData("huge", "which are negative or overflow")]
    [InlineData("f16", "not a 16-bit FLOAT16 pattern")]
    public void Initializers_whose_data_disagrees_with_their_dims_are_refused(string kind, string expected)
    {
        Action<ProtoWriter> tensor = kind switch
        {
            "raw" => t => t.Varint(1, 2).Varint(1, 3).Varint(2, 1).String(8, "w").Bytes(9, new byte[20]),
            "typed" => t => t.Varint(1, 2).Varint(1, 3).Varint(2, 1).String(8, "w").Bytes(4, new byte[20]),
            "both" => t => t.Varint(1, 6).Varint(2, 1).String(8, "w").Bytes(9, new byte[24]).Fixed32(4, 1),
            "negative" => t => t.Varint(1, unchecked((ulong)-2L)).Varint(2, 1).String(8, "w"),
            "huge" => t => t.Varint(1, 1UL << 40).Varint(1, 1UL << 40).Varint(2, 1).String(8, "w"),
            _ => t => t.Varint(1, 1).Varint(2, 10).String(8, "w").Varint(5, 0x10000),
        };
        byte[] model = ProtoWriter.Model(13, [ProtoWriter.Node("Relu", ["x"], "y")], [tensor], "y");
        var exception = Assert.Throws<InvalidDataException>(() => OnnxReader.Open(model).ReadTensor("w", 1));
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wire_format_errors_are_InvalidDataException()
    {
        string Error(byte[] bytes) => Assert.Throws<InvalidDataException>(() => OnnxReader.Open(bytes)).Message;
        Assert.Contains("holds no graph", Error([]), StringComparison.Ordinal);
        Assert.Contains("runs past the end", Error([0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), StringComparison.Ordinal);
        Assert.Contains("overflows 64 bits", Error([0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), StringComparison.Ordinal);
        Assert.Contains("wire type 3", Error([0x0B]), StringComparison.Ordinal);
        Assert.Contains("field number 0", Error([0x02, 0x00]), StringComparison.Ordinal);
        Assert.Contains("field 7 has wire type 0", Error([0x38, 0x01]), StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_stays_proportional_to_the_file_for_a_graph_of_many_tiny_nodes()
    {
        var graph = new ProtoWriter();
        for (int i = 0; i < 50_000; i++)
        {
            graph.Message(1, n => n.String(4, "R"));
        }

        byte[] model = new ProtoWriter().Bytes(7, graph.ToArray()).ToArray();
        OnnxReader.Open(model); // warm up
        int nodes = 0;
        long allocated = AllocationMeter.OnThisThread(() => nodes = OnnxReader.Open(model).Nodes.Count);
        Assert.Equal(50_000, nodes);
        Assert.True(allocated < (40L * model.Length) + (64 << 10), $"{allocated} bytes allocated for a {model.Length}-byte model");
        Assert.Contains("has no op_type", Assert.Throws<InvalidDataException>(() => OnnxReader.Open(new ProtoWriter().Message(7, g => g.Bytes(1, [])).ToArray())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_in_fields_the_reader_does_not_descend_into_costs_nothing()
    {
        // 100,000 nested messages in an unknown model field and in a subgraph attribute: skipped by length, no recursion.
        byte[] nested = [];
        for (int i = 0; i < 100_000; i++)
        {
            nested = new ProtoWriter().Bytes(1, nested).ToArray();
        }

        byte[] model = ProtoWriter.Model(13, [ProtoWriter.Node("Relu", ["x"], "y", a => a.String(1, "body").Bytes(6, nested))], [], "y");
        byte[] withUnknown = [.. new ProtoWriter().Bytes(99, nested).ToArray(), .. model];
        Assert.Equal("Relu", OnnxReader.Open(withUnknown).Nodes[0].OpType);
        Assert.Equal(OnnxAttributeType.Graph, OnnxReader.Open(withUnknown).Nodes[0].Attributes[0].Type);
    }
}
