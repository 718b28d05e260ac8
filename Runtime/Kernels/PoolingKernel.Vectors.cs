using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// The vector form of <see cref="PoolingKernel"/>: one vector holds consecutive outputs of a row, and each tap of the
/// window is one step on all of them, so each lane does exactly the scalar loop's arithmetic in the scalar loop's
/// (kh, kw) order. At a column stride of 1 the tap kw of those outputs is one load; at a stride of 2 it is the even
/// (kw even) or odd (kw odd) columns of two adjacent loads, split by a shuffle, which gives taps kw and kw + 1 from
/// the same two loads.
/// </summary>
public static partial class PoolingKernel
{
    /// <summary>
    /// The interior outputs [<paramref name="low"/>, <paramref name="high"/>) of one output row in vectors, the widest
    /// that the path allows and the row fills (a row narrower than a 512-bit vector, such as LeNet's 14 or 5 columns,
    /// takes 256- or 128-bit vectors; lanes are independent, so the width does not change the bits). The last vector
    /// overlaps the one before rather than leaving a scalar tail. Returns the end of the columns written, from
    /// <paramref name="low"/>; <paramref name="low"/> when none were (other strides, or fewer outputs than a 128-bit vector).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Columns<TShape, TWindow, TWidest>(float* x, float* y, int ih0, int khLow, int khHigh, int low, int high, float* inputEnd)
        where TShape : struct, IConvolutionShape
        where TWindow : struct, IWindow
        where TWidest : struct, IWidestVector
    {
        if (TShape.StrideWidth > 2)
        {
            return low;
        }

        int count = high - low;
        if (TWidest.Lanes >= 16 && count >= 16)
        {
            return Chunks<TShape, TWindow, Vector512<float>, Ops512>(x, y, ih0, khLow, khHigh, low, high, inputEnd);
        }

        if (TWidest.Lanes >= 8 && count >= 8)
        {
            return Chunks<TShape, TWindow, Vector256<float>, Ops256>(x, y, ih0, khLow, khHigh, low, high, inputEnd);
        }

        if (TWidest.Lanes >= 4 && count >= 4)
        {
            return Chunks<TShape, TWindow, Vector128<float>, Ops128>(x, y, ih0, khLow, khHigh, low, high, inputEnd);
        }

        return low;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe int Chunks<TShape, TWindow, TVector, TOps>(float* x, float* y, int ih0, int khLow, int khHigh, int low, int high, float* inputEnd)
        where TShape : struct, IConvolutionShape
        where TWindow : struct, IWindow
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        int ow = low;
        for (; ow + TOps.Lanes <= high; ow += TOps.Lanes)
        {
            if (!Chunk<TShape, TWindow, TVector, TOps>(x, y, ih0, khLow, khHigh, ow, inputEnd))
            {
                return ow;
            }
        }

        if (ow < high && !Chunk<TShape, TWindow, TVector, TOps>(x, y, ih0, khLow, khHigh, high - TOps.Lanes, inputEnd))
        {
            return ow;
        }

        return high;
    }

    /// <summary>
    /// Outputs [<paramref name="ow"/>, <paramref name="ow"/> + lanes) of the row, or false (nothing written) when the
    /// loads would pass the end of the input: at a stride of 2 an odd-width kernel's last tap loads one column more
    /// than it uses, which on the input's last row is past its end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe bool Chunk<TShape, TWindow, TVector, TOps>(float* x, float* y, int ih0, int khLow, int khHigh, int ow, float* inputEnd)
        where TShape : struct, IConvolutionShape
        where TWindow : struct, IWindow
        where TVector : struct
        where TOps : struct, IVectorOps<TVector>
    {
        int iw0 = (ow * TShape.StrideWidth) - TShape.PaddingWidth;
        if (TShape.StrideWidth == 2 && TShape.KernelWidth % 2 == 1 && khHigh > khLow
            && x + ((ih0 + khHigh - 1) * TShape.InWidth) + iw0 + TShape.KernelWidth - 1 + (2 * TOps.Lanes) - 1 >= inputEnd)
        {
            return false;
        }

        TVector value = TOps.Create(TWindow.Start);
        for (int kh = khLow; kh < khHigh; kh++)
        {
            float* row = x + ((ih0 + kh) * TShape.InWidth) + iw0;
            if (TShape.StrideWidth == 1)
            {
                for (int kw = 0; kw < TShape.KernelWidth; kw++)
                {
                    value = TWindow.Add<TVector, TOps>(value, TOps.Load(row + kw));
                }
            }
            else
            {
                for (int kw = 0; kw < TShape.KernelWidth; kw += 2)
                {
                    TOps.LoadEvenOdd(row + kw, out TVector even, out TVector odd);
                    value = TWindow.Add<TVector, TOps>(value, even);
                    if (kw + 1 < TShape.KernelWidth)
                    {
                        value = TWindow.Add<TVector, TOps>(value, odd);
                    }
                }
            }
        }

        TOps.Store(y + ow, TWindow.Finish<TVector, TOps>(value, TShape.KernelHeight * TShape.KernelWidth));
        return true;
    }

