using System;
using System.Collections.Generic;
using System.IO;
using StaticNet.Weights;

namespace StaticNet.Bench;

/// <summary>
/// The Sample's LeNet (<see cref="LeNet"/>) in plain arrays, as PyTorch stores them, for the contenders that are not
/// StaticNet: conv1 (8, 1, 5, 5) with padding 2, ReLU, 2×2 max pool, conv2 (16, 8, 5, 5), BatchNorm(16) in eval mode,
/// ReLU, 2×2 max pool, flatten, fc1 (64, 400), ReLU, fc2 (10, 64). Read from the same safetensors file StaticNet
/// loads, so every contender computes the same function. The outputs are logits (no softmax), as in the Sample.
/// </summary>
public sealed class ConvolutionModel
{
    /// <summary>Values per sample in (1 × 28 × 28) and out (10 logits).</summary>
    public const int InputSize = 784, OutputSize = 10;

    /// <summary>The BatchNorm's epsilon, PyTorch's default as declared in the Sample.</summary>
    public const float BatchNormEpsilon = 1e-5f;

    private ConvolutionModel(string path, byte[] file)
    {
        WeightsPath = path;
        var tensors = SafetensorsReader.Open(file);
        Convolution1Weight = tensors.ReadTensor("0.weight", 8, 1, 5, 5);
        Convolution1Bias = tensors.ReadTensor("0.bias", 8);
        Convolution2Weight = tensors.ReadTensor("3.weight", 16, 8, 5, 5);
        Convolution2Bias = tensors.ReadTensor("3.bias", 16);
        NormWeight = tensors.ReadTensor("4.weight", 16);
        NormBias = tensors.ReadTensor("4.bias", 16);
        NormMean = tensors.ReadTensor("4.running_mean", 16);
        NormVariance = tensors.ReadTensor("4.running_var", 16);
        Dense1Weight = tensors.ReadTensor("8.weight", 64, 400);
        Dense1Bias = tensors.ReadTensor("8.bias", 64);
        Dense2Weight = tensors.ReadTensor("11.weight", 10, 64);
        Dense2Bias = tensors.ReadTensor("11.bias", 10);
    }

    /// <summary>The safetensors file the weights came from.</summary>
    public string WeightsPath { get; }

#pragma warning disable CA1819 // Arrays: the contenders copy them into their own tensors.
    /// <summary>conv1.weight (8, 1, 5, 5).</summary>
    public float[] Convolution1Weight { get; }

    /// <summary>conv1.bias (8).</summary>
    public float[] Convolution1Bias { get; }

    /// <summary>conv2.weight (16, 8, 5, 5).</summary>
    public float[] Convolution2Weight { get; }

    /// <summary>conv2.bias (16).</summary>
    public float[] Convolution2Bias { get; }

    /// <summary>BatchNorm weight (γ), bias (β), running mean and running variance, each (16).</summary>
    public float[] NormWeight { get; }

    /// <inheritdoc cref="NormWeight"/>
    public float[] NormBias { get; }

    /// <inheritdoc cref="NormWeight"/>
    public float[] NormMean { get; }

    /// <inheritdoc cref="NormWeight"/>
    public float[] NormVariance { get; }

    /// <summary>fc1.weight (64, 400).</summary>
    public float[] Dense1Weight { get; }

    /// <summary>fc1.bias (64).</summary>
    public float[] Dense1Bias { get; }

    /// <summary>fc2.weight (10, 64).</summary>
    public float[] Dense2Weight { get; }

    /// <summary>fc2.bias (10).</summary>
    public float[] Dense2Bias { get; }
#pragma warning restore CA1819

    /// <summary>FLOP per sample, a multiply-add counted as two, as the generator counts it (<see cref="LeNet.FlopPerSample"/>).</summary>
    public static long FlopPerSample => LeNet.FlopPerSample;

    /// <summary>Reads Sample/Data/lenet.safetensors.</summary>
    public static ConvolutionModel Load()
    {
        string path = WeightsFile();
        return new ConvolutionModel(path, File.ReadAllBytes(path));
    }

    /// <summary>Sample/Data/lenet.safetensors: copied next to the program, or found from the repository.</summary>
    public static string WeightsFile()
    {
        string copied = Path.Combine(AppContext.BaseDirectory, "Data", "lenet.safetensors");
        if (File.Exists(copied))
        {
            return copied;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "Sample", "Data", "lenet.safetensors");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("Sample/Data/lenet.safetensors was not found next to the benchmark or above it.");
    }

    /// <summary>
    /// Safetensors bytes holding some of LeNet's tensors under other names: for the layers declared alone, whose
    /// tensors are "0.*" and "1.*" rather than LeNet's "3.*", "4.*", "8.*", "11.*".
    /// </summary>
    public byte[] Renamed(params (string From, string To)[] renames)
    {
        ArgumentNullException.ThrowIfNull(renames);
        var tensors = new List<(string Name, int[] Shape, float[] Data)>();
        foreach (var (from, to) in renames)
        {
            (int[] shape, float[] data) = from switch
            {
                "3.weight" => ([16, 8, 5, 5], Convolution2Weight),
                "3.bias" => ([16], Convolution2Bias),
                "4.weight" => ([16], NormWeight),
                "4.bias" => ([16], NormBias),
                "4.running_mean" => ([16], NormMean),
                "4.running_var" => ([16], NormVariance),
                "8.weight" => ([64, 400], Dense1Weight),
                "8.bias" => ([64], Dense1Bias),
                "11.weight" => ([10, 64], Dense2Weight),
                "11.bias" => ((int[], float[]))([10], Dense2Bias),
                _ => throw new ArgumentOutOfRangeException(nameof(renames), from, "Not one of LeNet's tensors after its first layer."),
            };
            tensors.Add((to, shape, data));
        }

        return SafetensorsWriter.Write(tensors);
    }
}
