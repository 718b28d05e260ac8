using System;
using System.Runtime.CompilerServices;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>
/// This project allows unsafe code, so its networks' forward passes leave their stack activations unzeroed
/// ([SkipLocalsInit]): every layer must write all of its output before the next reads it. With the stack below the
/// caller filled with NaN first, every network gives the same bits as on a clean stack, at batch sizes that run one
/// block, several, and blocks of unequal size.
/// </summary>
public sealed class StackPoisonTests
{
    /// <summary>Floats of NaN written below the caller: twice the generated code's stack budget for activations.</summary>
    private const int PoisonFloats = 32 * 1024;

    private static float _sink;

    [Theory]
    [MemberData(nameof(NetworkTests.CaseNames), MemberType = typeof(NetworkTests))]
    public void A_stack_full_of_NaN_changes_no_output(string name)
    {
        NetworkTests.Case c = NetworkTests.Cases[name];
        var random = new Random(name.Length * 31);
        var forward = c.Load(RandomWeights.File(c.Layers, RandomWeights.For(c.Layers, random)));
        int inputSize = new ReferenceNetwork(c.Layers, new System.Collections.Generic.Dictionary<string, float[]>()).InputSize;
        foreach (int batch in new[] { 1, 7, 32, 33 })
        {
            float[] inputs = RandomWeights.Inputs(batch * inputSize, random);
            float[] clean = forward(inputs);
            PoisonStack();
            float[] poisoned = forward(inputs);
            Assert.Equal(NetworkTests.Bits(clean), NetworkTests.Bits(poisoned));
        }
    }

    [Fact]
    public void A_stack_full_of_NaN_changes_no_output_in_the_narrow_weight_formats()
    {
        var random = new Random(77);
        byte[] mnistFile = RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, random));
        (string Name, Func<float[], float[]> Forward)[] networks =
        [
            ("bfloat16", Runner(BFloat16MnistNet.Load(mnistFile).Forward, BFloat16MnistNet.InputSize, BFloat16MnistNet.OutputSize)),
            ("int8", Runner(Int8MnistNet.Load(mnistFile).Forward, Int8MnistNet.InputSize, Int8MnistNet.OutputSize)),
            ("int8 dynamic", Runner(Int8DynamicMnistNet.Load(mnistFile).Forward, Int8DynamicMnistNet.InputSize, Int8DynamicMnistNet.OutputSize)),
        ];
        foreach ((string name, Func<float[], float[]> forward) in networks)
        {
            foreach (int batch in new[] { 1, 7, 32, 33 })
            {
                float[] inputs = RandomWeights.Inputs(batch * 784, random);
                float[] clean = forward(inputs);
                PoisonStack();
                Assert.True(NetworkTests.Bits(clean).AsSpan().SequenceEqual(NetworkTests.Bits(forward(inputs))), $"{name}, batch {batch}");
            }
        }
    }

    [Fact]
    public void The_poison_reaches_the_frames_of_what_is_called_next()
    {
        // Called once first, as the networks are: a method's first call compiles it, and the JIT's own frames, below
        // the caller's, would overwrite the poison.
        ReadUnzeroedStack();
        PoisonStack();
        Assert.True(float.IsNaN(ReadUnzeroedStack()));
    }

    /// <summary>A value from memory stackalloc leaves unzeroed, as the generated ForwardBlock's activations.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float ReadUnzeroedStack()
    {
        Span<float> activations = stackalloc float[1024];
        return activations[512];
    }

    private static Func<float[], float[]> Runner(NetworkTests.ForwardFn forward, int inputSize, int outputSize)
        => inputs => NetworkTests.Run(inputs, inputSize, outputSize, forward);

    /// <summary>
    /// Fills the stack below the caller with NaN, where the forward pass called next puts its frames (already compiled:
    /// each test runs it on a clean stack first).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PoisonStack()
    {
        Span<float> below = stackalloc float[PoisonFloats];
        below.Fill(float.NaN);
        _sink += below[PoisonFloats / 2];
    }
}
