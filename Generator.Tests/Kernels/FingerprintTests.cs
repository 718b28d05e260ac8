using System;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>
/// Hashes of kernel outputs recorded on an AVX-512 machine. In one process every path is compared with the
/// scalar path directly; these hashes also tie paths across processes: run the suite with
/// <c>DOTNET_EnableAVX512=0</c> or <c>DOTNET_EnableHWIntrinsic=0</c> (where the scalar FMA comes from the C
/// runtime instead of an instruction) and the same bits must come out.
/// </summary>
public sealed class FingerprintTests
{
    [Theory]
    [InlineData(784, 128, "ReLU", 1, 0x5AFD77ACD5FCED25UL)]
    [InlineData(784, 128, "ReLU", 9, 0x35AD690797F13F99UL)]
    [InlineData(128, 64, "Sigmoid", 17, 0x91AF89FB2FEC227AUL)]
    [InlineData(64, 10, "Tanh", 33, 0xEF342531CEEA23F9UL)]
    [InlineData(97, 257, "LeakyReLU", 7, 0x67FD121E0C9EF003UL)]
    [InlineData(33, 17, "Identity", 5, 0x23C01C6764088A49UL)]
    public void Dense_outputs_match_the_recorded_hash(int inputs, int outputs, string activation, int rows, ulong expected)
    {
        var random = new Random(inputs + outputs + rows);
        var (weight, bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        DenseWeights packed = DenseWeights.Pack(weight, bias, inputs, outputs);
        float[] x = KernelPaths.RandomValues(random, rows * inputs, 3f);
        x[0] = float.NaN;
        x[^1] = float.PositiveInfinity;
        foreach (KernelPath path in KernelPaths.Available)
        {
            var y = new float[rows * outputs];
            KernelPaths.Dense(inputs, outputs, activation)(path, x, y, rows, packed);
            Assert.True(expected == Hash(y), $"{path}: hash 0x{Hash(y):X16}UL, recorded 0x{expected:X16}UL.");
        }
    }

    [Theory]
    [InlineData(10, 0xCA0C62CF494A56BFUL)]
    [InlineData(1000, 0x93FE3D954968214BUL)]
    public void Softmax_outputs_match_the_recorded_hash(int features, ulong expected)
    {
        var random = new Random(features);
        float[] x = KernelPaths.RandomValues(random, 7 * features, 50f);
        foreach (KernelPath path in KernelPaths.Available)
        {
            float[] y = (float[])x.Clone();
            switch (path)
            {
                case KernelPath.Scalar: SoftmaxKernel.ApplyScalar(y, features); break;
                case KernelPath.Vector256: SoftmaxKernel.ApplyVector256(y, features); break;
                case KernelPath.Vector512: SoftmaxKernel.ApplyVector512(y, features); break;
                default: SoftmaxKernel.Apply(y, features); break;
            }

            Assert.True(expected == Hash(y), $"{path}: hash 0x{Hash(y):X16}UL, recorded 0x{expected:X16}UL.");
        }
    }

    /// <summary>64-bit FNV-1a over the bits of every value.</summary>
    private static ulong Hash(ReadOnlySpan<float> values)
    {
        ulong hash = 14695981039346656037UL;
        foreach (float v in values)
        {
            hash = (hash ^ (uint)KernelPaths.Bits(v)) * 1099511628211UL;
        }

        return hash;
    }
}
