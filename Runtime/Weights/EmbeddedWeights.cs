using System;
using System.Buffers;
using System.Buffers.Text;
using System.ComponentModel;
using System.IO;

namespace StaticNet.Weights;

/// <summary>
/// Weights embedded by <c>[Weights]</c>: the generator writes the safetensors file as one base64 UTF-8 string
/// literal, which the compiler stores as constant data in the assembly. One literal is a single token for the
/// compiler, so a megabyte of weights costs well under a second to compile; a byte-array initializer of the
/// same size costs tens of seconds. Decoding happens once per <c>LoadEmbedded</c>.
/// </summary>
/// <remarks>
/// For generated code only (a network's <c>LoadEmbedded</c>), so it is hidden from IntelliSense and may change in
/// any version; call the network's generated <c>LoadEmbedded</c>.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class EmbeddedWeights
{
    /// <summary>Decodes the embedded base64 into the safetensors file's bytes.</summary>
    /// <exception cref="InvalidDataException">The data is not valid base64 (the assembly was altered).</exception>
    public static byte[] Decode(ReadOnlySpan<byte> base64Utf8)
    {
        var bytes = new byte[Base64.GetMaxDecodedFromUtf8Length(base64Utf8.Length)];
        OperationStatus status = Base64.DecodeFromUtf8(base64Utf8, bytes, out _, out int written);
        if (status != OperationStatus.Done)
        {
            throw new InvalidDataException($"The embedded weights are not valid base64 ({status}); rebuild the assembly.");
        }

        return written == bytes.Length ? bytes : bytes.AsSpan(0, written).ToArray();
    }
}
