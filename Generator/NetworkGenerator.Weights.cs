using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Emit;
using StaticNet.Generator.Layers;
using StaticNet.Generator.Model;
using StaticNet.Generator.Weights;

namespace StaticNet.Generator;

/// <summary>
/// The <c>[Weights]</c> step: check a weights file (safetensors, NumPy .npz or ONNX) against the declared layers and embed it.
/// </summary>
/// <remarks>
/// Roslyn gives generators AdditionalFiles only as decoded text, which mangles binary files
/// (dotnet/roslyn#47292), and a generator must not read files behind the compiler's back. So the StaticNet
/// build step (<c>Runtime/build/StaticNet.targets</c>, shipped in the package) turns each <c>.safetensors</c>, <c>.npz</c> and <c>.onnx</c>
/// AdditionalFiles item into a text sidecar — a marker line, the original path, the bytes in base64 — and
/// hands that to the compiler as another AdditionalFiles item. The compiler tracks it like any input, so
/// builds stay incremental, and the generator only ever sees text.
/// </remarks>
public sealed partial class NetworkGenerator
{
    /// <summary>A network and the diagnostics its weights produced; Spec is null when they do not fit.</summary>
    internal sealed record ResolvedNetwork(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);

    /// <summary>A sidecar written by the build step: the original file's path and its bytes in base64.</summary>
    internal sealed record WeightsFile(string OriginalPath, string Base64, string? Error)
    {
        public const string SidecarSuffix = ".staticnet-weights.txt";
        public const string Marker = "staticnet-weights-v1";

        public static bool IsWeightsSidecar(string path) => path.EndsWith(SidecarSuffix, StringComparison.OrdinalIgnoreCase);

        public static WeightsFile Read(AdditionalText file, CancellationToken cancellationToken)
        {
            SourceText? text = file.GetText(cancellationToken);
            if (text is null || text.Lines.Count < 3 || text.Lines[0].ToString() != Marker)
            {
                return new WeightsFile(file.Path, string.Empty, "the StaticNet build step wrote an unreadable sidecar; rebuild the project");
            }

            return new WeightsFile(text.Lines[1].ToString(), text.Lines[2].ToString(), null);
        }

        public bool Matches(string requested) => PathMatches(OriginalPath, requested);

        /// <summary>True when <paramref name="path"/> is the requested file: the same path, or one ending in it.</summary>
        public static bool PathMatches(string path, string requested)
        {
            string original = path.Replace('\\', '/');
            string wanted = requested.Replace('\\', '/').TrimStart('.', '/');
            return original.Equals(wanted, StringComparison.OrdinalIgnoreCase)
                || original.EndsWith("/" + wanted, StringComparison.OrdinalIgnoreCase);
        }
    }

