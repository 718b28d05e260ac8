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
/// The <c>[Weights]</c> step: check a safetensors file against the declared layers and embed it.
/// </summary>
/// <remarks>
/// Roslyn gives generators AdditionalFiles only as decoded text, which mangles binary files
/// (dotnet/roslyn#47292), and a generator must not read files behind the compiler's back. So the StaticNet
/// build step (<c>Runtime/build/StaticNet.targets</c>, shipped in the package) turns each <c>.safetensors</c>
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

        string? problem;
        try
        {
            problem = FindMismatch(spec, ParseHeader(file.Base64));
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsUnreadable, request.Location, request.Path, e.Message));
        }

        if (problem is not null)
        {
            return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsMismatch, request.Location, request.Path, problem));
        }

        string? converted;
        try
        {
            converted = ConvertEmbeddedWeights(spec, file.Base64);
        }
        catch (InvalidDataException e)
        {
            return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.WeightsMismatch, request.Location, request.Path, e.Message));
        }

        return new ResolvedNetwork(
            spec with { Weights = new WeightsSpec(Path.GetFileName(file.OriginalPath), converted ?? file.Base64, Converted: converted is not null) },
            EquatableArray<DiagnosticInfo>.Empty);

        static ResolvedNetwork Failed(DiagnosticInfo diagnostic)
            => new(null, new EquatableArray<DiagnosticInfo>(new[] { diagnostic }));
    }

    /// <summary>
    /// Reads the safetensors header out of the base64 text without decoding the weights: a megabyte of weights
    /// costs one character scan, not a decode and re-encode, on every build. The scan also guarantees the text
    /// is plain base64, the form the emitted literal and the run-time decoder need.
    /// </summary>
    internal static SafetensorsHeader ParseHeader(string base64)
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

    /// <summary>The first tensor the network reads that the file lacks or holds in another shape or dtype; null if all fit.</summary>
    internal static string? FindMismatch(NetworkSpec spec, SafetensorsHeader header)
    {
        foreach ((LayerSpec layer, string name, long[] shape) in spec.Layers.SelectMany(l => l.Tensors().Select(t => (l, t.Name, t.Shape))))
        {
            string expected = "(" + string.Join(", ", shape) + ")";
            if (!header.TryGetTensor(name, out TensorEntry entry))
            {
                return $"tensor '{name}' with shape {expected} is missing";
            }

            if (entry.DType == "I8" && layer is DenseLayer { Format: StoredFormat.Int8 } dense && name == dense.TensorPrefix + ".weight")
            {
                // An int8 file, kept as it is: the weight I8 (out, in) and its scales F32 (out) or (out, 1).
                string? scaleProblem = !entry.Shape.SequenceEqual(shape) ? $"tensor '{name}' has shape {entry.DescribeShape()}; expected {expected}"
                    : !header.TryGetTensor(name + "_scale", out TensorEntry scale) ? $"tensor '{name}' is I8, but its scales '{name}_scale' with shape ({dense.Outputs}) are missing"
                    : !scale.IsFloat || !(scale.Shape.SequenceEqual(new long[] { dense.Outputs }) || scale.Shape.SequenceEqual(new long[] { dense.Outputs, 1 }))
                        ? $"tensor '{name}_scale' is {scale.DType} {scale.DescribeShape()}; expected {TensorEntry.FloatDTypes} with shape ({dense.Outputs}) or ({dense.Outputs}, 1)"
                    : null;
                if (scaleProblem is not null)
                {
                    return scaleProblem;
                }

                continue;
            }

            if (!entry.IsFloat)
            {
                return $"tensor '{name}' is {entry.DType}; expected {TensorEntry.FloatDTypes} with shape {expected}";
            }

            if (!entry.Shape.SequenceEqual(shape))
            {
                return $"tensor '{name}' has shape {entry.DescribeShape()}; expected {expected}";
            }
        }

        return null;
    }

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
            w.Line($"public static {spec.TypeName} LoadEmbedded() => Load(global::StaticNet.Weights.EmbeddedWeights.Decode(EmbeddedWeights));");
            w.Line();
            w.Line($"/// <summary>The bytes of <c>{XmlEscape(weights.FileName)}</c> in base64, checked against the layers when this file was generated.</summary>");
            w.Line($"private static global::System.ReadOnlySpan<byte> EmbeddedWeights => \"{weights.Base64}\"u8;");
        }

        return w.ToString();
    }
}
