using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace StaticNet.Kernels;

/// <summary>
/// ln(1 + x) in four forms (scalar, 4, 8 and 16 lanes) that agree bit for bit, for Softplus. Accurate for tiny
/// x, where ln(1 + x) ≈ x and forming 1 + x first would round x away.
/// </summary>
/// <remarks>
/// <para>
/// The algorithm (the classic one of fdlibm's log1p, with our own polynomial): u = 1 + x, rounded; the rounding
/// error is recovered as c = (x − (u − 1)) / u, so ln(1 + x) = ln u + c to first order. u = 2^k·m with
/// m in [√2/2, √2), read from the exponent and mantissa bits (an integer offset moves the cut to √2 in
/// one add), and ln m = f − f²/2 + f³·L(f) with f = m − 1 exact, L of degree 7 fitted for this kernel
/// (Chebyshev fit in 40-digit arithmetic on [√2/2 − 1, √2 − 1], fit error 1.8e-7 on L, i.e. under 2e-8
/// relative on ln m; coefficients rounded to float), Horner form with fused multiply-adds. The result adds the
/// small terms first: (f³·L − f²/2 + c + k·ln2_lo) + f + k·ln2_hi, with ln 2 split so that k·ln2_hi is exact.
/// </para>
/// <para>
/// Measured (Generator.Tests TranscendentalKernelTests, a million inputs over (−1, float.MaxValue], against a
/// double-precision reference): at most 1 ulp (the test allows 2). ln(1 + ±0) = ±0, ln(1 + subnormal) is the subnormal, ln(0) = −∞ at x = −1,
/// NaN below −1 (−∞ included) and for NaN, +∞ at +∞.
/// </para>
/// </remarks>
internal static class Log1pKernel
{
    // m = 2^−k·u lands in [√2/2, √2): adding this to u's bits carries into the exponent exactly when u's
    // mantissa is at least √2's, and subtracting it back from the mantissa bits undoes it for m.
    private const int SqrtHalfBits = 0x3F3504F3;
    private const int OneBits = 0x3F800000;
    private const int MantissaMask = 0x007FFFFF;

    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;

    private const float L7 = -0.0790274441242218f;
    private const float L6 = 0.12622320652008057f;
    private const float L5 = -0.12998183071613312f;
    private const float L4 = 0.14214496314525604f;
    private const float L3 = -0.166412815451622f;
    private const float L2 = 0.20001044869422913f;
    private const float L1 = -0.25000306963920593f;
    private const float L0 = 0.3333333134651184f;

    /// <summary>ln(1 + x) for one value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Log1p(float x)
    {
        float u = 1f + x;
        float correction = (x - (u - 1f)) / u;
        int bits = BitConverter.SingleToInt32Bits(u) + (OneBits - SqrtHalfBits);
        float k = (bits >> 23) - 127;
        float f = BitConverter.Int32BitsToSingle((bits & MantissaMask) + SqrtHalfBits) - 1f;

        float t = f * f;
        float l = MathF.FusedMultiplyAdd(L7, f, L6);
        l = MathF.FusedMultiplyAdd(l, f, L5);
        l = MathF.FusedMultiplyAdd(l, f, L4);
        l = MathF.FusedMultiplyAdd(l, f, L3);
        l = MathF.FusedMultiplyAdd(l, f, L2);
        l = MathF.FusedMultiplyAdd(l, f, L1);
        l = MathF.FusedMultiplyAdd(l, f, L0);
        float y = f * t * l;
        y = MathF.FusedMultiplyAdd(-0.5f, t, y);
        y = MathF.FusedMultiplyAdd(k, Ln2Lo, y + correction);
        y += f;
        y = MathF.FusedMultiplyAdd(k, Ln2Hi, y);

        y = x < -1f ? float.NaN : y;
        y = x == -1f ? float.NegativeInfinity : y;
        y = x == float.PositiveInfinity ? float.PositiveInfinity : y;
        return x == 0f ? x : y;
    }

