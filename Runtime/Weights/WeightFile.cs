using System;
using System.ComponentModel;
using System.IO;

namespace StaticNet.Weights;

/// <summary>The weight file formats a network's generated <c>Load(string path)</c> reads.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public enum WeightFileFormat
{
    /// <summary>safetensors (PyTorch names, (out, in) weights).</summary>
    Safetensors,

    /// <summary>A NumPy .npz archive.</summary>
    Numpy,

    /// <summary>An ONNX model.</summary>
    Onnx,
}

/// <summary>Tells the weight file formats apart by their extension, for a network's generated <c>Load(string path)</c>.</summary>
/// <remarks>For generated code, so it is hidden from IntelliSense and may change in any version.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WeightFile
{
    /// <summary><c>.onnx</c> is ONNX, <c>.npz</c> NumPy, anything else safetensors.</summary>
    /// <exception cref="InvalidDataException">The path is a <c>.npy</c> file, which holds one array where a network needs several.</exception>
    public static WeightFileFormat FormatOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            return WeightFileFormat.Onnx;
        }

        if (path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
        {
            return WeightFileFormat.Numpy;
        }

        if (path.EndsWith(".npy", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"'{SafetensorsMessages.Shown(Path.GetFileName(path))}' is a .npy file, which holds one array; a network reads several: save them into one .npz (np.savez(\"model.npz\", **{{\"0.weight\": w, \"0.bias\": b, ...}})).");
        }

        return WeightFileFormat.Safetensors;
    }
}
