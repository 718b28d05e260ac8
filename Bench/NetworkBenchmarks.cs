using System;
using System.Collections.Generic;
using System.IO;
using BenchmarkDotNet.Attributes;
using StaticNet.Bench.Contenders;

namespace StaticNet.Bench;

/// <summary>
/// Whole networks, StaticNet against the usual ways of running them from C#, per network and batch size.
/// Every contender reads the same weights file and the same inputs and is checked against StaticNet's outputs in
/// its setup (|Δ| ≤ 1e-5·max(1, |y|), else the case fails loudly). Calls write into arrays made in the setup.
/// </summary>
[MemoryDiagnoser]
public class NetworkBenchmarks
{
    /// <summary>Batch sizes of the full run (quick mode: <see cref="QuickBatches"/>).</summary>
    public static readonly int[] FullBatches = [1, 8, 64, 256, 4096];

    /// <summary>Batch sizes of <c>--quick</c>.</summary>
    public static readonly int[] QuickBatches = [1, 64];

    private float[] _input = [];
    private float[] _output = [];
    private MnistNet? _mnist;
    private WideNet? _wide;
    private bool _isWide;
    private IContender? _contender;
    private Model? _model;
    private float[] _reference = [];
    private string _method = "";
    private MachineLoad? _load;

    /// <summary>Set by <c>--quick</c> before the run: fewer batch sizes.</summary>
    public static bool Quick { get; set; }

    /// <summary><see cref="Model.Mnist"/> (784→128→64→10) or <see cref="Model.Wide"/> (1024→1024→1024→10).</summary>
    [Params(Model.Mnist, Model.Wide)]
    public string Network { get; set; } = Model.Mnist;

    /// <summary>Samples per call.</summary>
    [ParamsSource(nameof(Batches))]
    public int Batch { get; set; } = 1;

    /// <summary>The batch sizes of this run.</summary>
    public static IEnumerable<int> Batches => Quick ? QuickBatches : FullBatches;

    /// <summary>StaticNet's <c>Forward</c>: the calling thread only.</summary>
    [Benchmark(Baseline = true)]
    public void StaticNet()
    {
        if (_isWide)
        {
            _wide!.Forward(_input, _output);
        }
        else
        {
            _mnist!.Forward(_input, _output);
        }
    }

    /// <summary>StaticNet's <c>ForwardParallel</c>: every core (one thread below its work threshold).</summary>
    [Benchmark]
    public void StaticNetParallel()
    {
        if (_isWide)
        {
            _wide!.ForwardParallel(_input, _output);
        }
        else
        {
            _mnist!.ForwardParallel(_input, _output);
        }
    }

    /// <summary>Plain C# triple loop.</summary>
    [Benchmark]
    public void Naive() => _contender!.Run();

    /// <summary>System.Numerics.Tensors' TensorPrimitives.</summary>
    [Benchmark]
    public void TensorPrimitives() => _contender!.Run();

    /// <summary>ONNX Runtime, one intra-op thread.</summary>
    [Benchmark]
    public void OnnxRuntime() => _contender!.Run();

    /// <summary>ONNX Runtime, one intra-op thread per core.</summary>
    [Benchmark]
    public void OnnxRuntimeParallel() => _contender!.Run();

#if TORCHSHARP
    /// <summary>TorchSharp (libtorch), one thread.</summary>
    [Benchmark]
    public void TorchSharp() => _contender!.Run();
#endif

    [GlobalSetup(Target = nameof(StaticNet))]
    public void SetupStaticNet() => Prepare(nameof(StaticNet));

    [GlobalSetup(Target = nameof(StaticNetParallel))]
    public void SetupStaticNetParallel() => Prepare(nameof(StaticNetParallel));

    [GlobalSetup(Target = nameof(Naive))]
    public void SetupNaive()
    {
        Prepare(nameof(Naive));
        Use(new NaiveContender(_model!, _input, _output, Batch));
    }

    [GlobalSetup(Target = nameof(TensorPrimitives))]
    public void SetupTensorPrimitives()
    {
        Prepare(nameof(TensorPrimitives));
        Use(new TensorPrimitivesContender(_model!, _input, _output, Batch));
    }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        Prepare(nameof(OnnxRuntime));
        Use(new OnnxRuntimeContender(_model!, _input, _output, Batch, threads: 1));
    }

    [GlobalSetup(Target = nameof(OnnxRuntimeParallel))]
    public void SetupOnnxRuntimeParallel()
    {
        Prepare(nameof(OnnxRuntimeParallel));
        Use(new OnnxRuntimeContender(_model!, _input, _output, Batch, threads: Environment.ProcessorCount));
    }

#if TORCHSHARP
    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        LibTorchSharpLoader.Prepare();
        Prepare(nameof(TorchSharp));
        var torch = new TorchSharpContender(_model!, _input, Batch);
        _contender = torch;
        float[] output = new float[_output.Length];
        torch.RunInto(output);
        Check("TorchSharp", output);
    }
#endif

    [GlobalCleanup]
    public void Cleanup()
    {
        _load?.Save(CaseName(_method, Network, Batch));
        _contender?.Dispose();
        _contender = null;
        if (_model is not null && _model.Name == Model.Wide)
        {
            File.Delete(_model.WeightsPath);
        }
    }

    /// <summary>
    /// Loads the network (StaticNet's and the plain-array copy), makes the inputs, and keeps StaticNet's outputs as
    /// the reference the other contenders are checked against.
    /// </summary>
    private void Prepare(string method)
    {
        _method = method;
        _model = Model.Create(Network);
        _isWide = Network == Model.Wide;
        _mnist = _isWide ? null : MnistNet.Load(_model.WeightsPath);
        _wide = _isWide ? WideNet.Load(_model.WeightsPath) : null;

        // Pinned: ONNX Runtime wraps these arrays without copying.
        _input = GC.AllocateArray<float>(Batch * _model.InputSize, pinned: true);
        _output = GC.AllocateArray<float>(Batch * _model.OutputSize, pinned: true);
        Model.FillInputs(_input);
        StaticNet();
        _reference = (float[])_output.Clone();
        _load = MachineLoad.Start();
    }

    /// <summary>Runs the contender once into a cleared output array and checks it against StaticNet's.</summary>
    private void Use(IContender contender)
    {
        _contender = contender;
        Array.Clear(_output);
        contender.Run();
        Check(contender.GetType().Name, _output);
    }

    /// <summary>The name a case's <see cref="MachineLoad"/> figure is filed under.</summary>
    public static string CaseName(string method, string network, int batch) => $"{method}-{network}-{batch}";

    /// <summary>Fails the case unless every output is within 1e-5·max(1, |y|) of StaticNet's.</summary>
    private void Check(string who, float[] output)
        => Agreement.Check(who, output, $"StaticNet on {Network}, batch {Batch}", _reference, relative: 1e-5f, rowWidth: _model!.OutputSize);
}
