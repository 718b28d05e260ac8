using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Reflection;
using System.Runtime.Intrinsics.X86;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>An instruction-set path of the kernels, called directly in-process.</summary>
public enum KernelPath
{
    /// <summary>The plain .NET path.</summary>
    Scalar,

    /// <summary>128-bit vectors with FMA: ARM64 NEON, and on x64 the same kernels with FMA.</summary>
    Vector128,

    /// <summary>AVX2 + FMA.</summary>
    Vector256,

    /// <summary>AVX-512.</summary>
    Vector512,

    /// <summary>The public entry point, which picks one of the above.</summary>
    Dispatch,
}

/// <summary>Calls one dense kernel instantiation on a chosen path.</summary>
public delegate void DenseForward(KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights);

/// <summary>Helpers shared by the kernel tests.</summary>
internal static class KernelPaths
{
    private static readonly ConcurrentDictionary<(Type Shape, Type Activation), DenseForward> Forwards = new();

    /// <summary>
    /// The vector paths this processor can run, always with the scalar path first. The 128-bit path runs wherever
    /// 128-bit vectors and FMA are in hardware: on ARM64, where it is the dispatched path, and on every x64 processor
    /// with AVX2 (whose FMA it uses), so that every machine compares it bit for bit with the others.
    /// </summary>
    public static IReadOnlyList<KernelPath> Available
    {
        get
        {
            var paths = new List<KernelPath> { KernelPath.Scalar };
            if (VectorPaths.Vector128WithFma)
            {
                paths.Add(KernelPath.Vector128);
            }

            if (Avx2.IsSupported && Fma.IsSupported)
            {
                paths.Add(KernelPath.Vector256);
            }

            if (Avx512F.IsSupported)
            {
                paths.Add(KernelPath.Vector512);
            }

            paths.Add(KernelPath.Dispatch);
            return paths;
        }
    }

    /// <summary>The dense kernel for K × N and an activation name, on any path.</summary>
    public static DenseForward Dense(int inputs, int outputs, string activation)
        => Forwards.GetOrAdd(
            (TestTypes.Shape(inputs, outputs), TestTypes.Activations[activation]),
            key => typeof(KernelPaths)
                .GetMethod(nameof(Forward), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(key.Shape, key.Activation)
                .CreateDelegate<DenseForward>());

    /// <summary>Bits of a float, for exact comparison.</summary>
    public static int Bits(float value) => BitConverter.SingleToInt32Bits(value);

    /// <summary>
    /// Index of the first element whose bits differ, or −1. On ARM64 two NaNs count as equal: when two NaN operands meet
    /// (a NaN input and the NaN ∞ − ∞ makes, whose sign differs from x64's), the scalar fmadd and the vector fmla
    /// return different ones of them. On x64 every NaN's bits must match.
    /// </summary>
    public static int FirstBitDifference(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (Bits(expected[i]) != Bits(actual[i]) && !(!X86Base.IsSupported && float.IsNaN(expected[i]) && float.IsNaN(actual[i])))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Asserts identical bits, naming the first difference.</summary>
    public static void AssertBitIdentical(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        int i = FirstBitDifference(expected, actual);
        if (i >= 0)
        {
            Assert.Fail($"{what}: element {i} is {actual[i]:R} (0x{Bits(actual[i]):X8}), expected {expected[i]:R} (0x{Bits(expected[i]):X8}).");
        }
    }

    /// <summary>Random weights in PyTorch's default range ±1/√K, and bias in ±1/√K.</summary>
    public static (float[] Weight, float[] Bias) RandomLayer(Random random, int inputs, int outputs)
    {
        float bound = 1f / MathF.Sqrt(inputs);
        var weight = new float[inputs * outputs];
        var bias = new float[outputs];
        for (int i = 0; i < weight.Length; i++)
        {
            weight[i] = ((random.NextSingle() * 2f) - 1f) * bound;
        }

        for (int i = 0; i < bias.Length; i++)
        {
            bias[i] = ((random.NextSingle() * 2f) - 1f) * bound;
        }

        return (weight, bias);
    }

    /// <summary>Uniform values in [−scale, scale].</summary>
    public static float[] RandomValues(Random random, int count, float scale = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = ((random.NextSingle() * 2f) - 1f) * scale;
        }

        return values;
    }

    private static void Forward<TShape, TActivation>(KernelPath path, ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        switch (path)
        {
            case KernelPath.Scalar: DenseKernel.ForwardScalar<Float32Weights, TShape, TActivation>(input, output, rows, weights); break;
            case KernelPath.Vector128: DenseKernel.ForwardVector128<Float32Weights, TShape, TActivation>(input, output, rows, weights); break;
            case KernelPath.Vector256: DenseKernel.ForwardVector256<Float32Weights, TShape, TActivation>(input, output, rows, weights); break;
            case KernelPath.Vector512: DenseKernel.ForwardVector512<Float32Weights, TShape, TActivation>(input, output, rows, weights); break;
            default: DenseKernel.Forward<TShape, TActivation>(input, output, rows, weights); break;
        }
    }
}
