using System;
using System.IO;
using System.Linq;
using StaticNet.Generator.Tests.Networks;
using StaticNet.Kernels;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// The kernels for LayerNorm, GELU, GELU (tanh), SiLU, ELU and Softplus against PyTorch itself, without the
/// generator: the fixtures seq_smooth and named_layernorm (tools/make_fixtures.py) run layer by layer through
/// DenseKernel (activations fused in its epilogue), LayerNormKernel and ElementwiseKernel on every instruction-set
/// path. Every path gives the same bits, within |Δ| ≤ 1e-5·max(1, |y|) of PyTorch's float32 eval-mode outputs.
/// </summary>
public sealed class SmoothLayersParityTests
{
    private const int Batch = 37;

    public static TheoryData<string, string> Fixtures()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in new[] { "seq_smooth", "named_layernorm" })
        {
            foreach (string dtype in new[] { "f32", "f16", "bf16" })
            {
                data.Add(model, dtype);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_path_matches_pytorch_and_gives_the_same_bits(string model, string dtype)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "PyTorch");
        byte[] file = File.ReadAllBytes(Path.Combine(directory, $"{model}.{dtype}.safetensors"));
        float[] inputs = PyTorchParityTests.ReadFloats(Path.Combine(directory, $"{model}.inputs.bin"));
        float[] expected = PyTorchParityTests.ReadFloats(Path.Combine(directory, $"{model}.{dtype}.expected.bin"));

        float[]? first = null;
        foreach (KernelPath path in KernelPaths.Available)
        {
            float[] actual = model == "seq_smooth" ? SeqSmooth(path, file, inputs) : NamedLayerNorm(path, file, inputs);
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                double tolerance = 1e-5 * Math.Max(1.0, Math.Abs(expected[i]));
                Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"{model}.{dtype}, {path}: output {i} is {actual[i]:R}, PyTorch {expected[i]:R}.");
            }

            first ??= actual;
            KernelPaths.AssertBitIdentical(first, actual, $"{model}.{dtype}, {path} against {KernelPaths.Available[0]}");
        }
    }

    /// <summary>
    /// Linear(19, 40), LayerNorm(40), GELU, Linear(40, 33), SiLU, Linear(33, 17), ELU(0.7), Linear(17, 24),
    /// Softplus(1.5, 4), Linear(24, 6), GELU(tanh).
    /// </summary>
    private static float[] SeqSmooth(KernelPath path, byte[] file, float[] x)
    {
        float[] h0 = Dense<Shape<D19, D40>, IdentityActivation>(path, file, "0", x);
        LayerNorm(path, h0, LayerNormWeights.Read(SafetensorsReader.Open(file), "1", 40, 1e-5f));
        Elementwise<GeluActivation>(path, h0);
        float[] h3 = Dense<Shape<D40, D33>, SiLUActivation>(path, file, "3", h0);
        float[] h5 = Dense<Shape<D33, D17>, EluActivation<Alpha07>>(path, file, "5", h3);
        float[] h7 = Dense<Shape<D17, D24>, SoftplusActivation<Beta15, Threshold4>>(path, file, "7", h5);
        return Dense<Shape<D24, D6>, GeluTanhActivation>(path, file, "9", h7);
    }

    /// <summary>norm_in LayerNorm(13, eps 0.01), fc1 Linear(13, 31), GELU, norm1 LayerNorm(31), head Linear(31, 5), Softplus.</summary>
    private static float[] NamedLayerNorm(KernelPath path, byte[] file, float[] x)
    {
        float[] h = x.ToArray();
        LayerNorm(path, h, LayerNormWeights.Read(SafetensorsReader.Open(file), "norm_in", 13, 1e-2f));
        float[] h1 = Dense<Shape<D13, D31>, GeluActivation>(path, file, "fc1", h);
        LayerNorm(path, h1, LayerNormWeights.Read(SafetensorsReader.Open(file), "norm1", 31, 1e-5f));
        return Dense<Shape<D31, D5>, SoftplusActivation<One, Twenty>>(path, file, "head", h1);
    }

    private static float[] Dense<TShape, TActivation>(KernelPath path, byte[] file, string prefix, float[] x)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        SafetensorsReader reader = SafetensorsReader.Open(file);
        DenseWeights weights = DenseWeights.Pack(
            reader.ReadTensor(prefix + ".weight", TShape.Outputs, TShape.Inputs),
            reader.ReadTensor(prefix + ".bias", TShape.Outputs),
            TShape.Inputs,
            TShape.Outputs);
        var y = new float[Batch * TShape.Outputs];
        switch (path)
        {
            case KernelPath.Scalar: DenseKernel.ForwardScalar<Float32Weights, TShape, TActivation>(x, y, Batch, weights); break;
            case KernelPath.Vector128: DenseKernel.ForwardVector128<Float32Weights, TShape, TActivation>(x, y, Batch, weights); break;
            case KernelPath.Vector256: DenseKernel.ForwardVector256<Float32Weights, TShape, TActivation>(x, y, Batch, weights); break;
            case KernelPath.Vector512: DenseKernel.ForwardVector512<Float32Weights, TShape, TActivation>(x, y, Batch, weights); break;
            default: DenseKernel.Forward<TShape, TActivation>(x, y, Batch, weights); break;
        }

        return y;
    }

    private static void LayerNorm(KernelPath path, Span<float> values, LayerNormWeights weights)
    {
        switch (path)
        {
            case KernelPath.Scalar: LayerNormKernel.ApplyScalar(values, weights.Features, weights); break;
            case KernelPath.Vector128: LayerNormKernel.ApplyVector128(values, weights.Features, weights); break;
            case KernelPath.Vector256: LayerNormKernel.ApplyVector256(values, weights.Features, weights); break;
            case KernelPath.Vector512: LayerNormKernel.ApplyVector512(values, weights.Features, weights); break;
            default: LayerNormKernel.Apply(values, weights.Features, weights); break;
        }
    }

    private static void Elementwise<TActivation>(KernelPath path, Span<float> values)
        where TActivation : struct, IActivation
    {
        switch (path)
        {
            case KernelPath.Scalar: ElementwiseKernel.ApplyScalar<TActivation>(values); break;
            case KernelPath.Vector128: ElementwiseKernel.ApplyVector128<TActivation>(values); break;
            case KernelPath.Vector256: ElementwiseKernel.ApplyVector256<TActivation>(values); break;
            case KernelPath.Vector512: ElementwiseKernel.ApplyVector512<TActivation>(values); break;
            default: ElementwiseKernel.Apply<TActivation>(values); break;
        }
    }

    private readonly struct Alpha07 : IFloatConstant
    {
        public static float Value => 0.7f;
    }

    private readonly struct Beta15 : IFloatConstant
    {
        public static float Value => 1.5f;
    }

    private readonly struct Threshold4 : IFloatConstant
    {
        public static float Value => 4f;
    }

    private readonly struct One : IFloatConstant
    {
        public static float Value => 1f;
    }

    private readonly struct Twenty : IFloatConstant
    {
        public static float Value => 20f;
    }

    private readonly struct D6 : IDimension
    {
        public static int Value => 6;
    }

    private readonly struct D13 : IDimension
    {
        public static int Value => 13;
    }

    private readonly struct D19 : IDimension
    {
        public static int Value => 19;
    }

    private readonly struct D24 : IDimension
    {
        public static int Value => 24;
    }

    private readonly struct D40 : IDimension
    {
        public static int Value => 40;
    }
}
