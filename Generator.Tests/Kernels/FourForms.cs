using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary>Checks that the scalar, 128-, 256- and 512-bit forms of an element-wise function agree bit for bit.</summary>
internal static class FourForms
{
    /// <summary>Every special float: NaNs with payloads and signs, ±∞, ±MaxValue, ±0, subnormals, the normal limits.</summary>
    public static readonly float[] Specials =
    [
        float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FC12345), BitConverter.Int32BitsToSingle(0x7F800001),
        BitConverter.Int32BitsToSingle(unchecked((int)0xFF812345)), float.PositiveInfinity, float.NegativeInfinity,
        0f, -0f, float.Epsilon, -float.Epsilon, 1e-40f, -1e-40f, 1.17549435e-38f, -1.17549435e-38f, 1.1754942e-38f, -1.1754942e-38f,
        float.MaxValue, -float.MaxValue, 1e30f, -1e30f, 1f, -1f, 0.5f, -0.5f, 2f, -2f, 100f, -100f, 1000f, -1000f, 1e-8f, -1e-8f,
    ];

    /// <summary>
    /// The specials, each of <paramref name="thresholds"/> with its 4 float neighbours on each side and negated, then
    /// random values to a million: half any bit pattern (every exponent, NaN payloads), half uniform in ±<paramref name="range"/>.
    /// </summary>
    public static float[] Inputs(int seed, float range, params float[] thresholds)
    {
        var values = new List<float>(Specials);
        foreach (float t in thresholds)
        {
            float below = t;
            float above = t;
            for (int i = 0; i < 5; i++)
            {
                values.Add(below);
                values.Add(above);
                values.Add(-below);
                values.Add(-above);
                below = MathF.BitDecrement(below);
                above = MathF.BitIncrement(above);
            }
        }

        var random = new Random(seed);
        while (values.Count < 1_000_000)
        {
            values.Add(values.Count % 2 == 0
                ? BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31))
                : ((random.NextSingle() * 2f) - 1f) * range);
        }

        while (values.Count % Vector512<float>.Count != 0)
        {
            values.Add(0f);
        }

        return values.ToArray();
    }

    /// <summary>The scalar form on every input.</summary>
    public static float[] Scalar<TFunction>(float[] x)
        where TFunction : struct, IActivation
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = TFunction.Apply(x[i]);
        }

        return y;
    }

    /// <summary>
    /// Asserts that the 128-, 256- and 512-bit forms give the scalar form's bits on every input (x.Length a multiple
    /// of 16). A width the processor does not accelerate is skipped (its software fallback would only be slow).
    /// </summary>
    public static void AssertAgree<TFunction>(float[] x, string name)
        where TFunction : struct, IActivation
    {
        float[] scalar = Scalar<TFunction>(x);
        var forms = new List<(string Name, float[] Values)>();
        if (Vector128.IsHardwareAccelerated)
        {
            var y = new float[x.Length];
            for (int i = 0; i < x.Length; i += Vector128<float>.Count)
            {
                TFunction.Apply(Vector128.Create(x.AsSpan(i, Vector128<float>.Count))).CopyTo(y.AsSpan(i));
            }

            forms.Add(("Vector128", y));
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var y = new float[x.Length];
            for (int i = 0; i < x.Length; i += Vector256<float>.Count)
            {
                TFunction.Apply(Vector256.Create(x.AsSpan(i, Vector256<float>.Count))).CopyTo(y.AsSpan(i));
            }

            forms.Add(("Vector256", y));
        }

        if (Vector512.IsHardwareAccelerated)
        {
            var y = new float[x.Length];
            for (int i = 0; i < x.Length; i += Vector512<float>.Count)
            {
                TFunction.Apply(Vector512.Create(x.AsSpan(i, Vector512<float>.Count))).CopyTo(y.AsSpan(i));
            }

            forms.Add(("Vector512", y));
        }

        foreach ((string form, float[] y) in forms)
        {
            for (int i = 0; i < x.Length; i++)
            {
                if (KernelPaths.Bits(scalar[i]) != KernelPaths.Bits(y[i]))
                {
                    Assert.Fail($"{name}({x[i]:R} = 0x{KernelPaths.Bits(x[i]):X8}): scalar {scalar[i]:R} (0x{KernelPaths.Bits(scalar[i]):X8}), " +
                        $"{form} {y[i]:R} (0x{KernelPaths.Bits(y[i]):X8}).");
                }
            }
        }
    }

    /// <summary>Distance in units in the last place between a float and the double result rounded to float (±0 are 0 apart).</summary>
    public static long Ulps(float actual, double exact)
    {
        static long Ordered(float f)
        {
            int bits = BitConverter.SingleToInt32Bits(f);
            return bits < 0 ? -(long)(bits & 0x7FFFFFFF) : bits;
        }

        return Math.Abs(Ordered(actual) - Ordered((float)exact));
    }
}
