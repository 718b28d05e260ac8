// Shared-source ready: uses only APIs that netstandard2.0 has too, so the generator can link it to check an ONNX
// model's operators and initializers at compile time.
using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.IO;
using System.Text;

#if STATICNET_GENERATOR
namespace StaticNet.Generator.Weights;
#else
namespace StaticNet.Weights;
#endif

/// <summary>ONNX's <c>TensorProto.DataType</c> values that matter here.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum OnnxDataType
{
    /// <summary>Not set.</summary>
    Undefined = 0,

    /// <summary>float32.</summary>
    Float = 1,

    /// <summary>int64 (shape constants).</summary>
    Int64 = 7,

    /// <summary>IEEE binary16.</summary>
    Float16 = 10,

    /// <summary>float64.</summary>
    Double = 11,

    /// <summary>bfloat16.</summary>
    BFloat16 = 16,
}

/// <summary>ONNX's <c>AttributeProto.AttributeType</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum OnnxAttributeType
{
    /// <summary>Not set.</summary>
    Undefined = 0,

    /// <summary><see cref="OnnxAttribute.Float"/>.</summary>
    Float = 1,

    /// <summary><see cref="OnnxAttribute.Int"/>.</summary>
    Int = 2,

    /// <summary><see cref="OnnxAttribute.String"/>.</summary>
    String = 3,

    /// <summary><see cref="OnnxAttribute.Tensor"/>.</summary>
    Tensor = 4,

    /// <summary>A subgraph (not read: no operator StaticNet maps has one).</summary>
    Graph = 5,

    /// <summary><see cref="OnnxAttribute.Floats"/>.</summary>
    Floats = 6,

    /// <summary><see cref="OnnxAttribute.Ints"/>.</summary>
    Ints = 7,
}