    /// <summary>The widest vector a path uses, in lanes (0: the scalar loop only).</summary>
    private interface IWidestVector
    {
        static abstract int Lanes { get; }
    }

    private readonly struct Widest512 : IWidestVector
    {
        public static int Lanes => 16;
    }

    private readonly struct Widest256 : IWidestVector
    {
        public static int Lanes => 8;
    }

    private readonly struct Widest128 : IWidestVector
    {
        public static int Lanes => 4;
    }

    private readonly struct ScalarOnly : IWidestVector
    {
        public static int Lanes => 0;
    }

    /// <summary>The few operations the window needs, at one vector width.</summary>
    private interface IVectorOps<TVector>
        where TVector : struct
    {
        static abstract int Lanes { get; }

        static abstract unsafe TVector Load(float* source);

        /// <summary>Columns 0, 2, 4, … and 1, 3, 5, … of the 2 × lanes floats at <paramref name="source"/>.</summary>
        static abstract unsafe void LoadEvenOdd(float* source, out TVector even, out TVector odd);

        static abstract unsafe void Store(float* destination, TVector value);

        static abstract TVector Create(float value);

        /// <summary>
        /// The scalar rule lane by lane: <paramref name="x"/> replaces <paramref name="value"/> when larger or NaN.
        /// Written as compare and select, not as a vector maximum: x64's maxps returns its second operand when either
        /// is NaN or both are zeros, which is neither order of the rule.
        /// </summary>
        static abstract TVector MaxStep(TVector value, TVector x);

        static abstract TVector Add(TVector value, TVector x);

        static abstract TVector Divide(TVector value, float divisor);
    }

    private readonly struct Ops512 : IVectorOps<Vector512<float>>
    {
        public static int Lanes => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector512<float> Load(float* source) => Vector512.Load(source);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void LoadEvenOdd(float* source, out Vector512<float> even, out Vector512<float> odd)
        {
            Vector512<float> low = Vector512.Load(source);
            Vector512<float> high = Vector512.Load(source + 16);
            even = Avx512F.PermuteVar16x32x2(low, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), high);
            odd = Avx512F.PermuteVar16x32x2(low, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), high);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(float* destination, Vector512<float> value) => value.Store(destination);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Create(float value) => Vector512.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> MaxStep(Vector512<float> value, Vector512<float> x)
            => Vector512.ConditionalSelect(Vector512.GreaterThan(x, value) | ~Vector512.Equals(x, x), x, value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(Vector512<float> value, Vector512<float> x) => value + x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Divide(Vector512<float> value, float divisor) => value / Vector512.Create(divisor);
    }

    private readonly struct Ops256 : IVectorOps<Vector256<float>>
    {
        public static int Lanes => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector256<float> Load(float* source) => Vector256.Load(source);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void LoadEvenOdd(float* source, out Vector256<float> even, out Vector256<float> odd)
        {
            Vector256<float> low = Vector256.Load(source);
            Vector256<float> high = Vector256.Load(source + 8);

            // shufps picks within each 128-bit half ([l0 l2 h0 h2 | l4 l6 h4 h6]); vpermpd puts the 64-bit pairs in order.
            even = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
            odd = Avx2.Permute4x64(Avx.Shuffle(low, high, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(float* destination, Vector256<float> value) => value.Store(destination);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Create(float value) => Vector256.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> MaxStep(Vector256<float> value, Vector256<float> x)
            => Vector256.ConditionalSelect(Vector256.GreaterThan(x, value) | ~Vector256.Equals(x, x), x, value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> value, Vector256<float> x) => value + x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Divide(Vector256<float> value, float divisor) => value / Vector256.Create(divisor);
    }

    private readonly struct Ops128 : IVectorOps<Vector128<float>>
    {
        public static int Lanes => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector128<float> Load(float* source) => Vector128.Load(source);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void LoadEvenOdd(float* source, out Vector128<float> even, out Vector128<float> odd)
        {
            Vector128<float> low = Vector128.Load(source);
            Vector128<float> high = Vector128.Load(source + 4);
            if (AdvSimd.Arm64.IsSupported)
            {
                even = AdvSimd.Arm64.UnzipEven(low, high);
                odd = AdvSimd.Arm64.UnzipOdd(low, high);
            }
            else if (Sse.IsSupported)
            {
                even = Sse.Shuffle(low, high, 0b10_00_10_00);
                odd = Sse.Shuffle(low, high, 0b11_01_11_01);
            }
            else
            {
                even = Vector128.Create(low[0], low[2], high[0], high[2]);
                odd = Vector128.Create(low[1], low[3], high[1], high[3]);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe void Store(float* destination, Vector128<float> value) => value.Store(destination);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Create(float value) => Vector128.Create(value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> MaxStep(Vector128<float> value, Vector128<float> x)
            => Vector128.ConditionalSelect(Vector128.GreaterThan(x, value) | ~Vector128.Equals(x, x), x, value);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Add(Vector128<float> value, Vector128<float> x) => value + x;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Divide(Vector128<float> value, float divisor) => value / Vector128.Create(divisor);
    }
}
