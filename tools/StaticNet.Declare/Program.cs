using System;
using System.IO;
using StaticNet;
using StaticNet.Declare;

// Prints the StaticNet declaration that matches a weights file:
//   dotnet run --project tools/StaticNet.Declare -- model.onnx
//   dotnet run --project tools/StaticNet.Declare -- mlp.npz --layout in-out --class DigitsNet
const string Usage = """
    Prints the StaticNet layer declaration that matches a weights file.

    usage: StaticNet.Declare <file> [--layout out-in|in-out] [--class Name]

      <file>      .onnx (the whole graph: layers and activations), .npz or .safetensors (Dense, BatchNorm and
                  LayerNorm layers with their sizes; activations are not in such files and are left for you)
      --layout    how a .npz or .safetensors file stores Dense weights: out-in (PyTorch) or in-out (NumPy,
                  scikit-learn); by default told from how the layers chain
      --class     the class name (default: from the file name)
    """;

string? path = null, className = null;
WeightLayout? layout = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--layout" when i + 1 < args.Length && args[i + 1] is "out-in" or "in-out":
            layout = args[++i] == "in-out" ? WeightLayout.InputsByOutputs : WeightLayout.OutputsByInputs;
            break;
        case "--class" when i + 1 < args.Length:
            className = args[++i];
            break;
        case "-h" or "--help":
            Console.WriteLine(Usage);
            return 0;
        default:
            if (path is not null || args[i].StartsWith('-'))
            {
                Console.Error.WriteLine($"unexpected argument '{args[i]}'\n\n{Usage}");
                return 2;
            }

            path = args[i];
            break;
    }
}

if (path is null)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

try
{
    Console.Write(Declaration.For(Path.GetFileName(path), File.ReadAllBytes(path), layout, className));
    return 0;
}
catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"{path}: {e.Message}");
    return 1;
}