/// <summary>An ONNX tensor's metadata (an initializer or a tensor attribute); its data stays in the file.</summary>
/// <remarks>For generated code and the generator, so it is hidden from IntelliSense and may change in any version.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OnnxTensorInfo
{
    internal OnnxTensorInfo(string name, int dataType, long[] dims, long elementCount, bool external, int messageOffset, int messageLength)
    {
        Name = name;
        DataType = dataType;
        Dims = dims;
        ElementCount = elementCount;
        External = external;
        MessageOffset = messageOffset;
        MessageLength = messageLength;
    }

    /// <summary>The tensor's name.</summary>
    public string Name { get; }

    /// <summary>The <c>TensorProto.DataType</c> number (see <see cref="OnnxDataType"/>).</summary>
    public int DataType { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar. Do not modify.</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>The product of the dimensions.</summary>
    public long ElementCount { get; }

    /// <summary>Whether the data lives in another file (<c>data_location = EXTERNAL</c>), which is not supported.</summary>
    public bool External { get; }

    /// <summary>Whether the data type is one the reader converts to float (FLOAT, DOUBLE, FLOAT16, BFLOAT16).</summary>
    public bool IsFloat => DataType is (int)OnnxDataType.Float or (int)OnnxDataType.Double or (int)OnnxDataType.Float16 or (int)OnnxDataType.BFloat16;

    /// <summary>Where the TensorProto message lies in the file.</summary>
    internal int MessageOffset { get; }

    /// <summary>The TensorProto message's length in bytes.</summary>
    internal int MessageLength { get; }

    /// <summary>
    /// The values of a small INT64 tensor (at most <see cref="MaxSmallInts"/> elements, in raw_data or int64_data), as a
    /// Pad node's pads; null for any other tensor.
    /// </summary>
    internal long[]? SmallInts { get; set; }

    /// <summary>The most elements <see cref="SmallInts"/> holds: a Pad of a 4-D tensor has 8.</summary>
    internal const int MaxSmallInts = 16;

    /// <summary>The data type's name as ONNX spells it ("FLOAT", "INT64", "type 42").</summary>
    public string DescribeType() => DataType switch
    {
        1 => "FLOAT",
        2 => "UINT8",
        3 => "INT8",
        4 => "UINT16",
        5 => "INT16",
        6 => "INT32",
        7 => "INT64",
        8 => "STRING",
        9 => "BOOL",
        10 => "FLOAT16",
        11 => "DOUBLE",
        12 => "UINT32",
        13 => "UINT64",
        16 => "BFLOAT16",
        _ => "type " + SafetensorsMessages.Number(DataType),
    };

    /// <summary>The shape as "(128, 784)".</summary>
    public string DescribeShape() => SafetensorsMessages.DescribeShape(Dims);
}

/// <summary>One attribute of an ONNX node.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OnnxAttribute
{
    internal OnnxAttribute(string name, OnnxAttributeType type, float floatValue, long intValue, string? stringValue, float[] floats, long[] ints, OnnxTensorInfo? tensor)
    {
        Name = name;
        Type = type;
        Float = floatValue;
        Int = intValue;
        String = stringValue;
        Floats = floats;
        Ints = ints;
        Tensor = tensor;
    }

    /// <summary>The attribute's name, e.g. "transB".</summary>
    public string Name { get; }

    /// <summary>Which value it holds. Files that leave <c>type</c> unset get it inferred from the field present.</summary>
    public OnnxAttributeType Type { get; }

    /// <summary>The <c>f</c> field.</summary>
    public float Float { get; }

    /// <summary>The <c>i</c> field.</summary>
    public long Int { get; }

    /// <summary>The <c>s</c> field as UTF-8 text, or null.</summary>
    public string? String { get; }

    /// <summary>The <c>floats</c> field.</summary>
    public IReadOnlyList<float> Floats { get; }

    /// <summary>The <c>ints</c> field.</summary>
    public IReadOnlyList<long> Ints { get; }

    /// <summary>The <c>t</c> field.</summary>
    public OnnxTensorInfo? Tensor { get; }
}

/// <summary>One ONNX node: an operator applied to named values.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OnnxNode
{
    internal OnnxNode(int index, string opType, string name, string domain, string[] inputs, string[] outputs, OnnxAttribute[] attributes)
    {
        Index = index;
        OpType = opType;
        Name = name;
        Domain = domain;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
    }

    /// <summary>Position in the graph's node list.</summary>
    public int Index { get; }

    /// <summary>The operator, e.g. "Gemm".</summary>
    public string OpType { get; }

    /// <summary>The node's name (may be empty).</summary>
    public string Name { get; }

    /// <summary>The operator set domain ("" is the default ONNX domain).</summary>
    public string Domain { get; }

    /// <summary>Input value names ("" for an omitted optional input).</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>Output value names.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The attributes, in file order.</summary>
    public IReadOnlyList<OnnxAttribute> Attributes { get; }

    /// <summary>The attribute of this name, or null.</summary>
    public OnnxAttribute? Attribute(string name)
    {
        foreach (OnnxAttribute attribute in Attributes)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }

        return null;
    }

    /// <summary>"node 'fc1' (Gemm, #0)" for messages.</summary>
    public string Describe()
        => Name.Length > 0
            ? $"node '{SafetensorsMessages.Shown(Name)}' ({SafetensorsMessages.Shown(OpType)}, #{Index})"
            : $"node #{Index} ({SafetensorsMessages.Shown(OpType)})";
}

