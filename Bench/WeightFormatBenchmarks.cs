using System;
using BenchmarkDotNet.Attributes;
using StaticNet.Bench.Contenders;

namespace StaticNet.Bench;

/// <summary>
/// The MNIST network with its weights stored as float32, bfloat16 and int8, and in int8 dynamic (int8 inputs too), one thread, against ONNX Runtime running
/// the float32 model and its two int8 graphs (<see cref="OnnxModelWriter.WriteInt8"/>: DynamicQuantizeLinear +
/// MatMulInteger; <see cref="OnnxModelWriter.WriteInt8Blocks"/>: MatMulNBits, the faster at batch 1). Run with
/// <c>--filter '*WeightFormatBenchmarks*'</c>. Each format is checked in its setup: bfloat16 and int8 against float32
/// within 0.1 of each probability (they compute with other weights; the inputs are not digits, so some rows are close calls), ONNX Runtime float32 against StaticNet float32
/// within 1e-5·max(1, |y|), ONNX Runtime's int8 graphs and StaticNet int8 dynamic against StaticNet int8 within 0.1 (they quantise activations too).
/// </summary>
[MemoryDiagnoser]
public class WeightFormatBenchmarks
{
    private float[] _input = [];
    private float[] _output = [];
    private MnistNet? _float32;
    private MnistNetBFloat16? _bfloat16;
    private MnistNetInt8? _int8;
    private MnistNetInt8Dynamic? _int8Dynamic;
    private IContender? _contender;

    /// <summary>Samples per call.</summary>
    [Params(1, 64, 256)]
    public int Batch { get; set; } = 1;

    [Benchmark(Baseline = true)]
    public void Float32() => _float32!.Forward(_input, _output);

    [Benchmark]
    public void BFloat16() => _bfloat16!.Forward(_input, _output);

    [Benchmark]
    public void Int8() => _int8!.Forward(_input, _output);

    [Benchmark]
    public void Int8Dynamic() => _int8Dynamic!.Forward(_input, _output);

    [Benchmark]
    public void OnnxRuntimeFloat32() => _contender!.Run();

    [Benchmark]
    public void OnnxRuntimeInt8() => _contender!.Run();

    [Benchmark]
    public void OnnxRuntimeInt8Blocks() => _contender!.Run();

    [GlobalSetup(Targets = [nameof(Float32), nameof(BFloat16), nameof(Int8), nameof(Int8Dynamic)])]
    public void SetupStaticNet() => Prepare();

    [GlobalSetup(Target = nameof(OnnxRuntimeFloat32))]
    public void SetupOnnxRuntimeFloat32()
    {
        Model model = Prepare();
        _contender = new OnnxRuntimeContender(model, _input, _output, Batch, threads: 1);
        Check("ONNX Runtime float32", Run(_contender), Run(_float32!.Forward), relative: 1e-5f);
    }

    [GlobalSetup(Target = nameof(OnnxRuntimeInt8))]
    public void SetupOnnxRuntimeInt8()
    {
        Model model = Prepare();
        _contender = new OnnxRuntimeContender(OnnxModelWriter.WriteInt8(model), model, _input, _output, Batch, threads: 1);
        Check("ONNX Runtime int8", Run(_contender), Run(_int8!.Forward), absolute: 0.1f);
    }

    [GlobalSetup(Target = nameof(OnnxRuntimeInt8Blocks))]
    public void SetupOnnxRuntimeInt8Blocks()
    {
        Model model = Prepare();
        _contender = new OnnxRuntimeContender(OnnxModelWriter.WriteInt8Blocks(model, accuracyLevel: 4), model, _input, _output, Batch, threads: 1);
        Check("ONNX Runtime int8 (MatMulNBits)", Run(_contender), Run(_int8!.Forward), absolute: 0.1f);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _contender?.Dispose();
        _contender = null;
    }

    private Model Prepare()
    {
        Model model = Model.Create(Model.Mnist);
        _float32 = MnistNet.Load(model.WeightsPath);
        _bfloat16 = MnistNetBFloat16.Load(model.WeightsPath);
        _int8 = MnistNetInt8.Load(model.WeightsPath);
        _int8Dynamic = MnistNetInt8Dynamic.Load(model.WeightsPath);
        _input = GC.AllocateArray<float>(Batch * model.InputSize, pinned: true);
        _output = GC.AllocateArray<float>(Batch * model.OutputSize, pinned: true);
        Model.FillInputs(_input);
        float[] reference = Run(_float32.Forward);
        Check("StaticNet bfloat16", Run(_bfloat16.Forward), reference, absolute: 0.1f);
        Check("StaticNet int8", Run(_int8.Forward), reference, absolute: 0.1f);
        Check("StaticNet int8 dynamic", Run(_int8Dynamic.Forward), Run(_int8.Forward), absolute: 0.1f);
        return model;
    }

    private delegate void ForwardFn(ReadOnlySpan<float> inputs, Span<float> outputs);

    private float[] Run(ForwardFn forward)
    {
        Array.Clear(_output);
        forward(_input, _output);
        return (float[])_output.Clone();
    }

    private float[] Run(IContender contender)
    {
        Array.Clear(_output);
        contender.Run();
        return (float[])_output.Clone();
    }

    private void Check(string who, float[] actual, float[] expected, float relative = 0f, float absolute = 0f)
        => Agreement.Check(who, actual, $"the reference on batch {Batch}", expected, relative, absolute);
}
