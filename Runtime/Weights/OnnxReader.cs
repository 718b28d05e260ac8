using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.IO;

namespace StaticNet.Weights;

/// <summary>
/// Reads an ONNX model held in memory: its initializers as float tensors by name, its nodes, and their mapping to
/// StaticNet layers (<see cref="MapLayers"/>, <see cref="ReadDense"/>).
/// </summary>
/// <remarks>
/// A dependency-free protocol buffers reader (see <see cref="OnnxModel"/>). Initializers of type FLOAT, DOUBLE (rounded
/// to the nearest float; finite values beyond float's range are an error), FLOAT16 and BFLOAT16 (exact) are read from
/// <c>raw_data</c> (little-endian) or from the typed fields (<c>float_data</c> packed or not, <c>double_data</c>,
/// <c>int32_data</c> holding 16-bit patterns). External data (<c>data_location = EXTERNAL</c>) is refused with a message
/// saying how to embed it. Every failure is an <see cref="InvalidDataException"/>; memory stays proportional to the file.
/// <para>For generated code, so it is hidden from IntelliSense and may change in any version.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct OnnxReader : ITensorSource
{
    private const string FloatTypes = "FLOAT, DOUBLE, FLOAT16 or BFLOAT16";

    private readonly ReadOnlySpan<byte> _file;
    private readonly OnnxModel? _model;
    private readonly string[]? _names;

    private OnnxReader(ReadOnlySpan<byte> file, OnnxModel model)
    {
        _file = file;
        _model = model;
        var names = new string[model.Initializers.Count];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = model.Initializers[i].Name;
        }

        _names = names;
    }

    /// <summary>The parsed model: opset, nodes, initializers' metadata.</summary>
    public OnnxModel Model => _model ?? throw new InvalidOperationException("This reader was not created by OnnxReader.Open.");

    /// <summary>The graph's nodes in order.</summary>
    public IReadOnlyList<OnnxNode> Nodes => Model.Nodes;

    /// <summary>The initializer names, in file order.</summary>
    public IReadOnlyList<string> TensorNames => _names ?? throw new InvalidOperationException("This reader was not created by OnnxReader.Open.");

    /// <summary>Parses an ONNX model (a serialized ModelProto) and checks every initializer's size.</summary>
    /// <param name="file">The whole file. It must stay unchanged while the reader is used.</param>
    /// <exception cref="InvalidDataException">The bytes are not a valid ModelProto.</exception>
    public static OnnxReader Open(ReadOnlySpan<byte> file) => new(file, OnnxModel.Parse(file));

    /// <summary>Maps the graph to StaticNet layers (see <see cref="OnnxLayerMapping"/>).</summary>
    public OnnxMapping MapLayers() => OnnxLayerMapping.Map(Model);

    /// <inheritdoc/>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Model.Initializer(name) is not null;
    }

    /// <inheritdoc/>
    public bool TryGetShape(string name, [NotNullWhen(true)] out long[]? shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        shape = Model.Initializer(name) is OnnxTensorInfo tensor ? [.. tensor.Dims] : null;
        return shape is not null;
    }

    /// <inheritdoc/>
    public float[] ReadTensor(string name, params ReadOnlySpan<int> expectedShape)
    {
        TensorReadErrors.CheckRequest(name, expectedShape);
        if (Model.Initializer(name) is not OnnxTensorInfo tensor)
        {
            throw TensorReadErrors.Missing(name, expectedShape, FloatTypes, TensorNames);
        }

        long[] dims = [.. tensor.Dims];
        if (!tensor.IsFloat || !TensorReadErrors.ShapeEquals(dims, expectedShape))
        {
            throw TensorReadErrors.Mismatch(name, expectedShape, FloatTypes, tensor.DescribeType(), dims);
        }

        if (tensor.External)
        {
            throw new InvalidDataException(
                $"Tensor '{SafetensorsMessages.Shown(name)}': its data is stored outside the model (ONNX external data), which StaticNet does not read; save the model with its weights inside (onnx.save_model(model, path, save_as_external_data=False)).");
        }

        return ReadData(_file, tensor);
    }

    /// <summary>
    /// Reads a Dense layer's weight as (outputs, inputs), row-major, and its bias (null without one): transposed when
    /// stored (in, out), each weight multiplied by Gemm's alpha and each bias value by its beta in float (one rounding).
    /// </summary>
    /// <exception cref="ArgumentException">The layer is not a Dense layer.</exception>
    /// <exception cref="InvalidDataException">A tensor cannot be read.</exception>
    public (float[] Weight, float[]? Bias) ReadDense(OnnxLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return (ReadDenseWeight(layer), ReadDenseBias(layer));
    }

    /// <summary>A Dense layer's weight as (outputs, inputs), row-major, multiplied by Gemm's alpha (see <see cref="ReadDense"/>).</summary>
    internal float[] ReadDenseWeight(OnnxLayer layer)
    {
        if (layer.Kind != OnnxLayerKind.Dense || layer.Weight is null)
        {
            throw new ArgumentException($"Not a Dense layer: {layer.Describe()}.", nameof(layer));
        }

        float[] weight = layer.WeightIsInputsByOutputs
            ? TensorSourceExtensions.Transpose(ReadTensor(layer.Weight, layer.Inputs, layer.Outputs), layer.Inputs, layer.Outputs)
            : ReadTensor(layer.Weight, layer.Outputs, layer.Inputs);
        Scale(weight, layer.WeightScale);
        return weight;
    }

    /// <summary>A Dense layer's bias, (outputs), multiplied by Gemm's beta; null without one.</summary>
    internal float[]? ReadDenseBias(OnnxLayer layer)
    {
        if (layer.Kind != OnnxLayerKind.Dense || layer.Bias is null)
        {
            return null;
        }

        float[] bias = Model.Initializer(layer.Bias)!.Dims.Count == 2 ? ReadTensor(layer.Bias, 1, layer.Outputs) : ReadTensor(layer.Bias, layer.Outputs);
        Scale(bias, layer.BiasScale);
        return bias;
    }

    private static void Scale(float[] values, float factor)
    {
        if (factor != 1f)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] *= factor;
            }
        }
    }

    /// <summary>Decodes a float tensor's data; sizes were checked by <see cref="OnnxModel.Parse"/>.</summary>
    private static float[] ReadData(ReadOnlySpan<byte> file, OnnxTensorInfo tensor)
    {
        var values = new float[tensor.ElementCount];
        int filled = 0;
        Span<byte> scratch = stackalloc byte[sizeof(double)];
        var reader = new ProtobufReader(file.Slice(tensor.MessageOffset, tensor.MessageLength), tensor.MessageOffset, "TensorProto");
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            switch (field)
            {
                case 9 when wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> raw = reader.ReadBytes(out _);
                    switch (tensor.DataType)
                    {
                        case (int)OnnxDataType.Float:
                            Float16.ConvertSingle(raw, values);
                            break;
                        case (int)OnnxDataType.Double:
                            NpyReader.ConvertDouble(raw, values, tensor.Name);
                            break;
                        case (int)OnnxDataType.Float16:
                            Float16.ConvertHalf(raw, values);
                            break;
                        default:
                            Float16.ConvertBFloat16(raw, values);
                            break;
                    }

                    return values;
                case 4 when tensor.DataType == (int)OnnxDataType.Float && wire == ProtobufReader.Fixed32:
                    values[filled++] = BitConverter.Int32BitsToSingle((int)reader.ReadFixed32());
                    break;
                case 4 when tensor.DataType == (int)OnnxDataType.Float && wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> floats = reader.ReadBytes(out _);
                    Float16.ConvertSingle(floats, values.AsSpan(filled, floats.Length / 4));
                    filled += floats.Length / 4;
                    break;
                case 10 when tensor.DataType == (int)OnnxDataType.Double && wire == ProtobufReader.Fixed64:
                    BinaryPrimitives.WriteUInt64LittleEndian(scratch, reader.ReadFixed64());
                    NpyReader.ConvertDouble(scratch, values.AsSpan(filled++, 1), tensor.Name);
                    break;
                case 10 when tensor.DataType == (int)OnnxDataType.Double && wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> doubles = reader.ReadBytes(out _);
                    NpyReader.ConvertDouble(doubles, values.AsSpan(filled, doubles.Length / 8), tensor.Name);
                    filled += doubles.Length / 8;
                    break;
                case 5 when tensor.DataType is (int)OnnxDataType.Float16 or (int)OnnxDataType.BFloat16 && wire == ProtobufReader.Varint:
                    values[filled++] = Sixteen(reader.ReadVarint(), tensor);
                    break;
                case 5 when tensor.DataType is (int)OnnxDataType.Float16 or (int)OnnxDataType.BFloat16 && wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> packed = reader.ReadBytes(out int packedOffset);
                    var ints = new ProtobufReader(packed, packedOffset, "TensorProto.int32_data");
                    while (ints.HasMore)
                    {
                        values[filled++] = Sixteen(ints.ReadVarint(), tensor);
                    }

                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        return values;
    }

    /// <summary>One FLOAT16/BFLOAT16 value from int32_data, which holds its 16-bit pattern.</summary>
    private static float Sixteen(ulong value, OnnxTensorInfo tensor)
    {
        if (value > 0xFFFF)
        {
            throw new InvalidDataException(
                $"Tensor '{SafetensorsMessages.Shown(tensor.Name)}': int32_data holds {value}, not a 16-bit {tensor.DescribeType()} pattern.");
        }

        return tensor.DataType == (int)OnnxDataType.Float16 ? Float16.HalfBitsToSingle((ushort)value) : Float16.BFloat16BitsToSingle((ushort)value);
    }
}
