using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace StaticNet.Bench.Contenders;

/// <summary>
/// Writes a <see cref="Model"/> as an ONNX model (protobuf, written field by field: no ONNX or protobuf package):
/// Gemm(transB = 1) per dense layer, Relu between them, Softmax(axis = 1) at the end, the weights as initializers
/// in raw_data, and input "input" (N, InputSize) → output "output" (N, OutputSize) with a symbolic batch dimension N.
/// <see cref="WriteLeNet"/> writes the convolutional network the same way.
/// </summary>
public static class OnnxModelWriter
{
    /// <summary>The model's input name.</summary>
    public const string InputName = "input";

    /// <summary>The model's output name.</summary>
    public const string OutputName = "output";

    // onnx.proto enum values.
    private const int FloatType = 1;
    private const int UInt8Type = 2;
    private const int Int8Type = 3;
    private const int AttributeInt = 2;
    private const int AttributeInts = 7;

    /// <summary>The bytes of the .onnx file.</summary>
    public static byte[] Write(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = new Proto();
        string current = InputName;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            DenseLayer layer = model.Layers[l];
            string w = $"{2 * l}.weight", b = $"{2 * l}.bias", gemm = $"gemm{l}";
            graph.Message(5, Tensor(w, [layer.Outputs, layer.Inputs], layer.Weight)); // GraphProto.initializer
            graph.Message(5, Tensor(b, [layer.Outputs], layer.Bias));
            graph.Message(1, Node("Gemm", gemm, [current, w, b], gemm, Attribute("transB", 1))); // GraphProto.node
            current = gemm;
            if (layer.ReLU)
            {
                string relu = $"relu{l}";
                graph.Message(1, Node("Relu", relu, [current], relu));
                current = relu;
            }
        }

