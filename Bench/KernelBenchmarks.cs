using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Kernels;

namespace StaticNet.Bench;

/// <summary>784 → 128 (MNIST's first layer).</summary>
public readonly struct Mnist784x128 : IDenseShape
{
    /// <inheritdoc/>
    public static int Inputs => 784;

    /// <inheritdoc/>
    public static int Outputs => 128;
}

/// <summary>1024 → 1024: 4 MB of weights, more than L2.</summary>
public readonly struct Square1024 : IDenseShape
{
    /// <inheritdoc/>
    public static int Inputs => 1024;

    /// <inheritdoc/>
    public static int Outputs => 1024;
}

/// <summary>The dense kernel through its public dispatcher, ReLU epilogue, at latency and throughput batch sizes.</summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private float[] _input = [];
    private float[] _output = [];
    private DenseWeights? _weights;

    /// <summary>K × N.</summary>
    [Params("784x128", "1024x1024")]
    public string Shape { get; set; } = "784x128";

    /// <summary>Rows per call.</summary>
    [Params(1, 8, 64, 256)]
    public int Rows { get; set; }

    /// <summary>K and N of <see cref="Shape"/>.</summary>
    public static (int K, int N) Size(string shape) => shape == "784x128" ? (784, 128) : (1024, 1024);

    [GlobalSetup]
    public void Setup()
    {
        (int k, int n) = Size(Shape);
        var random = new Random(42);
        (float[] weight, float[] bias) = Model.RandomLayer(k, n, random);
        _weights = DenseWeights.Pack(weight, bias, k, n);
        _input = new float[Rows * k];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = random.NextSingle() - 0.5f;
        }

        _output = new float[Rows * n];
    }

    [Benchmark]
    public void Dense()
    {
        if (Shape == "784x128")
        {
            DenseKernel.Forward<Mnist784x128, ReLUActivation>(_input, _output, Rows, _weights!);
        }
        else
        {
            DenseKernel.Forward<Square1024, ReLUActivation>(_input, _output, Rows, _weights!);
        }
    }

    /// <summary>The input rows, after <see cref="Setup"/>.</summary>
    internal float[] Input => _input;

    /// <summary>The output rows.</summary>
    internal float[] Output => _output;

    /// <summary>The packed weights, after <see cref="Setup"/>.</summary>
    internal DenseWeights Weights => _weights!;

    /// <summary>The same call through <see cref="ParallelRows"/>.</summary>
    public void RunParallel()
    {
        if (Shape == "784x128")
        {
            ParallelRows.Forward<Mnist784x128, ReLUActivation>(_input, _output, Rows, _weights!);
        }
        else
        {
            ParallelRows.Forward<Square1024, ReLUActivation>(_input, _output, Rows, _weights!);
        }
    }
}

/// <summary><see cref="ParallelRows"/> on the large batches, to set against <see cref="KernelBenchmarks"/>.</summary>
[MemoryDiagnoser]
public class ParallelBenchmarks
{
    private readonly KernelBenchmarks _data = new();

    /// <summary>K × N.</summary>
    [Params("784x128", "1024x1024")]
    public string Shape { get; set; } = "784x128";

    /// <summary>Rows per call.</summary>
    [Params(64, 256)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _data.Shape = Shape;
        _data.Rows = Rows;
        _data.Setup();
    }

    [Benchmark]
    public void DenseParallel() => _data.RunParallel();
}
