using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace StaticNet.Kernels;

/// <summary>
/// y = act(x·Wᵀ + b) for a block of rows, the work of every dense layer.
/// </summary>
/// <remarks>
/// The canonical arithmetic, which every instruction-set path reproduces bit for bit: for each output o of
/// each row, acc = 0; for k = 0..K−1 in order, acc = fma(x[k], W[o,k], acc); then y = act(acc + b[o]).
/// One accumulator per output, walked in input order, is what lets a one-sample kernel, a many-sample
/// register-blocked kernel and the scalar fallback agree exactly, whatever the batch size or thread count.
/// Exists for generated code, which calls it once per layer; not meant to be used directly.
/// <para>
/// Paths: AVX-512 (<c>DenseKernel.Vector512.cs</c>), AVX2 + FMA (<c>DenseKernel.Vector256.cs</c>), 128-bit vectors
/// with FMA (<c>DenseKernel.Vector128.cs</c>: ARM64 NEON) and the scalar loop below, chosen by
/// <see cref="Forward{TShape, TActivation}"/> from JIT-time constants (<see cref="VectorPaths"/>), so the
/// untaken paths are not even compiled. Their speed comes only from holding many outputs' accumulators in
/// registers at once (register blocking across outputs and rows), never from reordering a sum.
/// </para>
/// <para>
/// Storage is apart from arithmetic: every kernel below the public entry points is generic over the weights' format
/// (<see cref="IWeightFormat"/>), which loads a step of a panel as float32 vectors and has a hook in the epilogue;
/// the public entry points run <see cref="Float32Weights"/>. The numbers the kernels are tuned with are in
/// <see cref="KernelTuning"/>.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class DenseKernel
{
    /// <summary>
    /// Computes <paramref name="rows"/> rows: <paramref name="input"/> is rows × K, <paramref name="output"/> is
    /// rows × N, both row-major and densely packed. While it computes, it brings the rows the caller will pass
    /// next (<paramref name="upcoming"/>, if any) towards the core.
    /// </summary>
    /// <remarks>
    /// A large batch is read from memory once, by the first layer; without the prefetch, the first pass over each
    /// block of rows waits for it (~5% of the time at batch 16,384: the hardware prefetcher alone does not keep up
    /// with eight rows read side by side). <paramref name="upcoming"/> is only prefetched, never read, and only as
    /// far as it reaches, so results never depend on it. The x64 vector paths use it; ARM64 (.NET has no prefetch instruction there) and the scalar path ignore it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
        => ForwardFormat<Float32Weights, TShape, TActivation>(input, output, rows, weights, upcoming);

    /// <summary>
    /// A dense layer followed by softmax over each row: the results of
    /// <see cref="Forward{TShape, TActivation}"/> with the identity and then <see cref="SoftmaxKernel.Apply"/>, bit for bit.
    /// </summary>
    /// <remarks>
    /// On the AVX-512 path, a layer of at most 16 outputs (a classifier's head) hands each row's logits from the
    /// register they were accumulated in straight to the softmax. Run separately, the softmax reads back a row
    /// just written with a masked store, which the processor does not forward to the load: at batch 1 that wait
    /// is on the critical path (fused: ~20 ns, ~1%, less for MNIST); in a batch other rows hide it and the two
    /// forms take the same time. Other layers and paths run the two kernels one after the other.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardSoftmax<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights, ReadOnlySpan<float> upcoming = default)
        where TShape : struct, IDenseShape
    {
        if (VectorPaths.Vector512 && TShape.Outputs <= SoftmaxKernel.Lanes)
        {
            CheckFormat<Float32Weights>(weights);
            ForwardVector512<Float32Weights, TShape, SoftmaxEpilogue>(input, output, rows, weights, upcoming);
        }
        else
        {
            Forward<TShape, IdentityActivation>(input, output, rows, weights, upcoming);
            SoftmaxKernel.Apply(output[..(rows * TShape.Outputs)], TShape.Outputs);
        }
    }

    /// <summary>The plain .NET path: one output at a time, in the canonical order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void ForwardScalar<TFormat, TShape, TActivation>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        where TActivation : struct, IActivation
    {
        Check<TShape>(input, output, rows, weights);
        int k = TShape.Inputs;
        int n = TShape.Outputs;
        fixed (float* x0 = input)
        fixed (float* y0 = output)
        {
            for (int r = 0; r < rows; r++)
            {
                float* x = x0 + ((long)r * k);
                float* y = y0 + ((long)r * n);
                for (int o = 0; o < n; o++)
                {
                    byte* panel = weights.PackedPanels + ((long)(o / DenseWeights.PanelWidth) * k * TFormat.StepBytes);
                    int lane = o % DenseWeights.PanelWidth;
                    float acc = 0f;
                    for (int i = 0; i < k; i++)
                    {
                        acc = MathF.FusedMultiplyAdd(x[i], TFormat.LoadScalar(panel, lane, i, k), acc);
                    }

                    y[o] = TFormat.FinishScalar<TShape, TActivation>(acc, weights.Bias, o);
                }
            }
        }
    }

    /// <summary>
    /// The input a block of <paramref name="block"/> rows starting at <paramref name="row"/> (at <paramref name="xRow"/>)
    /// prefetches while it computes: the next block's rows, or for the last full block <paramref name="afterLast"/>
    /// (the caller's upcoming rows, when there are enough), or else its own rows, already in cache: never a byte
    /// outside the spans the caller passed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float* PrefetchTarget(float* xRow, int row, int block, int blockedRows, int k, float* afterLast)
        => row + block < blockedRows ? xRow + ((long)block * k)
            : afterLast != null ? afterLast : xRow;

    /// <summary>The upcoming rows a path's last full block of <paramref name="block"/> rows may prefetch, or null if there are fewer.</summary>
    private static unsafe float* UpcomingBlock(float* next, int upcomingLength, int block, int k)
        => upcomingLength >= (long)block * k ? next : null;

    /// <summary>
    /// True if <typeparamref name="TShape"/>'s weights packed in <typeparamref name="TFormat"/> do not fit in one core's
    /// L2 (<see cref="CacheSizes.L2Bytes"/>), so that every pass over them reads them from L3; a JIT-time constant in
    /// tier-1 code. It only decides the order in which rows and panels are visited, never a sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool OutgrowsL2<TFormat, TShape>()
        where TFormat : struct, IWeightFormat
        where TShape : struct, IDenseShape
        => (long)TShape.Inputs * PanelCount<TShape>() * TFormat.StepBytes >= CacheSizes.L2Bytes;

    /// <summary>⌈N / 16⌉, a JIT-time constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int PanelCount<TShape>()
        where TShape : struct, IDenseShape
        => (TShape.Outputs + DenseWeights.PanelWidth - 1) / DenseWeights.PanelWidth;

    /// <summary>Guards every entry point: a kernel never reads or writes outside its spans.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check<TShape>(ReadOnlySpan<float> input, Span<float> output, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (rows < 0
            || input.Length < (long)rows * TShape.Inputs
            || output.Length < (long)rows * TShape.Outputs
            || weights.Inputs != TShape.Inputs
            || weights.Outputs != TShape.Outputs)
        {
            ThrowShapeMismatch<TShape>(input.Length, output.Length, rows, weights);
        }
    }

    private static void ThrowShapeMismatch<TShape>(int inputLength, int outputLength, int rows, DenseWeights weights)
        where TShape : struct, IDenseShape
        => throw new ArgumentException(
            $"Dense kernel {TShape.Inputs}→{TShape.Outputs} called with {rows} rows, input length {inputLength}, " +
            $"output length {outputLength} and weights {weights.Inputs}→{weights.Outputs}.");
}
