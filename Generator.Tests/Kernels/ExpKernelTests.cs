using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary><see cref="ExpKernel"/>: its three forms agree bit for bit, and it is accurate.</summary>
public sealed class ExpKernelTests
{
    // Exactly the kernel's clamps (88.72283935546875 and −103.97208), ln(float.MaxValue), the smallest normal
    // result and the smallest subnormal result, each with its float neighbours below.
    private static readonly float[] Thresholds = [88.72283935546875f, -103.97208f, 88.72284f, 88.7228391f, -87.33654f, -103.2789f, 0.34657359f];

    [Fact]
    public void Scalar_Vector256_and_Vector512_agree_bit_for_bit_on_a_million_inputs_and_specials()
    {
        float[] x = Inputs();
        float[] scalar = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            scalar[i] = ExpKernel.Exp(x[i]);
        }

        float[] narrow = new float[x.Length];
        for (int i = 0; i < x.Length; i += Vector256<float>.Count)
        {
            ExpKernel.Exp(Vector256.Create(x.AsSpan(i, Vector256<float>.Count))).CopyTo(narrow.AsSpan(i));
        }

        float[] wide = new float[x.Length];
        for (int i = 0; i < x.Length; i += Vector512<float>.Count)
        {
            ExpKernel.Exp(Vector512.Create(x.AsSpan(i, Vector512<float>.Count))).CopyTo(wide.AsSpan(i));
        }

        for (int i = 0; i < x.Length; i++)
        {
            if (KernelPaths.Bits(scalar[i]) != KernelPaths.Bits(narrow[i]) || KernelPaths.Bits(scalar[i]) != KernelPaths.Bits(wide[i]))
            {
                Assert.Fail($"exp({x[i]:R} = 0x{KernelPaths.Bits(x[i]):X8}): scalar 0x{KernelPaths.Bits(scalar[i]):X8}, " +
                    $"Vector256 0x{KernelPaths.Bits(narrow[i]):X8}, Vector512 0x{KernelPaths.Bits(wide[i]):X8}.");
            }
        }
    }

    [Fact]
    public void Is_within_2_ulp_of_the_double_exp_wherever_the_result_is_a_normal_float()
    {
        var random = new Random(2);
        int worst = 0;
        float worstAt = 0;
        for (int i = 0; i < 1_000_000; i++)
        {
            // −87.33 .. 88.72: e^x is a normal float (the smallest normal is e^−87.3365).
            float x = i < 20_000 ? -87.33f + (i * ((88.72f + 87.33f) / 20_000f)) : -87.33f + (random.NextSingle() * (88.72f + 87.33f));
            int ulps = UlpDistance(ExpKernel.Exp(x), Math.Exp(x));
            if (ulps > worst)
            {
                worst = ulps;
                worstAt = x;
            }
        }

        Assert.True(worst <= 2, $"{worst} ulp at x = {worstAt:R}.");
    }

    [Fact]
    public void Handles_special_values_and_the_clamps()
    {
        Assert.True(float.IsNaN(ExpKernel.Exp(float.NaN)));
        Assert.Equal(float.PositiveInfinity, ExpKernel.Exp(float.PositiveInfinity));
        Assert.Equal(0, KernelPaths.Bits(ExpKernel.Exp(float.NegativeInfinity)));
        Assert.Equal(1f, ExpKernel.Exp(0f));
        Assert.Equal(1f, ExpKernel.Exp(-0f));
        Assert.Equal(1f, ExpKernel.Exp(float.Epsilon));
        Assert.Equal(float.PositiveInfinity, ExpKernel.Exp(89f));
        Assert.Equal(float.PositiveInfinity, ExpKernel.Exp(float.MaxValue));
        Assert.Equal(0, KernelPaths.Bits(ExpKernel.Exp(-104f)));
        Assert.Equal(0, KernelPaths.Bits(ExpKernel.Exp(-float.MaxValue)));
        Assert.True(float.IsFinite(ExpKernel.Exp(88.72f)));

        // Just inside the clamps the results are a finite float and a subnormal, not ∞ and 0.
        Assert.True(ExpKernel.Exp(88.7228f) > 3.4e38f && float.IsFinite(ExpKernel.Exp(88.7228f)));
        Assert.True(ExpKernel.Exp(-103f) > 0f && ExpKernel.Exp(-103f) < 1.2e-38f);
    }

    /// <summary>Distance in units in the last place between a float and the correctly rounded double result.</summary>
    private static int UlpDistance(float actual, double exact)
    {
        float rounded = (float)exact;
        return Math.Abs(KernelPaths.Bits(actual) - KernelPaths.Bits(rounded));
    }

    private static float[] Inputs()
    {
        var values = new List<float>
        {
            float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC12345), BitConverter.Int32BitsToSingle(0x7F800001),
            BitConverter.Int32BitsToSingle(unchecked((int)0xFF812345)), float.PositiveInfinity, float.NegativeInfinity,
            0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, 1.17549435e-38f, -1.17549435e-38f,
            float.MaxValue, -float.MaxValue, 1f, -1f, 0.5f, -0.5f, 100f, -100f, 1000f, -1000f,
        };
        foreach (float t in Thresholds)
        {
            float below = t;
            float above = t;
            for (int i = 0; i < 4; i++)
            {
                values.Add(below);
                values.Add(above);
                values.Add(-below);
                below = MathF.BitDecrement(below);
                above = MathF.BitIncrement(above);
            }
        }

        var random = new Random(1);
        while (values.Count < 1_000_000)
        {
            // Half any bit pattern (every exponent, NaN payloads), half the interesting range.
            values.Add(values.Count % 2 == 0
                ? BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31))
                : -110f + (random.NextSingle() * 200f));
        }

        while (values.Count % Vector512<float>.Count != 0)
        {
            values.Add(0f);
        }

        return values.ToArray();
    }
}
