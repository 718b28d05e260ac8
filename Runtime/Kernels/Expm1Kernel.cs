using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// e^x − 1 in four forms (scalar, 4, 8 and 16 lanes) that agree bit for bit, for ELU. Computing e^x − 1
/// directly loses every significant bit as x → 0 (e^x rounds to 1); this keeps full relative accuracy there.
/// </summary>
/// <remarks>
/// <para>
/// |x| ≤ ln 2: e^x − 1 = x + x²·P(x), P of degree 6 fitted for this kernel to (e^x − 1 − x)/x² (Chebyshev fit
/// in 40-digit arithmetic, fit error 3.6e-9, coefficients rounded to float), Horner form with fused
/// multiply-adds; x itself is added last, exactly as given. Elsewhere e^x − 1 with <see cref="ExpKernel"/>'s
/// exp: below −ln 2, e^x &lt; 1/2 and the result lies in (−1, −1/2], whose ulp is at least e^x's, so exp's error
/// passes through undiminished but not magnified; above ln 2 the result exceeds 1 and exp's relative error grows
/// at most by e^x/(e^x − 1) ≤ 2. A single algorithm (not exp's range reduction repeated) keeps the kernel short
/// and its bits tied to the exp every other activation uses.
/// </para>
/// <para>
/// Measured (Generator.Tests TranscendentalKernelTests, a million inputs, against a double-precision reference):
/// at most 1 ulp for x ≤ ln 2 (ELU's range is x ≤ 0) and 2 ulp above (the test allows 2 and 4). e^x − 1 of ±0 is ±0, of −∞ exactly −1, of +∞ +∞,
/// of NaN NaN; large negative x gives exactly −1 and x above ln(float.MaxValue) gives +∞.
/// </para>
/// </remarks>
internal static class Expm1Kernel
{
    private const float Ln2 = 0.6931472f;

    private const float P6 = 2.503434370737523e-05f;
    private const float P5 = 0.00020074239000678062f;
    private const float P4 = 0.001388832926750183f;
    private const float P3 = 0.008332773111760616f;
    private const float P2 = 0.0416666716337204f;
    private const float P1 = 0.16666670143604279f;
    private const float P0 = 0.5f;

    /// <summary>e^x − 1 for one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Expm1(float x)
    {
        if (MathF.Abs(x) <= Ln2)
        {
            float p = MathF.FusedMultiplyAdd(P6, x, P5);
            p = MathF.FusedMultiplyAdd(p, x, P4);
            p = MathF.FusedMultiplyAdd(p, x, P3);
            p = MathF.FusedMultiplyAdd(p, x, P2);
            p = MathF.FusedMultiplyAdd(p, x, P1);
            p = MathF.FusedMultiplyAdd(p, x, P0);
            float near = MathF.FusedMultiplyAdd(x * x, p, x);

            // x² + (−0) would be +0: a zero keeps its sign.
            return x == 0f ? x : near;
        }

        return ExpKernel.Exp(x) - 1f;
    }

    /// <summary>e^x − 1 for 4 values; bit-identical to <see cref="Expm1(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Expm1(Vector128<float> x)
    {
        Vector128<float> p = Vector128.FusedMultiplyAdd(Vector128.Create(P6), x, Vector128.Create(P5));
        p = Vector128.FusedMultiplyAdd(p, x, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, x, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, x, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, x, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, x, Vector128.Create(P0));
        Vector128<float> near = Vector128.FusedMultiplyAdd(x * x, p, x);
        near = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128<float>.Zero), x, near);

        Vector128<float> far = ExpKernel.Exp(x) - Vector128<float>.One;
        return Vector128.ConditionalSelect(Vector128.LessThanOrEqual(Vector128.Abs(x), Vector128.Create(Ln2)), near, far);
    }

    /// <summary>e^x − 1 for 8 values; bit-identical to <see cref="Expm1(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Expm1(Vector256<float> x)
    {
        Vector256<float> p = Vector256.FusedMultiplyAdd(Vector256.Create(P6), x, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, x, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, x, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, x, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, x, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, x, Vector256.Create(P0));
        Vector256<float> near = Vector256.FusedMultiplyAdd(x * x, p, x);
        near = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), x, near);

        Vector256<float> far = ExpKernel.Exp(x) - Vector256<float>.One;
        return Vector256.ConditionalSelect(Vector256.LessThanOrEqual(Vector256.Abs(x), Vector256.Create(Ln2)), near, far);
    }

    /// <summary>e^x − 1 for 16 values; bit-identical to <see cref="Expm1(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Expm1(Vector512<float> x)
    {
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(P6), x, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, x, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, x, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, x, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, x, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, x, Vector512.Create(P0));
        Vector512<float> near = Vector512.FusedMultiplyAdd(x * x, p, x);
        near = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), x, near);

        Vector512<float> far = ExpKernel.Exp(x) - Vector512<float>.One;
        return Vector512.ConditionalSelect(Vector512.LessThanOrEqual(Vector512.Abs(x), Vector512.Create(Ln2)), near, far);
    }
}
