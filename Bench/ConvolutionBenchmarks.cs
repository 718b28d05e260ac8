using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Bench.Contenders;

namespace StaticNet.Bench;

/// <summary>
/// The Sample's convolutional network (<see cref="LeNet"/>: two 5×5 convolutions with max pooling, then two dense
/// layers, 1,006,080 FLOP per sample), StaticNet against ONNX Runtime and TorchSharp, each on one thread and on every
/// core, per batch size. Every contender reads Sample/Data/lenet.safetensors and the same inputs and is checked
/// against StaticNet's outputs in its setup (|Δ| ≤ 1e-4·max(1, |y|), else the case fails loudly). Calls write into
/// arrays made in the setup. Run with <c>--filter '*Convolution*'</c>; the per-layer rates are <c>--conv-layers</c>.
/// </summary>
[MemoryDiagnoser]
public class ConvolutionBenchmarks
{
    /// <summary>The network's name in case names and the report.</summary>
    public const string Network = "LeNet";

    /// <summary>How far a contender's logits may be from StaticNet's: different summation orders in float32.</summary>
    public const float Tolerance = 1e-4f;

    private float[] _input = [];
    private float[] _output = [];
    private float[] _reference = [];
    private LeNet? _net;
    private ConvolutionModel? _model;
    private IContender? _contender;
    private string _method = "";
    private MachineLoad? _load;

    /// <summary>Samples per call (the same in <c>--quick</c>: a LeNet batch of 256 takes milliseconds).</summary>
    [Params(1, 8, 64, 256)]
    public int Batch { get; set; } = 1;

    /// <summary>StaticNet's <c>Forward</c>: the calling thread only.</summary>
    [Benchmark(Baseline = true)]
    public void StaticNet() => _net!.Forward(_input, _output);

    /// <summary>StaticNet's <c>ForwardParallel</c>: every core (one thread below its work threshold).</summary>
    [Benchmark]
    public void StaticNetParallel() => _net!.ForwardParallel(_input, _output);

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

    /// <summary>TorchSharp (libtorch), one thread per core.</summary>
    [Benchmark]
    public void TorchSharpParallel() => _contender!.Run();
#endif

    [GlobalSetup(Target = nameof(StaticNet))]
    public void SetupStaticNet() => Prepare(nameof(StaticNet));

    [GlobalSetup(Target = nameof(StaticNetParallel))]
    public void SetupStaticNetParallel()
    {
        Prepare(nameof(StaticNetParallel));
        Array.Clear(_output);
        StaticNetParallel();
        Check("StaticNet ForwardParallel", _output);
    }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        Prepare(nameof(OnnxRuntime));
        UseOnnxRuntime(threads: 1);
    }

    [GlobalSetup(Target = nameof(OnnxRuntimeParallel))]
    public void SetupOnnxRuntimeParallel()
    {
        Prepare(nameof(OnnxRuntimeParallel));
        UseOnnxRuntime(threads: Environment.ProcessorCount);
    }

#if TORCHSHARP
    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        Prepare(nameof(TorchSharp));
        UseTorchSharp(threads: 1);
    }

    [GlobalSetup(Target = nameof(TorchSharpParallel))]
    public void SetupTorchSharpParallel()
    {
        Prepare(nameof(TorchSharpParallel));
        UseTorchSharp(threads: Environment.ProcessorCount);
    }

    private void UseTorchSharp(int threads)
    {
        LibTorchSharpLoader.Prepare();
        var torch = new TorchSharpConvolutionContender(_model!, _input, Batch, threads);
        _contender = torch;
        float[] output = new float[_output.Length];
        torch.RunInto(output);
        Check($"TorchSharp ({threads} threads)", output);
    }
#endif

    [GlobalCleanup]
    public void Cleanup()
    {
        _load?.Save(NetworkBenchmarks.CaseName(_method, Network, Batch));
        _contender?.Dispose();
        _contender = null;
    }

    /// <summary>
    /// Loads StaticNet's network and the plain-array copy, makes the inputs, and keeps StaticNet's <c>Forward</c>
    /// outputs as the reference every contender is checked against.
    /// </summary>
    private void Prepare(string method)
    {
        _method = method;
        _model = ConvolutionModel.Load();
        _net = LeNet.Load(_model.WeightsPath);

        // Pinned: ONNX Runtime wraps these arrays without copying.
        _input = GC.AllocateArray<float>(Batch * ConvolutionModel.InputSize, pinned: true);
        _output = GC.AllocateArray<float>(Batch * ConvolutionModel.OutputSize, pinned: true);
        Model.FillInputs(_input);
        StaticNet();
        _reference = (float[])_output.Clone();
        _load = MachineLoad.Start();
    }

    private void UseOnnxRuntime(int threads)
    {
        _contender = new OnnxRuntimeContender(
            OnnxModelWriter.WriteLeNet(_model!), _input, [Batch, 1, 28, 28], _output, [Batch, ConvolutionModel.OutputSize], threads);
        Array.Clear(_output);
        _contender.Run();
        Check($"ONNX Runtime ({threads} threads)", _output);
    }

    /// <summary>Fails the case unless every output is within <see cref="Tolerance"/>·max(1, |y|) of StaticNet's.</summary>
    private void Check(string who, float[] output)
        => Agreement.Check(who, output, $"StaticNet on {Network}, batch {Batch}", _reference, relative: Tolerance, rowWidth: ConvolutionModel.OutputSize);
}