    /// <summary>ln(1 + x) for 4 values; bit-identical to <see cref="Log1p(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Log1p(Vector128<float> x)
    {
        Vector128<float> one = Vector128<float>.One;
        Vector128<float> u = one + x;
        Vector128<float> correction = (x - (u - one)) / u;
        Vector128<int> bits = u.AsInt32() + Vector128.Create(OneBits - SqrtHalfBits);
        Vector128<float> k = Vector128.ConvertToSingle(Vector128.ShiftRightArithmetic(bits, 23) - Vector128.Create(127));
        Vector128<float> f = ((bits & Vector128.Create(MantissaMask)) + Vector128.Create(SqrtHalfBits)).AsSingle() - one;

        Vector128<float> t = f * f;
        Vector128<float> l = Vector128.FusedMultiplyAdd(Vector128.Create(L7), f, Vector128.Create(L6));
        l = Vector128.FusedMultiplyAdd(l, f, Vector128.Create(L5));
        l = Vector128.FusedMultiplyAdd(l, f, Vector128.Create(L4));
        l = Vector128.FusedMultiplyAdd(l, f, Vector128.Create(L3));
        l = Vector128.FusedMultiplyAdd(l, f, Vector128.Create(L2));
        l = Vector128.FusedMultiplyAdd(l, f, Vector128.Create(L1));
        l = Vector128.FusedMultiplyAdd(l, f, Vector128.Create(L0));
        Vector128<float> y = f * t * l;
        y = Vector128.FusedMultiplyAdd(Vector128.Create(-0.5f), t, y);
        y = Vector128.FusedMultiplyAdd(k, Vector128.Create(Ln2Lo), y + correction);
        y += f;
        y = Vector128.FusedMultiplyAdd(k, Vector128.Create(Ln2Hi), y);

        y = Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(-1f)), Vector128.Create(float.NaN), y);
        y = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128.Create(-1f)), Vector128.Create(float.NegativeInfinity), y);
        y = Vector128.ConditionalSelect(Vector128.Equals(x, Vector128.Create(float.PositiveInfinity)), x, y);
        return Vector128.ConditionalSelect(Vector128.Equals(x, Vector128<float>.Zero), x, y);
    }

    /// <summary>ln(1 + x) for 8 values; bit-identical to <see cref="Log1p(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Log1p(Vector256<float> x)
    {
        Vector256<float> one = Vector256<float>.One;
        Vector256<float> u = one + x;
        Vector256<float> correction = (x - (u - one)) / u;
        Vector256<int> bits = u.AsInt32() + Vector256.Create(OneBits - SqrtHalfBits);
        Vector256<float> k = Vector256.ConvertToSingle(Vector256.ShiftRightArithmetic(bits, 23) - Vector256.Create(127));
        Vector256<float> f = ((bits & Vector256.Create(MantissaMask)) + Vector256.Create(SqrtHalfBits)).AsSingle() - one;

        Vector256<float> t = f * f;
        Vector256<float> l = Vector256.FusedMultiplyAdd(Vector256.Create(L7), f, Vector256.Create(L6));
        l = Vector256.FusedMultiplyAdd(l, f, Vector256.Create(L5));
        l = Vector256.FusedMultiplyAdd(l, f, Vector256.Create(L4));
        l = Vector256.FusedMultiplyAdd(l, f, Vector256.Create(L3));
        l = Vector256.FusedMultiplyAdd(l, f, Vector256.Create(L2));
        l = Vector256.FusedMultiplyAdd(l, f, Vector256.Create(L1));
        l = Vector256.FusedMultiplyAdd(l, f, Vector256.Create(L0));
        Vector256<float> y = f * t * l;
        y = Vector256.FusedMultiplyAdd(Vector256.Create(-0.5f), t, y);
        y = Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2Lo), y + correction);
        y += f;
        y = Vector256.FusedMultiplyAdd(k, Vector256.Create(Ln2Hi), y);

        y = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(-1f)), Vector256.Create(float.NaN), y);
        y = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(-1f)), Vector256.Create(float.NegativeInfinity), y);
        y = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256.Create(float.PositiveInfinity)), x, y);
        return Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<float>.Zero), x, y);
    }

    /// <summary>ln(1 + x) for 16 values; bit-identical to <see cref="Log1p(float)"/> in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Log1p(Vector512<float> x)
    {
        Vector512<float> one = Vector512<float>.One;
        Vector512<float> u = one + x;
        Vector512<float> correction = (x - (u - one)) / u;
        Vector512<int> bits = u.AsInt32() + Vector512.Create(OneBits - SqrtHalfBits);
        Vector512<float> k = Vector512.ConvertToSingle(Vector512.ShiftRightArithmetic(bits, 23) - Vector512.Create(127));
        Vector512<float> f = ((bits & Vector512.Create(MantissaMask)) + Vector512.Create(SqrtHalfBits)).AsSingle() - one;

        Vector512<float> t = f * f;
        Vector512<float> l = Vector512.FusedMultiplyAdd(Vector512.Create(L7), f, Vector512.Create(L6));
        l = Vector512.FusedMultiplyAdd(l, f, Vector512.Create(L5));
        l = Vector512.FusedMultiplyAdd(l, f, Vector512.Create(L4));
        l = Vector512.FusedMultiplyAdd(l, f, Vector512.Create(L3));
        l = Vector512.FusedMultiplyAdd(l, f, Vector512.Create(L2));
        l = Vector512.FusedMultiplyAdd(l, f, Vector512.Create(L1));
        l = Vector512.FusedMultiplyAdd(l, f, Vector512.Create(L0));
        Vector512<float> y = f * t * l;
        y = Vector512.FusedMultiplyAdd(Vector512.Create(-0.5f), t, y);
        y = Vector512.FusedMultiplyAdd(k, Vector512.Create(Ln2Lo), y + correction);
        y += f;
        y = Vector512.FusedMultiplyAdd(k, Vector512.Create(Ln2Hi), y);

        y = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(-1f)), Vector512.Create(float.NaN), y);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(-1f)), Vector512.Create(float.NegativeInfinity), y);
        y = Vector512.ConditionalSelect(Vector512.Equals(x, Vector512.Create(float.PositiveInfinity)), x, y);
        return Vector512.ConditionalSelect(Vector512.Equals(x, Vector512<float>.Zero), x, y);
    }
}