    internal static ResolvedNetwork ResolveWeights(
        NetworkSpec spec, WeightsRequest? request, ImmutableArray<WeightsFile> files, ImmutableArray<string> rawWeightsFiles)
    {
        if (request is null)
        {
            return new ResolvedNetwork(spec, EquatableArray<DiagnosticInfo>.Empty);
        }

        if (request.Path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            return Failed(DiagnosticInfo.Create(
                DiagnosticDescriptors.WeightsUnreadable, request.Location, request.Path,
                "a .npy file holds one array and a network reads several; save them into one .npz (np.savez(\"model.npz\", **{\"0.weight\": w, \"0.bias\": b, ...}))"));
        }

        WeightsFile? file = files.FirstOrDefault(f => f.Matches(request.Path));
        if (file is null)
        {
            bool listed = rawWeightsFiles.Any(path => WeightsFile.PathMatches(path, request.Path));
            return Failed(DiagnosticInfo.Create(
                listed ? DiagnosticDescriptors.WeightsBuildStepMissing : DiagnosticDescriptors.WeightsFileNotFound, request.Location, request.Path));
        }

        if (file.Error is not null)
        {
            return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsUnreadable, request.Location, request.Path, file.Error));
        }

        WeightsFormat format = FormatOf(file.OriginalPath);
        Problem? problem;
        try
        {
            problem = format switch
            {
                WeightsFormat.Numpy => CheckNumpy(spec, Decode(file.Base64), request.InputsByOutputs),
                WeightsFormat.Onnx => CheckOnnx(spec, Decode(file.Base64)),
                _ => FindMismatch(spec, ParseHeader(file.Base64), request.InputsByOutputs),
            };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The parsers report every malformed file as InvalidDataException; anything else they throw is still
            // a file they cannot read, and a generator must never throw: the file is reported, whatever went wrong.
            return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsUnreadable, request.Location, request.Path, e.Message));
        }

        if (problem is not null)
        {
            return Failed(DiagnosticInfo.Create(problem.Descriptor, request.Location, request.Path, problem.Message));
        }

        // Dense layers stored as bfloat16 or int8 are converted when a safetensors file in PyTorch's layout is
        // embedded, so the assembly carries their smaller form. Any other file is embedded as it is and converted by
        // the same rules when LoadEmbedded reads it: the same network, without the size saving.
        string? converted;
        try
        {
            converted = format == WeightsFormat.Safetensors && !request.InputsByOutputs ? ConvertEmbeddedWeights(spec, file.Base64) : null;
        }
        catch (InvalidDataException e)
        {
            return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsMismatch, request.Location, request.Path, e.Message));
        }

        return new ResolvedNetwork(
            spec with
            {
                Weights = new WeightsSpec(
                    Path.GetFileName(file.OriginalPath), converted ?? file.Base64, format,
                    request.InputsByOutputs && format != WeightsFormat.Onnx, Converted: converted is not null),
            },
            EquatableArray<DiagnosticInfo>.Empty);

        static ResolvedNetwork Failed(DiagnosticInfo diagnostic)
            => new(null, new EquatableArray<DiagnosticInfo>(new[] { diagnostic }));
    }

    /// <summary>What is wrong with a weights file: the diagnostic and its detail.</summary>
    internal sealed record Problem(DiagnosticDescriptor Descriptor, string Message);

    /// <summary><c>.npz</c> is NumPy, <c>.onnx</c> ONNX, anything else safetensors: the rule of the generated <c>Load(string)</c>.</summary>
    internal static WeightsFormat FormatOf(string path)
        => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? WeightsFormat.Onnx
            : path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase) ? WeightsFormat.Numpy
            : WeightsFormat.Safetensors;

    /// <summary>The extensions the build step hands to the generator.</summary>
    internal static bool IsWeightsExtension(string path)
        => path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase)
            || path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads the safetensors header out of the base64 text without decoding the weights: a megabyte of weights
    /// costs one character scan, not a decode and re-encode, on every build. The scan also guarantees the text
    /// is plain base64, the form the emitted literal and the run-time decoder need.
    /// </summary>
    internal static SafetensorsHeader ParseHeader(string base64)
    {
        int padding = CheckBase64(base64);
        long fileLength = (base64.Length / 4 * 3L) - padding;
        byte[] lengthPrefix = Convert.FromBase64String(base64.Substring(0, Math.Min(12, base64.Length)));
        if (lengthPrefix.Length < 8)
        {
            return SafetensorsHeader.Parse(lengthPrefix); // too short to be safetensors: let the parser say so
        }

        long headerEnd = 8 + (long)BitConverter.ToUInt64(lengthPrefix, 0);
        long prefixChars = headerEnd > fileLength ? base64.Length : Math.Min(base64.Length, (headerEnd + 2) / 3 * 4);
        byte[] prefix = Convert.FromBase64String(base64.Substring(0, (int)prefixChars));
        return SafetensorsHeader.ParseHeaderOnly(prefix, fileLength);
    }

    /// <summary>The whole file, after the same check of the text as <see cref="ParseHeader"/>.</summary>
    internal static byte[] Decode(string base64)
    {
        CheckBase64(base64);
        return Convert.FromBase64String(base64);
    }

    /// <summary>Checks that the text is plain, whole base64; returns the number of '=' at its end.</summary>
    private static int CheckBase64(string base64)
    {
        int padding = base64.EndsWith("==", StringComparison.Ordinal) ? 2 : base64.EndsWith("=", StringComparison.Ordinal) ? 1 : 0;
        for (int i = 0; i < base64.Length - padding; i++)
        {
            char c = base64[i];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'))
            {
                throw new FormatException($"the build step's base64 has an invalid character at {i}; rebuild the project");
            }
        }

        if (base64.Length % 4 != 0)
        {
            throw new FormatException("the build step's base64 is truncated; rebuild the project");
        }

        return padding;
    }

    /// <summary>The first tensor the network reads that the file lacks or holds in another shape or dtype; null if all fit.</summary>
    internal static Problem? FindMismatch(NetworkSpec spec, SafetensorsHeader header, bool inputsByOutputs = false)
    {
        // An int8 file is kept as it is: an int8 layer's weight I8 (out, in) with its scales F32 (out) or (out, 1).
        var int8Weights = new HashSet<string>(StringComparer.Ordinal);
        foreach (DenseLayer dense in spec.Layers.OfType<DenseLayer>().Where(d => StoredFormats.IsInt8(d.Format)))
        {
            string name = dense.TensorPrefix + ".weight";
            if (!header.TryGetTensor(name, out TensorEntry entry) || entry.DType != "I8")
            {
                continue;
            }

            string expected = $"({dense.Outputs}, {dense.Inputs})";
            string? scaleProblem = !entry.Shape.SequenceEqual(new long[] { dense.Outputs, dense.Inputs }) ? $"tensor '{name}' has shape {entry.DescribeShape()}; expected {expected}"
                : !header.TryGetTensor(name + "_scale", out TensorEntry scale) ? $"tensor '{name}' is I8, but its scales '{name}_scale' with shape ({dense.Outputs}) are missing"
                : !scale.IsFloat || !(scale.Shape.SequenceEqual(new long[] { dense.Outputs }) || scale.Shape.SequenceEqual(new long[] { dense.Outputs, 1 }))
                    ? $"tensor '{name}_scale' is {scale.DType} {scale.DescribeShape()}; expected {TensorEntry.FloatDTypes} with shape ({dense.Outputs}) or ({dense.Outputs}, 1)"
                : null;
            if (scaleProblem is not null)
            {
                return new Problem(DiagnosticDescriptors.WeightsMismatch, scaleProblem);
            }

            int8Weights.Add(name);
        }

        return FindMismatch(spec, inputsByOutputs && int8Weights.Count == 0, name => int8Weights.Contains(name)
            ? new StoredTensor(header.TryGetTensor(name, out TensorEntry int8) ? int8.Shape : Array.Empty<long>(), null, TensorEntry.FloatDTypes)
            : header.TryGetTensor(name, out TensorEntry entry)
                ? new StoredTensor(entry.Shape, entry.IsFloat ? null : entry.DType, TensorEntry.FloatDTypes)
                : null);
    }

    /// <summary>
    /// Checks a .npz archive: its directory (zip-bomb limits included, as the run-time reader), and the header of
    /// every array the network reads, each array decompressed and checked against its CRC-32, so the embedded file
    /// loads at run time.
    /// </summary>
    internal static Problem? CheckNumpy(NetworkSpec spec, byte[] file, bool inputsByOutputs)
    {
        ZipDirectory directory = ZipDirectory.Parse(file, 1L << 30);
        var entries = new Dictionary<string, ZipEntry>(StringComparer.Ordinal);
        foreach (ZipEntry entry in directory.Entries)
        {
            if (entry.Name.EndsWith(".npy", StringComparison.Ordinal))
            {
                entries[entry.Name.Substring(0, entry.Name.Length - 4)] = entry;
            }
        }

        return FindMismatch(spec, inputsByOutputs, name =>
        {
            if (!entries.TryGetValue(name, out ZipEntry? entry))
            {
                return null;
            }

            NpyHeader header = NpyHeader.Parse(ZipDirectory.Extract(file, entry), entry.UncompressedSize, name);
            return new StoredTensor(header.Shape, null, "float16, float32 or float64");
        });
    }

    /// <summary>
    /// Checks an ONNX model: its graph maps to StaticNet layers, and they are the declared ones (SNN024, naming the
    /// ONNX node and the declared layer). The initializers' sizes were checked when the model was parsed.
    /// </summary>
    internal static Problem? CheckOnnx(NetworkSpec spec, byte[] file)
    {
        OnnxModel model = OnnxModel.Parse(file);
        OnnxMapping mapping = OnnxLayerMapping.Map(model);
        if (mapping.Error is { } error)
        {
            return new Problem(DiagnosticDescriptors.OnnxGraphMismatch, error.Message.TrimEnd('.'));
        }

        var declared = spec.Layers.Select(layer => DeclareForOnnx(layer).Layer).ToList();
        return OnnxNetworkCheck.Match(mapping.Layers!, declared, out _) is { } difference
            ? new Problem(DiagnosticDescriptors.OnnxGraphMismatch, difference)
            : null;
    }

    /// <summary>A tensor as a file stores it: its shape, and its dtype when StaticNet does not read it.</summary>
    private sealed record StoredTensor(IReadOnlyList<long> Shape, string? UnreadableDType, string FloatDTypes);

    private static Problem? FindMismatch(NetworkSpec spec, bool inputsByOutputs, Func<string, StoredTensor?> find)
    {
        foreach (LayerSpec layer in spec.Layers)
        {
            foreach ((string name, long[] shape) in layer.Tensors())
            {
                // A Dense weight is (out, in) in PyTorch's layout; with Layout = InputsByOutputs the file holds (in, out).
                bool matrix = layer is DenseLayer && shape.Length == 2 && name == layer.TensorPrefix + ".weight";
                long[] expected = matrix && inputsByOutputs ? new[] { shape[1], shape[0] } : shape;
                string described = "(" + string.Join(", ", expected) + ")";
                if (find(name) is not { } stored)
                {
                    return new Problem(DiagnosticDescriptors.WeightsMismatch, $"tensor '{name}' with shape {described} is missing");
                }

                if (stored.UnreadableDType is { } dtype)
                {
                    return new Problem(DiagnosticDescriptors.WeightsMismatch, $"tensor '{name}' is {dtype}; expected {stored.FloatDTypes} with shape {described}");
                }

                if (!stored.Shape.SequenceEqual(expected))
                {
                    if (matrix && shape[0] != shape[1] && stored.Shape.Count == 2 && stored.Shape[0] == expected[1] && stored.Shape[1] == expected[0])
                    {
                        return new Problem(DiagnosticDescriptors.WeightsTransposed, DescribeTransposed(name, layer.Display, shape[1], shape[0], inputsByOutputs));
                    }

                    return new Problem(DiagnosticDescriptors.WeightsMismatch, $"tensor '{name}' has shape {SafetensorsMessages.DescribeShape(stored.Shape)}; expected {described}");
                }
            }
        }

        return null;
    }

    private static string DescribeTransposed(string name, string layer, long inputs, long outputs, bool inputsByOutputs)
        => inputsByOutputs
            ? $"tensor '{name}' of {layer} is (out, in) = ({outputs}, {inputs}), but Layout = WeightLayout.InputsByOutputs reads (in, out) = ({inputs}, {outputs}): it looks transposed; remove the Layout option (PyTorch's nn.Linear stores (out, in))"
            : $"tensor '{name}' of {layer} is (in, out) = ({inputs}, {outputs}), but PyTorch's layout (out, in) = ({outputs}, {inputs}) is expected: it looks transposed; add Layout = WeightLayout.InputsByOutputs to [Weights] for (in, out) matrices (NumPy's x @ W, scikit-learn's coefs_)";

    /// <summary>
    /// The embedded file as one base64 UTF-8 literal: the compiler stores it as constant data (no allocation,
    /// resource lookup or reflection, fine for Native AOT), and a single literal token compiles in milliseconds,
    /// where a byte-array initializer of a megabyte takes the compiler tens of seconds.
    /// </summary>
    internal static string EmitEmbeddedWeights(NetworkSpec spec)
    {
        WeightsSpec weights = spec.Weights!;
        long length = (weights.Base64.Length / 4 * 3) - weights.Base64.Count(c => c == '=');
        var w = new SourceWriter();
        w.Line("// <auto-generated/>");
        w.Line(weights.Converted
            ? $"// The weights of {spec.FullName}, embedded at compile time from {weights.FileName} with the dense weights converted to their stored formats ({Literals.Grouped(length)} bytes, base64)."
            : $"// The weights of {spec.FullName}, embedded at compile time from {weights.FileName} ({Literals.Grouped(length)} bytes, base64).");
        w.Line();
        w.Line("#nullable enable");
        w.Line();
        if (spec.Namespace is not null)
        {
            w.Line($"namespace {spec.Namespace};");
            w.Line();
        }

        using (w.Block($"partial {spec.TypeKeyword} {spec.TypeName}"))
        {
            w.Line($"/// <summary>Builds the network from the weights embedded at compile time from <c>{XmlEscape(weights.FileName)}</c>; reads no file.</summary>");
            w.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The embedded data was altered after compilation.</exception>");
            const string Decoded = "global::StaticNet.Weights.EmbeddedWeights.Decode(EmbeddedWeights)";
            string layout = weights.InputsByOutputs ? LayoutInputsByOutputs : LayoutOutputsByInputs;
            w.Line(weights.Format switch
            {
                WeightsFormat.Numpy => $"public static {spec.TypeName} LoadEmbedded() => LoadFrom(global::StaticNet.Weights.NpzReader.Open({Decoded}), {layout});",
                WeightsFormat.Onnx => $"public static {spec.TypeName} LoadEmbedded() => LoadOnnx(new global::System.ReadOnlySpan<byte>({Decoded}));",
                _ when weights.InputsByOutputs => $"public static {spec.TypeName} LoadEmbedded() => LoadFrom(global::StaticNet.Weights.SafetensorsReader.Open({Decoded}), {layout});",
                _ => $"public static {spec.TypeName} LoadEmbedded() => Load({Decoded});",
            });
            w.Line();
            w.Line($"/// <summary>The bytes of <c>{XmlEscape(weights.FileName)}</c> in base64, checked against the layers when this file was generated.</summary>");
            w.Line($"private static global::System.ReadOnlySpan<byte> EmbeddedWeights => \"{weights.Base64}\"u8;");
        }

        return w.ToString();
    }
}