        return DenseModelBytes(graph, current, "staticnet_bench_" + model.Name, model);
    }

    /// <summary>
    /// The same network as ONNX Runtime's dynamic quantisation writes it (what <c>quantize_dynamic</c> produces, built
    /// here directly): per layer, DynamicQuantizeLinear on the activations (uint8, per tensor), MatMulInteger with the
    /// weights as int8 (in, out) quantised by StaticNet's rule (per output, symmetric), the int32 sum cast to float and
    /// multiplied by both scales, then the bias. Its activations are quantised too, so its outputs differ from
    /// StaticNet's int8 (float activations) by more than float rounding.
    /// </summary>
    public static byte[] WriteInt8(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = new Proto();
        string current = InputName;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            DenseLayer layer = model.Layers[l];
            (sbyte[] q, float[] scales) = QuantizePerOutput(layer);
            var quantized = new sbyte[layer.Inputs * layer.Outputs];
            for (int o = 0; o < layer.Outputs; o++)
            {
                for (int k = 0; k < layer.Inputs; k++)
                {
                    quantized[(k * layer.Outputs) + o] = q[(o * layer.Inputs) + k]; // (in, out) for MatMulInteger
                }
            }

            string wq = $"w{l}_q", ws = $"w{l}_scale", b = $"b{l}";
            graph.Message(5, Tensor(wq, [layer.Inputs, layer.Outputs], Int8Type, MemoryMarshal.AsBytes(quantized.AsSpan())));
            graph.Message(5, Tensor(ws, [layer.Outputs], scales));
            graph.Message(5, Tensor(b, [layer.Outputs], layer.Bias));
            string xq = $"x{l}_q", xs = $"x{l}_scale", xz = $"x{l}_zero", mm = $"mm{l}", cast = $"cast{l}", mul = $"mul{l}", scaled = $"scaled{l}", add = $"add{l}";
            graph.Message(1, Node("DynamicQuantizeLinear", $"quantize{l}", [current], [xq, xs, xz]));
            graph.Message(1, Node("MatMulInteger", mm, [xq, wq, xz], [mm]));
            graph.Message(1, Node("Cast", cast, [mm], [cast], Attribute("to", FloatType)));
            graph.Message(1, Node("Mul", mul, [cast, xs], [mul]));
            graph.Message(1, Node("Mul", scaled, [mul, ws], [scaled]));
            graph.Message(1, Node("Add", add, [scaled, b], [add]));
            current = add;
            if (layer.ReLU)
            {
                string relu = $"relu{l}";
                graph.Message(1, Node("Relu", relu, [current], relu));
                current = relu;
            }
        }

        return DenseModelBytes(graph, current, "staticnet_bench_int8_" + model.Name, model);
    }

    /// <summary>
    /// The Sample's LeNet as PyTorch's exporter writes it: Conv (5×5, pads 2) → Relu → MaxPool (2×2, stride 2) →
    /// Conv (5×5) → BatchNormalization (epsilon 1e-5, the ONNX default) → Relu → MaxPool → Flatten → Gemm(transB = 1)
    /// → Relu → Gemm(transB = 1), from "input" (N, 1, 28, 28) to the logits "output" (N, 10). Dropout, the identity
    /// at inference, is left out, as the exporter leaves it out. ONNX Runtime fuses the BatchNormalization into the
    /// Conv before it and the Relus into the Convs itself (graph optimisation level "all").
    /// </summary>
    public static byte[] WriteLeNet(ConvolutionModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = new Proto();
        graph.Message(5, Tensor("0.weight", [8, 1, 5, 5], model.Convolution1Weight));
        graph.Message(5, Tensor("0.bias", [8], model.Convolution1Bias));
        graph.Message(5, Tensor("3.weight", [16, 8, 5, 5], model.Convolution2Weight));
        graph.Message(5, Tensor("3.bias", [16], model.Convolution2Bias));
        graph.Message(5, Tensor("4.weight", [16], model.NormWeight));
        graph.Message(5, Tensor("4.bias", [16], model.NormBias));
        graph.Message(5, Tensor("4.running_mean", [16], model.NormMean));
        graph.Message(5, Tensor("4.running_var", [16], model.NormVariance));
        graph.Message(5, Tensor("8.weight", [64, 400], model.Dense1Weight));
        graph.Message(5, Tensor("8.bias", [64], model.Dense1Bias));
        graph.Message(5, Tensor("11.weight", [10, 64], model.Dense2Weight));
        graph.Message(5, Tensor("11.bias", [10], model.Dense2Bias));

        graph.Message(1, Node("Conv", "conv0", [InputName, "0.weight", "0.bias"], ["conv0"],
            Attribute("kernel_shape", [5, 5]), Attribute("pads", [2, 2, 2, 2]), Attribute("strides", [1, 1])));
        graph.Message(1, Node("Relu", "relu1", ["conv0"], ["relu1"]));
        graph.Message(1, Node("MaxPool", "pool2", ["relu1"], ["pool2"], Attribute("kernel_shape", [2, 2]), Attribute("strides", [2, 2])));
        graph.Message(1, Node("Conv", "conv3", ["pool2", "3.weight", "3.bias"], ["conv3"],
            Attribute("kernel_shape", [5, 5]), Attribute("pads", [0, 0, 0, 0]), Attribute("strides", [1, 1])));
        graph.Message(1, Node("BatchNormalization", "norm4", ["conv3", "4.weight", "4.bias", "4.running_mean", "4.running_var"], ["norm4"]));
        graph.Message(1, Node("Relu", "relu5", ["norm4"], ["relu5"]));
        graph.Message(1, Node("MaxPool", "pool6", ["relu5"], ["pool6"], Attribute("kernel_shape", [2, 2]), Attribute("strides", [2, 2])));
        graph.Message(1, Node("Flatten", "flatten7", ["pool6"], ["flatten7"], Attribute("axis", 1)));
        graph.Message(1, Node("Gemm", "gemm8", ["flatten7", "8.weight", "8.bias"], ["gemm8"], Attribute("transB", 1)));
        graph.Message(1, Node("Relu", "relu9", ["gemm8"], ["relu9"]));
        graph.Message(1, Node("Gemm", "gemm11", ["relu9", "11.weight", "11.bias"], [OutputName], Attribute("transB", 1)));
        graph.String(2, "staticnet_bench_lenet");
        graph.Message(11, ValueInfo(InputName, 1, 28, 28));
        graph.Message(12, ValueInfo(OutputName, ConvolutionModel.OutputSize));
        return ModelBytes(graph, microsoftOperators: false);
    }

    /// <summary>
    /// The same int8 weights as ONNX Runtime's weight-only quantisation writes them: per layer, MatMulNBits
    /// (com.microsoft) with 8-bit codes q + 128 in blocks of 128 inputs along K (every block of an output carries that
    /// output's scale, so the codes dequantise to StaticNet's q · scale exactly; padding past K is code 128, value 0),
    /// then the bias. <paramref name="accuracyLevel"/> 4 lets ORT quantise the activations to int8 per block and use
    /// its integer kernels (the fastest here: level 0, which dequantises to float32, was no faster at any batch and took
    /// 40× as long at batch 1).
    /// </summary>
    public static byte[] WriteInt8Blocks(Model model, int accuracyLevel)
    {
        ArgumentNullException.ThrowIfNull(model);
        const int Block = 128; // the fastest of 16, 32, 64, 128 and 256 in ORT here (accuracy level 4, MNIST, batch 1 to 256)
        var graph = new Proto();
        string current = InputName;
        for (int l = 0; l < model.Layers.Count; l++)
        {
            DenseLayer layer = model.Layers[l];
            (sbyte[] q, float[] scales) = QuantizePerOutput(layer);
            int blocks = (layer.Inputs + Block - 1) / Block;
            var codes = new byte[layer.Outputs * blocks * Block];
            var blockScales = new float[layer.Outputs * blocks];
            var zeroPoints = new byte[layer.Outputs * blocks];
            for (int o = 0; o < layer.Outputs; o++)
            {
                for (int k = 0; k < blocks * Block; k++)
                {
                    codes[(o * blocks * Block) + k] = (byte)((k < layer.Inputs ? q[(o * layer.Inputs) + k] : 0) + 128);
                }

                blockScales.AsSpan(o * blocks, blocks).Fill(scales[o]);
                zeroPoints.AsSpan(o * blocks, blocks).Fill(128);
            }

            string wq = $"w{l}_codes", ws = $"w{l}_scales", wz = $"w{l}_zero", b = $"b{l}", mm = $"mm{l}", add = $"add{l}";
            graph.Message(5, Tensor(wq, [layer.Outputs, blocks, Block], UInt8Type, codes));
            graph.Message(5, Tensor(ws, [layer.Outputs * blocks], blockScales));
            graph.Message(5, Tensor(wz, [layer.Outputs * blocks], UInt8Type, zeroPoints));
            graph.Message(5, Tensor(b, [layer.Outputs], layer.Bias));
            Proto node = Node("MatMulNBits", mm, [current, wq, ws, wz], [mm],
                Attribute("K", layer.Inputs), Attribute("N", layer.Outputs), Attribute("bits", 8), Attribute("block_size", Block),
                Attribute("accuracy_level", accuracyLevel));
            node.String(7, "com.microsoft"); // NodeProto.domain
            graph.Message(1, node);
            graph.Message(1, Node("Add", add, [mm, b], [add]));
            current = add;
            if (layer.ReLU)
            {
                string relu = $"relu{l}";
                graph.Message(1, Node("Relu", relu, [current], relu));
                current = relu;
            }
        }

        return DenseModelBytes(graph, current, "staticnet_bench_int8_blocks_" + model.Name, model, microsoftOperators: true);
    }

    /// <summary>A dense network's graph finished: Softmax(axis = 1) from <paramref name="current"/> to the output, the name, the input and output, then the model around it.</summary>
    private static byte[] DenseModelBytes(Proto graph, string current, string name, Model model, bool microsoftOperators = false)
    {
        graph.Message(1, Node("Softmax", "softmax", [current], OutputName, Attribute("axis", 1))); // GraphProto.node
        graph.String(2, name); // GraphProto.name
        graph.Message(11, ValueInfo(InputName, model.InputSize)); // GraphProto.input
        graph.Message(12, ValueInfo(OutputName, model.OutputSize)); // GraphProto.output
        return ModelBytes(graph, microsoftOperators);
    }

    /// <summary>
    /// The model around a finished graph: ONNX opset 17 (and, for contrib operators such as MatMulNBits, the
    /// com.microsoft domain's version 1) at IR version 8.
    /// </summary>
    private static byte[] ModelBytes(Proto graph, bool microsoftOperators)
    {
        var opset = new Proto();
        opset.String(1, ""); // OperatorSetIdProto.domain: the default ONNX domain
        opset.Int(2, 17); // OperatorSetIdProto.version

        var modelProto = new Proto();
        modelProto.Int(1, 8); // ModelProto.ir_version (IR version 8 goes with opset 17)
        modelProto.String(2, "StaticNet.Bench"); // producer_name
        modelProto.Message(8, opset); // opset_import
        if (microsoftOperators)
        {
            var microsoft = new Proto();
            microsoft.String(1, "com.microsoft");
            microsoft.Int(2, 1);
            modelProto.Message(8, microsoft);
        }

        modelProto.Message(7, graph); // graph
        return modelProto.ToArray();
    }

    /// <summary>StaticNet's int8 rule per output: scale = max|w| / 127, q = round-half-to-even(w / scale) clamped to ±127 (a zero row: scale 0, q 0); q is (out, in).</summary>
    private static (sbyte[] Q, float[] Scales) QuantizePerOutput(DenseLayer layer)
    {
        var q = new sbyte[layer.Inputs * layer.Outputs];
        var scales = new float[layer.Outputs];
        for (int o = 0; o < layer.Outputs; o++)
        {
            float maxAbs = 0f;
            for (int k = 0; k < layer.Inputs; k++)
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(layer.Weight[(o * layer.Inputs) + k]));
            }

            scales[o] = maxAbs / 127f;
            for (int k = 0; k < layer.Inputs; k++)
            {
                float value = scales[o] == 0f ? 0f : MathF.Round(layer.Weight[(o * layer.Inputs) + k] / scales[o], MidpointRounding.ToEven);
                q[(o * layer.Inputs) + k] = (sbyte)Math.Clamp(value, -127f, 127f);
            }
        }

        return (q, scales);
    }

    private static Proto Tensor(string name, long[] dims, int dataType, ReadOnlySpan<byte> raw)
    {
        var tensor = new Proto();
        foreach (long d in dims)
        {
            tensor.Int(1, d); // TensorProto.dims
        }

        tensor.Int(2, dataType); // data_type
        tensor.String(8, name); // name
        tensor.Bytes(9, raw); // raw_data
        return tensor;
    }

    private static Proto Node(string op, string name, string[] inputs, string[] outputs, params Proto[] attributes)
    {
        var node = new Proto();
        foreach (string input in inputs)
        {
            node.String(1, input); // NodeProto.input
        }

        foreach (string output in outputs)
        {
            node.String(2, output); // output
        }

        node.String(3, name); // name
        node.String(4, op); // op_type
        foreach (Proto attribute in attributes)
        {
            node.Message(5, attribute); // attribute
        }

        return node;
    }

    private static Proto Tensor(string name, long[] dims, float[] values)
    {
        var tensor = new Proto();
        foreach (long d in dims)
        {
            tensor.Int(1, d); // TensorProto.dims
        }

        tensor.Int(2, FloatType); // data_type
        tensor.String(8, name); // name
        tensor.Bytes(9, MemoryMarshal.AsBytes(values.AsSpan())); // raw_data, little-endian
        return tensor;
    }

    private static Proto Node(string op, string name, string[] inputs, string output, Proto? attribute = null)
    {
        var node = new Proto();
        foreach (string input in inputs)
        {
            node.String(1, input); // NodeProto.input
        }

        node.String(2, output); // output
        node.String(3, name); // name
        node.String(4, op); // op_type
        if (attribute is not null)
        {
            node.Message(5, attribute); // attribute
        }

        return node;
    }

    private static Proto Attribute(string name, long value)
    {
        var attribute = new Proto();
        attribute.String(1, name); // AttributeProto.name
        attribute.Int(3, value); // i
        attribute.Int(20, AttributeInt); // type
        return attribute;
    }

    private static Proto Attribute(string name, long[] values)
    {
        var attribute = new Proto();
        attribute.String(1, name); // AttributeProto.name
        foreach (long value in values)
        {
            attribute.Int(8, value); // ints (repeated, unpacked)
        }

        attribute.Int(20, AttributeInts); // type
        return attribute;
    }

    /// <summary>A float tensor (N, <paramref name="dimensions"/>...) with N symbolic.</summary>
    private static Proto ValueInfo(string name, params int[] dimensions)
    {
        var batch = new Proto();
        batch.String(2, "N"); // Dimension.dim_param
        var shape = new Proto();
        shape.Message(1, batch); // TensorShapeProto.dim
        foreach (int size in dimensions)
        {
            var dimension = new Proto();
            dimension.Int(1, size); // Dimension.dim_value
            shape.Message(1, dimension);
        }

        var tensorType = new Proto();
        tensorType.Int(1, FloatType); // TypeProto.Tensor.elem_type
        tensorType.Message(2, shape); // shape
        var type = new Proto();
        type.Message(1, tensorType); // TypeProto.tensor_type
        var info = new Proto();
        info.String(1, name); // ValueInfoProto.name
        info.Message(2, type); // type
        return info;
    }

    /// <summary>A protobuf message being written: varint (wire type 0) and length-delimited (wire type 2) fields.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _bytes = new();

        public void Int(int field, long value)
        {
            Varint(((ulong)field << 3) | 0);
            Varint((ulong)value);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, Proto message) => Bytes(field, message._bytes.GetBuffer().AsSpan(0, (int)message._bytes.Length));

        public void Bytes(int field, ReadOnlySpan<byte> value)
        {
            Varint(((ulong)field << 3) | 2);
            Varint((ulong)value.Length);
            _bytes.Write(value);
        }

        public byte[] ToArray() => _bytes.ToArray();

        private void Varint(ulong value)
        {
            while (value >= 0x80)
            {
                _bytes.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _bytes.WriteByte((byte)value);
        }
    }
}