/// <summary>
/// The parts of an ONNX <c>ModelProto</c> a network needs: the opset, the main graph's nodes, inputs, outputs and
/// initializers (their data left in the file).
/// </summary>
/// <remarks>
/// Parsed with <see cref="ProtobufReader"/> from the field numbers of onnx.proto (ModelProto: ir_version 1,
/// opset_import 8, graph 7; GraphProto: node 1, name 2, initializer 5, input 11, output 12; NodeProto: input 1,
/// output 2, name 3, op_type 4, attribute 5, domain 7; AttributeProto: name 1, f 2, i 3, s 4, t 5, g 6, floats 7,
/// ints 8, type 20; TensorProto: dims 1, data_type 2, float_data 4, int32_data 5, int64_data 7, name 8, raw_data 9,
/// double_data 10, external_data 13, data_location 14; ValueInfoProto: name 1). Unknown fields are skipped, so newer
/// files load. Every initializer's data is checked against its dims and type here (raw_data length, or the count of
/// typed values, packed or not), so reading it later cannot fail on size. Subgraphs (attribute g, graphs) are skipped,
/// never descended into: nesting is bounded by the schema (model, graph, node, attribute, tensor).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class OnnxModel
{
    private readonly Dictionary<string, OnnxTensorInfo> _initializers;
    private readonly Dictionary<string, long[]> _inputShapes;

    private OnnxModel(long irVersion, long opsetVersion, string graphName, List<OnnxNode> nodes, List<OnnxTensorInfo> initializers, List<string> inputs, List<string> outputs, Dictionary<string, long[]> inputShapes)
    {
        IrVersion = irVersion;
        OpsetVersion = opsetVersion;
        GraphName = graphName;
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
        _inputShapes = inputShapes;
        _initializers = new Dictionary<string, OnnxTensorInfo>(StringComparer.Ordinal);
        foreach (OnnxTensorInfo tensor in initializers)
        {
            if (_initializers.ContainsKey(tensor.Name))
            {
                throw new InvalidDataException($"Not a valid ONNX model: the initializer '{SafetensorsMessages.Shown(tensor.Name)}' appears twice.");
            }

            _initializers.Add(tensor.Name, tensor);
        }
    }

    /// <summary>The IR version.</summary>
    public long IrVersion { get; }

    /// <summary>The version of the default ("" or "ai.onnx") operator set; 0 when the model imports none.</summary>
    public long OpsetVersion { get; }

    /// <summary>The main graph's name.</summary>
    public string GraphName { get; }

    /// <summary>The nodes, in the file's (topological) order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>The initializers, in file order.</summary>
    public IReadOnlyList<OnnxTensorInfo> Initializers { get; }

    /// <summary>The graph's input names (older exporters list initializers here too).</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The graph's output names.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>A graph input's shape as the file declares it, −1 for a named or unknown dimension (the batch); null without one.</summary>
    public IReadOnlyList<long>? InputShape(string name)
        => _inputShapes.TryGetValue(name, out long[]? shape) ? shape : null;

    /// <summary>The initializer of this name, or null.</summary>
    public OnnxTensorInfo? Initializer(string name)
        => _initializers.TryGetValue(name, out OnnxTensorInfo? tensor) ? tensor : null;

    /// <summary>Parses a serialized ModelProto.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid ModelProto, or an initializer's data does not match its dims.</exception>
    public static OnnxModel Parse(ReadOnlySpan<byte> file)
    {
        var model = new ProtobufReader(file, 0, "ModelProto");
        long irVersion = 0;
        long opset = 0;
        bool haveGraph = false;
        string graphName = string.Empty;
        var nodes = new List<OnnxNode>();
        var initializers = new List<OnnxTensorInfo>();
        var inputs = new List<string>();
        var inputShapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var outputs = new List<string>();
        while (model.HasMore)
        {
            (int field, int wire) = model.ReadTag();
            switch (field)
            {
                case 1 when wire == ProtobufReader.Varint:
                    irVersion = (long)model.ReadVarint();
                    break;
                case 8 when wire == ProtobufReader.LengthDelimited:
                    (string domain, long version) = ReadOpset(model.ReadBytes(out int opsetOffset), opsetOffset);
                    if (domain is "" or "ai.onnx")
                    {
                        opset = version;
                    }

                    break;
                case 7 when wire == ProtobufReader.LengthDelimited:
                    if (haveGraph)
                    {
                        throw model.Fail("the model holds two graphs");
                    }

                    haveGraph = true;
                    graphName = ReadGraph(model.ReadBytes(out int graphOffset), graphOffset, nodes, initializers, inputs, outputs, inputShapes);
                    break;
                case 1 or 7 or 8:
                    throw model.Fail($"field {field} has wire type {wire}");
                default:
                    model.Skip(wire);
                    break;
            }
        }

        if (!haveGraph)
        {
            throw new InvalidDataException("Not a valid ONNX model: it holds no graph (is this an ONNX file?).");
        }

        return new OnnxModel(irVersion, opset, graphName, nodes, initializers, inputs, outputs, inputShapes);
    }

    private static (string Domain, long Version) ReadOpset(ReadOnlySpan<byte> bytes, int offset)
    {
        var reader = new ProtobufReader(bytes, offset, "OperatorSetIdProto");
        string domain = string.Empty;
        long version = 0;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            if (field == 1 && wire == ProtobufReader.LengthDelimited)
            {
                domain = ReadString(ref reader);
            }
            else if (field == 2 && wire == ProtobufReader.Varint)
            {
                version = (long)reader.ReadVarint();
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (domain, version);
    }

    private static string ReadGraph(ReadOnlySpan<byte> bytes, int offset, List<OnnxNode> nodes, List<OnnxTensorInfo> initializers, List<string> inputs, List<string> outputs, Dictionary<string, long[]> inputShapes)
    {
        var reader = new ProtobufReader(bytes, offset, "GraphProto");
        string name = string.Empty;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            if (wire != ProtobufReader.LengthDelimited)
            {
                if (field is 1 or 2 or 5 or 11 or 12)
                {
                    throw reader.Fail($"field {field} has wire type {wire}");
                }

                reader.Skip(wire);
                continue;
            }

            ReadOnlySpan<byte> value = reader.ReadBytes(out int valueOffset);
            switch (field)
            {
                case 1:
                    nodes.Add(ReadNode(value, valueOffset, nodes.Count));
                    break;
                case 2:
                    name = Utf8(value, ref reader);
                    break;
                case 5:
                    initializers.Add(ReadTensor(value, valueOffset));
                    break;
                case 11:
                    inputs.Add(ReadValueInfoName(value, valueOffset, inputShapes));
                    break;
                case 12:
                    outputs.Add(ReadValueInfoName(value, valueOffset, null));
                    break;
            }
        }

        return name;
    }

    /// <summary>A ValueInfoProto's name; with <paramref name="shapes"/>, its tensor shape too when it has one.</summary>
    private static string ReadValueInfoName(ReadOnlySpan<byte> bytes, int offset, Dictionary<string, long[]>? shapes)
    {
        var reader = new ProtobufReader(bytes, offset, "ValueInfoProto");
        string name = string.Empty;
        long[]? shape = null;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            if (field == 1 && wire == ProtobufReader.LengthDelimited)
            {
                name = ReadString(ref reader);
            }
            else if (field == 2 && wire == ProtobufReader.LengthDelimited && shapes is not null)
            {
                shape = ReadTensorShape(reader.ReadBytes(out int typeOffset), typeOffset);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        if (shape is not null)
        {
            shapes![name] = shape;
        }

        return name;
    }

    /// <summary>TypeProto.tensor_type.shape: each dim_value, −1 for a named (dim_param) or unknown dimension; null without a shape.</summary>
    private static long[]? ReadTensorShape(ReadOnlySpan<byte> bytes, int offset)
    {
        var type = new ProtobufReader(bytes, offset, "TypeProto");
        long[]? shape = null;
        while (type.HasMore)
        {
            (int field, int wire) = type.ReadTag();
            if (field != 1 || wire != ProtobufReader.LengthDelimited)
            {
                type.Skip(wire);
                continue;
            }

            var tensor = new ProtobufReader(type.ReadBytes(out int tensorOffset), tensorOffset, "TypeProto.Tensor");
            while (tensor.HasMore)
            {
                (int tensorField, int tensorWire) = tensor.ReadTag();
                if (tensorField != 2 || tensorWire != ProtobufReader.LengthDelimited)
                {
                    tensor.Skip(tensorWire);
                    continue;
                }

                var dims = new List<long>();
                var shapeReader = new ProtobufReader(tensor.ReadBytes(out int shapeOffset), shapeOffset, "TensorShapeProto");
                while (shapeReader.HasMore)
                {
                    (int shapeField, int shapeWire) = shapeReader.ReadTag();
                    if (shapeField != 1 || shapeWire != ProtobufReader.LengthDelimited)
                    {
                        shapeReader.Skip(shapeWire);
                        continue;
                    }

                    long value = -1;
                    var dim = new ProtobufReader(shapeReader.ReadBytes(out int dimOffset), dimOffset, "TensorShapeProto.Dimension");
                    while (dim.HasMore)
                    {
                        (int dimField, int dimWire) = dim.ReadTag();
                        if (dimField == 1 && dimWire == ProtobufReader.Varint)
                        {
                            ulong raw = dim.ReadVarint();
                            value = raw <= long.MaxValue ? (long)raw : -1;
                        }
                        else
                        {
                            dim.Skip(dimWire);
                        }
                    }

                    dims.Add(value);
                }

                shape = dims.ToArray();
            }
        }

        return shape;
    }

    private static OnnxNode ReadNode(ReadOnlySpan<byte> bytes, int offset, int index)
    {
        var reader = new ProtobufReader(bytes, offset, "NodeProto");
        // Allocated on first use: most nodes have no attributes, and a hostile file may hold many empty nodes.
        List<string>? inputs = null;
        List<string>? outputs = null;
        List<OnnxAttribute>? attributes = null;
        string name = string.Empty;
        string opType = string.Empty;
        string domain = string.Empty;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            if (wire != ProtobufReader.LengthDelimited)
            {
                if (field is 1 or 2 or 3 or 4 or 5 or 7)
                {
                    throw reader.Fail($"field {field} has wire type {wire}");
                }

                reader.Skip(wire);
                continue;
            }

            switch (field)
            {
                case 1:
                    (inputs ??= []).Add(ReadString(ref reader));
                    break;
                case 2:
                    (outputs ??= []).Add(ReadString(ref reader));
                    break;
                case 3:
                    name = ReadString(ref reader);
                    break;
                case 4:
                    opType = ReadString(ref reader);
                    break;
                case 5:
                    ReadOnlySpan<byte> value = reader.ReadBytes(out int valueOffset);
                    (attributes ??= []).Add(ReadAttribute(value, valueOffset));
                    break;
                case 7:
                    domain = ReadString(ref reader);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        // Every node names its operator: this also keeps a file of empty nodes from costing far more memory than its bytes.
        if (opType.Length == 0)
        {
            throw new InvalidDataException($"Not a valid ONNX model: the NodeProto at byte {offset} has no op_type.");
        }

        return new OnnxNode(index, opType, name, domain, ToArray(inputs), ToArray(outputs), ToArray(attributes));
    }

    private static OnnxAttribute ReadAttribute(ReadOnlySpan<byte> bytes, int offset)
    {
        var reader = new ProtobufReader(bytes, offset, "AttributeProto");
        string name = string.Empty;
        int type = 0;
        float floatValue = 0;
        long intValue = 0;
        string? stringValue = null;
        var floats = new List<float>();
        var ints = new List<long>();
        OnnxTensorInfo? tensor = null;
        int inferred = 0;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            switch (field)
            {
                case 1 when wire == ProtobufReader.LengthDelimited:
                    name = ReadString(ref reader);
                    break;
                case 2 when wire == ProtobufReader.Fixed32:
                    floatValue = BitsToSingle(reader.ReadFixed32());
                    inferred = 1;
                    break;
                case 3 when wire == ProtobufReader.Varint:
                    intValue = (long)reader.ReadVarint();
                    inferred = 2;
                    break;
                case 4 when wire == ProtobufReader.LengthDelimited:
                    stringValue = ReadString(ref reader);
                    inferred = 3;
                    break;
                case 5 when wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> tensorBytes = reader.ReadBytes(out int tensorOffset);
                    tensor = ReadTensor(tensorBytes, tensorOffset);
                    inferred = 4;
                    break;
                case 7 when wire == ProtobufReader.Fixed32:
                    floats.Add(BitsToSingle(reader.ReadFixed32()));
                    inferred = 6;
                    break;
                case 7 when wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> packedFloats = reader.ReadBytes(out _);
                    if (packedFloats.Length % 4 != 0)
                    {
                        throw reader.Fail("packed floats are not a multiple of 4 bytes");
                    }

                    for (int i = 0; i < packedFloats.Length; i += 4)
                    {
                        floats.Add(BitsToSingle((uint)(packedFloats[i] | (packedFloats[i + 1] << 8) | (packedFloats[i + 2] << 16) | (packedFloats[i + 3] << 24))));
                    }

                    inferred = 6;
                    break;
                case 8 when wire == ProtobufReader.Varint:
                    ints.Add((long)reader.ReadVarint());
                    inferred = 7;
                    break;
                case 8 when wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> packedInts = reader.ReadBytes(out int packedOffset);
                    var values = new ProtobufReader(packedInts, packedOffset, "AttributeProto.ints");
                    while (values.HasMore)
                    {
                        ints.Add((long)values.ReadVarint());
                    }

                    inferred = 7;
                    break;
                case 20 when wire == ProtobufReader.Varint:
                    type = (int)Math.Min(reader.ReadVarint(), int.MaxValue);
                    break;
                case 6 when wire == ProtobufReader.LengthDelimited:
                    reader.Skip(wire);
                    inferred = 5;
                    break;
                case 1 or 2 or 3 or 4 or 5 or 7 or 8 or 20:
                    throw reader.Fail($"field {field} has wire type {wire}");
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (name.Length == 0)
        {
            throw new InvalidDataException($"Not a valid ONNX model: the AttributeProto at byte {offset} has no name.");
        }

        return new OnnxAttribute(name, (OnnxAttributeType)(type != 0 ? type : inferred), floatValue, intValue, stringValue, floats.ToArray(), ints.ToArray(), tensor);
    }

    /// <summary>Reads a TensorProto's metadata and checks that its data matches its dims and type.</summary>
    private static OnnxTensorInfo ReadTensor(ReadOnlySpan<byte> bytes, int offset)
    {
        var reader = new ProtobufReader(bytes, offset, "TensorProto");
        var dims = new List<long>();
        int dataType = 0;
        string name = string.Empty;
        bool external = false;
        long rawLength = -1;
        long floatCount = 0;
        long doubleCount = 0;
        long int32Count = 0;
        byte[]? smallRaw = null;
        List<long>? int64Data = null;
        while (reader.HasMore)
        {
            (int field, int wire) = reader.ReadTag();
            switch (field)
            {
                case 1 when wire == ProtobufReader.Varint:
                    dims.Add((long)reader.ReadVarint());
                    break;
                case 7 when wire == ProtobufReader.Varint:
                    long single = (long)reader.ReadVarint();
                    if ((int64Data ??= []).Count <= OnnxTensorInfo.MaxSmallInts)
                    {
                        int64Data.Add(single);
                    }

                    break;
                case 7 when wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> packedInt64 = reader.ReadBytes(out int int64Offset);
                    var int64Reader = new ProtobufReader(packedInt64, int64Offset, "TensorProto.int64_data");
                    while (int64Reader.HasMore)
                    {
                        long value = (long)int64Reader.ReadVarint();
                        if ((int64Data ??= []).Count <= OnnxTensorInfo.MaxSmallInts)
                        {
                            int64Data.Add(value);
                        }
                    }

                    break;
                case 1 when wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> packedDims = reader.ReadBytes(out int dimsOffset);
                    var dimReader = new ProtobufReader(packedDims, dimsOffset, "TensorProto.dims");
                    while (dimReader.HasMore)
                    {
                        dims.Add((long)dimReader.ReadVarint());
                    }

                    break;
                case 2 when wire == ProtobufReader.Varint:
                    dataType = (int)Math.Min(reader.ReadVarint(), int.MaxValue);
                    break;
                case 4 when wire == ProtobufReader.Fixed32:
                    reader.ReadFixed32();
                    floatCount++;
                    break;
                case 4 when wire == ProtobufReader.LengthDelimited:
                    int floatBytes = reader.ReadBytes(out _).Length;
                    if (floatBytes % 4 != 0)
                    {
                        throw reader.Fail("packed float_data is not a multiple of 4 bytes");
                    }

                    floatCount += floatBytes / 4;
                    break;
                case 5 when wire == ProtobufReader.Varint:
                    reader.ReadVarint();
                    int32Count++;
                    break;
                case 5 when wire == ProtobufReader.LengthDelimited:
                    ReadOnlySpan<byte> packedInts = reader.ReadBytes(out int intsOffset);
                    var intReader = new ProtobufReader(packedInts, intsOffset, "TensorProto.int32_data");
                    while (intReader.HasMore)
                    {
                        intReader.ReadVarint();
                        int32Count++;
                    }

                    break;
                case 8 when wire == ProtobufReader.LengthDelimited:
                    name = ReadString(ref reader);
                    break;
                case 9 when wire == ProtobufReader.LengthDelimited:
                    if (rawLength >= 0)
                    {
                        throw reader.Fail("raw_data appears twice");
                    }

                    ReadOnlySpan<byte> raw = reader.ReadBytes(out _);
                    rawLength = raw.Length;
                    smallRaw = raw.Length <= 8 * OnnxTensorInfo.MaxSmallInts ? raw.ToArray() : null;
                    break;
                case 10 when wire == ProtobufReader.Fixed64:
                    reader.ReadFixed64();
                    doubleCount++;
                    break;
                case 10 when wire == ProtobufReader.LengthDelimited:
                    int doubleBytes = reader.ReadBytes(out _).Length;
                    if (doubleBytes % 8 != 0)
                    {
                        throw reader.Fail("packed double_data is not a multiple of 8 bytes");
                    }

                    doubleCount += doubleBytes / 8;
                    break;
                case 14 when wire == ProtobufReader.Varint:
                    external = reader.ReadVarint() == 1;
                    break;
                case 1 or 2 or 4 or 5 or 8 or 9 or 10 or 14:
                    throw reader.Fail($"field {field} has wire type {wire}");
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        string shown = SafetensorsMessages.Shown(name);
        long count = 1;
        foreach (long dimension in dims)
        {
            if (dimension < 0 || (dimension != 0 && count > (long.MaxValue / 8) / dimension))
            {
                throw new InvalidDataException(
                    $"Not a valid ONNX model: tensor '{shown}' has dims {SafetensorsMessages.DescribeShape(dims)}, which are negative or overflow.");
            }

            count *= dimension;
        }

        var info = new OnnxTensorInfo(name, dataType, dims.ToArray(), count, external, offset, bytes.Length);
        int elementSize = dataType switch
        {
            1 or 6 or 12 => 4,
            7 or 11 or 13 => 8,
            10 or 16 or 4 or 5 => 2,
            2 or 3 or 9 => 1,
            _ => 0,
        };
        if (external || elementSize == 0)
        {
            return info;
        }

        if (rawLength >= 0 && floatCount + doubleCount + int32Count > 0)
        {
            throw new InvalidDataException($"Not a valid ONNX model: tensor '{shown}' holds both raw_data and typed data.");
        }

        (long found, string where) = rawLength >= 0
            ? (rawLength, "bytes of raw_data")
            : dataType switch
            {
                1 => (floatCount, "values in float_data"),
                11 => (doubleCount, "values in double_data"),
                10 or 16 => (int32Count, "values in int32_data"),
                _ => (count, string.Empty),
            };
        long needed = rawLength >= 0 ? count * elementSize : count;
        if (found != needed)
        {
            throw new InvalidDataException(
                $"Not a valid ONNX model: tensor '{shown}' ({info.DescribeType()} {info.DescribeShape()}) needs {SafetensorsMessages.Number(needed)} {where}, but holds {SafetensorsMessages.Number(found)}.");
        }

        if (dataType == (int)OnnxDataType.Int64 && count <= OnnxTensorInfo.MaxSmallInts)
        {
            if (smallRaw is not null && rawLength == count * 8)
            {
                var values = new long[count];
                byte[] littleEndian = BitConverter.IsLittleEndian ? smallRaw : ReverseEach8(smallRaw);
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.ToInt64(littleEndian, i * 8);
                }

                info.SmallInts = values;
            }
            else if (rawLength < 0 && (int64Data?.Count ?? 0) == count)
            {
                info.SmallInts = int64Data?.ToArray() ?? [];
            }
        }

        return info;
    }

    /// <summary>ONNX stores raw_data little-endian; on a big-endian machine each 8-byte value is turned around.</summary>
    private static byte[] ReverseEach8(byte[] bytes)
    {
        byte[] copy = (byte[])bytes.Clone();
        for (int i = 0; i + 8 <= copy.Length; i += 8)
        {
            Array.Reverse(copy, i, 8);
        }

        return copy;
    }

    private static T[] ToArray<T>(List<T>? list) => list is null ? [] : list.ToArray();

    private static string ReadString(ref ProtobufReader reader) => Utf8(reader.ReadBytes(out _), ref reader);

    private static string Utf8(ReadOnlySpan<byte> bytes, ref ProtobufReader reader)
    {
        try
        {
            return StrictUtf8.GetString(bytes.ToArray());
        }
        catch (ArgumentException)
        {
            throw reader.Fail("a string is not valid UTF-8");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    internal static float BitsToSingle(uint bits)
    {
        // BitConverter.Int32BitsToSingle is not in netstandard2.0.
        return BitConverter.ToSingle(BitConverter.GetBytes(bits), 0);
    }
}
