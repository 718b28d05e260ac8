using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using StaticNet.Kernels;

namespace StaticNet.Bench;

/// <summary>128 → 64 (MNIST's second layer): 32 KB of float32 weights, 16 KB as bfloat16, 8 KB as int8, all in L1.</summary>
public readonly struct Mnist128x64 : IDenseShape
{
    /// <inheritdoc/>
    public static int Inputs => 128;

    /// <inheritdoc/>
    public static int Outputs => 64;
}

/// <summary>
/// <c>--format-ab [rounds]</c>: float32, bfloat16 and int8 weights against each other in one process, alternating short
/// bursts and keeping each one's fastest (load from other processes only ever slows a burst down). Three views: the
/// MNIST network at batch 1, 8 and 64; one dense layer at batch 1 with its weights in L1, L2 and L3; and the widening
/// alone (<see cref="Widening"/>), which shows what bounds a format at batch 1 on this processor: instructions on the
/// two 512-bit ports, or bytes from cache.
/// </summary>
internal static class FormatComparison
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static void Run(int rounds)
    {
        Console.WriteLine($"Weight formats, one thread, best of {rounds} alternating bursts of ~2 ms each; load average {AlternatingBursts.LoadAverage()}");
        Console.WriteLine("case                                        float32 µs  bfloat16 µs  int8 µs   f32/bf16  f32/int8  others' cores");
        Model model = Model.Create(Model.Mnist);
        MnistNet float32 = MnistNet.Load(model.WeightsPath);
        MnistNetBFloat16 bfloat16 = MnistNetBFloat16.Load(model.WeightsPath);
        MnistNetInt8 int8 = MnistNetInt8.Load(model.WeightsPath);
        foreach (int batch in new[] { 1, 8, 64 })
        {
            float[] input = GC.AllocateArray<float>(batch * model.InputSize, pinned: true);
            float[] output = GC.AllocateArray<float>(batch * model.OutputSize, pinned: true);
            Model.FillInputs(input);
            Report($"MNIST 784-128-64-10, batch {batch}", rounds,
                () => float32.Forward(input, output), () => bfloat16.Forward(input, output), () => int8.Forward(input, output));
        }

        Layer<Mnist128x64>("dense 128→64, 1 row (all in L1)", rounds, 1);
        Layer<Mnist784x128>("dense 784→128, 1 row (float32 in L2)", rounds, 1);
        Layer<Square1024>("dense 1024→1024, 1 row (float32 in L3)", rounds, 1);
        Layer<Mnist784x128>("dense 784→128, 8 rows", rounds, 8);
        Layer<Mnist784x128>("dense 784→128, 64 rows", rounds, 64);
        Layer<Mnist128x64>("dense 128→64, 64 rows", rounds, 64);
        BFloat16Bound(rounds, model, float32, bfloat16);
        Widening.Run(rounds);
    }

    /// <summary>
    /// bfloat16 at batch 1 against what bounds it, all timed in the same bursts as the FMA peak loop. The first layer's
    /// one-row kernel does, per 16 weights, one FMA and one widening instruction (<c>vpslld</c> or <c>vpandd</c>), and
    /// the widening takes a slot on the two 512-bit ports the FMAs use (<c>tools/bf16-widening-ports.c</c>: 16 FMAs with
    /// 16 shifts, shuffles or ands take about twice the time of 16 FMAs alone: 1.93–2.08×), so the layer cannot take less
    /// than 2 × its FMAs at the peak rate. The layers after it are bound by each output's chain of dependent FMAs in both
    /// formats (128 → 64 and 64 → 10: 192 FMAs of 4 cycles in a row), so they stay as measured.
    /// </summary>
    private static void BFloat16Bound(int rounds, Model model, MnistNet float32, MnistNetBFloat16 bfloat16)
    {
        if (!Avx512F.IsSupported)
        {
            return;
        }

        float[] input = GC.AllocateArray<float>(model.InputSize, pinned: true);
        float[] output = GC.AllocateArray<float>(model.OutputSize, pinned: true);
        Model.FillInputs(input);
        (float[] weight, float[] bias) = Model.RandomLayer(Mnist784x128.Inputs, Mnist784x128.Outputs, new Random(3));
        DenseWeights float32Layer = DenseWeights.Pack(weight, bias, Mnist784x128.Inputs, Mnist784x128.Outputs);
        DenseWeights bfloat16Layer = DenseWeights.Pack(weight, bias, Mnist784x128.Inputs, Mnist784x128.Outputs, WeightFormat.BFloat16);
        float[] hidden = GC.AllocateArray<float>(Mnist784x128.Outputs, pinned: true);
        using var peak = new PeakBenchmarks();
        peak.Setup();
        MachineLoad? load = MachineLoad.Start();
        double[] best = AlternatingBursts.Best(rounds,
        [
            () => float32.Forward(input, output),
            () => bfloat16.Forward(input, output),
            () => DenseKernel.Forward<Mnist784x128, ReLUActivation>(input, hidden, 1, float32Layer),
            () => DenseKernel.ForwardBFloat16<Mnist784x128, ReLUActivation>(input, hidden, 1, bfloat16Layer),
            () => _peakSink += peak.FmaPeak(),
        ]);

        double fmaSeconds = best[4] / (PeakBenchmarks.FmaFlops / 32);
        double layerBound = 2.0 * Mnist784x128.Inputs * (Mnist784x128.Outputs / DenseWeights.PanelWidth) * fmaSeconds;
        double networkBound = best[1] - best[3] + layerBound;
        Console.WriteLine(string.Create(Inv, $"bfloat16 at batch 1 against its bound, µs (the FMA peak loop timed in the same bursts: {1 / fmaSeconds / 1e9:F2} G 512-bit FMAs/s; others' cores {load?.OthersInCores() ?? double.NaN:F2})"));
        Console.WriteLine(string.Create(Inv,
            $"  dense 784→128, 1 row   float32 {Us(best[2]),6:F3}  bfloat16 {Us(best[3]),6:F3}  bound {Us(layerBound),6:F3} (FMA + widening, 2 per 16 weights at the FMA rate; {layerBound / best[3]:P0} of it reached)   f32/bf16 {best[2] / best[3]:F2}, at most {best[2] / layerBound:F2}"));
        Console.WriteLine(string.Create(Inv,
            $"  MNIST network, batch 1 float32 {Us(best[0]),6:F3}  bfloat16 {Us(best[1]),6:F3}  after the first layer: float32 {Us(best[0] - best[2]),5:F3}, bfloat16 {Us(best[1] - best[3]),5:F3}   f32/bf16 {best[0] / best[1]:F2}, at most {best[0] / networkBound:F2} (first layer at its bound)"));
    }

    private static double Us(double seconds) => seconds * 1e6;

    /// <summary>Keeps the peak loop's result alive.</summary>
    private static float _peakSink;

    private static void Layer<TShape>(string name, int rounds, int rows)
        where TShape : struct, IDenseShape
    {
        (float[] weight, float[] bias) = Model.RandomLayer(TShape.Inputs, TShape.Outputs, new Random(3));

        DenseWeights float32 = DenseWeights.Pack(weight, bias, TShape.Inputs, TShape.Outputs);
        DenseWeights bfloat16 = DenseWeights.Pack(weight, bias, TShape.Inputs, TShape.Outputs, WeightFormat.BFloat16);
        DenseWeights int8 = DenseWeights.Pack(weight, bias, TShape.Inputs, TShape.Outputs, WeightFormat.Int8);
        float[] x = GC.AllocateArray<float>(rows * TShape.Inputs, pinned: true);
        float[] y = GC.AllocateArray<float>(rows * TShape.Outputs, pinned: true);
        Model.FillInputs(x);
        Report(name, rounds,
            () => DenseKernel.Forward<TShape, ReLUActivation>(x, y, rows, float32),
            () => DenseKernel.ForwardBFloat16<TShape, ReLUActivation>(x, y, rows, bfloat16),
            () => DenseKernel.ForwardInt8<TShape, ReLUActivation>(x, y, rows, int8));
    }

    private static void Report(string name, int rounds, Action float32, Action bfloat16, Action int8)
    {
        MachineLoad? load = MachineLoad.Start();
        double[] best = AlternatingBursts.Best(rounds, [float32, bfloat16, int8]);
        Console.WriteLine(string.Create(Inv,
            $"{name,-42} {best[0] * 1e6,10:F3}  {best[1] * 1e6,11:F3}  {best[2] * 1e6,7:F3}   {best[0] / best[1],8:F2}  {best[0] / best[2],8:F2}  {load?.OthersInCores() ?? double.NaN,8:F2}"));
    }
}

/// <summary>
/// The widening alone: 16 weights at a time, read over and over from L1 and then from L2, each into one FMA with a broadcast input, 8 independent accumulators so that FMA latency never bounds it. The
/// only thing that differs between the loops is the instructions that turn stored weights into float32, so cycles per
/// 16 weights (against a clock calibrated on a chain of dependent FMAs, 4 cycles each) show the instruction cost on the
/// ports the FMAs also use (0 and 5 on this Xeon).
/// </summary>
internal static unsafe class Widening
{
    /// <summary>Groups of 16 weights per pass with the weights in L1: 32 KB as float32 (L1 holds 48 KB here).</summary>
    private const int L1Groups = 512;

    /// <summary>Groups of 16 weights per pass with the weights in L2: 512 KB as float32, 128 KB as int8 (L2 holds 2 MB).</summary>
    private const int L2Groups = 8192;

    public static void Run(int rounds)
    {
        if (!Avx512BW.IsSupported)
        {
            return;
        }

        Run(rounds, L1Groups, "L1");
        Run(rounds, L2Groups, "L2 (float32 in L2; bfloat16 and int8 fit L2 too, not L1)");
    }

    private static void Run(int rounds, int groups, string where)
    {
        byte* weights = (byte*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)groups * 64, 64);
        float* x = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)groups * sizeof(float), 64);
        try
        {
            var random = new Random(5);
            for (int i = 0; i < groups * 64; i++)
            {
                // Bytes 0x38–0x3C: as float32 and bfloat16, numbers near 0.001 whose products stay normal (a denormal
                // would cost a microcode assist), as int8 small integers.
                weights[i] = (byte)random.Next(0x38, 0x3D);
            }

            for (int i = 0; i < groups; i++)
            {
                x[i] = 0.001f * (i % 7);
            }

            (string Name, string Instructions, Action Loop)[] loops =
            [
                ("float32", "vfmadd231ps zmm, zmm, [mem]", () => Sink(Float32(weights, x, groups))),
                ("bfloat16, one input a step", "vpmovzxwd zmm, [mem]; vpslld zmm, 16; vfmadd231ps", () => Sink(BFloat16Plain(weights, x, groups))),
                ("bfloat16, inputs in pairs", "vpslld zmm, [mem], 16 or vpandd zmm, zmm, [mem]; vfmadd231ps", () => Sink(BFloat16Pairs(weights, x, groups))),
                ("int8", "vpmovsxbd zmm, [mem]; vcvtdq2ps zmm, zmm; vfmadd231ps", () => Sink(Int8(weights, x, groups))),
                ("int8, biased + float magic", "vpmovzxbd zmm, [mem]; vpord; vsubps; vfmadd231ps", () => Sink(Int8Magic(weights, x, groups))),
            ];
            // The clock is measured among the loops, under the same conditions (AVX-512 lowers it on some Xeons).
            var actions = new Action[loops.Length + 1];
            for (int i = 0; i < loops.Length; i++)
            {
                actions[i] = loops[i].Loop;
            }

            int chain = groups * 4;
            actions[^1] = () => Sink(DependentChain(chain));
            double[] best = AlternatingBursts.Best(rounds, actions);
            double hertz = 4.0 * chain / best[^1];
            Console.WriteLine(string.Create(Inv, $"widening alone, weights in {where}, clock {hertz / 1e9:F2} GHz (a chain of dependent FMAs, 4 cycles each): cycles per 16 weights, each into one FMA"));
            for (int i = 0; i < loops.Length; i++)
            {
                double cycles = best[i] * hertz / groups;
                Console.WriteLine(string.Create(Inv, $"  {loops[i].Name,-28} {cycles,5:F2} cycles   {loops[i].Instructions}"));
            }
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(weights);
            System.Runtime.InteropServices.NativeMemory.AlignedFree(x);
        }
    }

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static float _sink;

    private static void Sink(float value) => _sink += value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float DependentChain(int count)
    {
        float value = 1f;
        for (int i = 0; i < count; i++)
        {
            value = MathF.FusedMultiplyAdd(value, 0.999999f, 1e-7f);
        }

        return value;
    }

    private static float Sum(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7)
        => Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Float32(byte* w, float* x, int groups)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int g = 0; g < groups; g += 8, w += 8 * 64)
        {
            Vector512<float> xb = Vector512.Create(x[g]);
            a0 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadAligned((float*)w), a0);
            a1 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadAligned((float*)(w + 64)), a1);
            a2 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadAligned((float*)(w + 128)), a2);
            a3 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadAligned((float*)(w + 192)), a3);
            a4 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadAligned((float*)(w + 256)), a4);
            a5 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadAligned((float*)(w + 320)), a5);
            a6 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadAligned((float*)(w + 384)), a6);
            a7 = Vector512.FusedMultiplyAdd(xb, Vector512.LoadAligned((float*)(w + 448)), a7);
        }

        return Sum(a0, a1, a2, a3, a4, a5, a6, a7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Plain(byte* p) => Avx512F.ShiftLeftLogical(Avx512F.ConvertToVector512UInt32(Vector256.Load((ushort*)p)), 16).AsSingle();

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float BFloat16Plain(byte* w, float* x, int groups)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int g = 0; g < groups; g += 8, w += 8 * 32)
        {
            Vector512<float> xb = Vector512.Create(x[g]);
            a0 = Vector512.FusedMultiplyAdd(xb, Plain(w), a0);
            a1 = Vector512.FusedMultiplyAdd(xb, Plain(w + 32), a1);
            a2 = Vector512.FusedMultiplyAdd(xb, Plain(w + 64), a2);
            a3 = Vector512.FusedMultiplyAdd(xb, Plain(w + 96), a3);
            a4 = Vector512.FusedMultiplyAdd(xb, Plain(w + 128), a4);
            a5 = Vector512.FusedMultiplyAdd(xb, Plain(w + 160), a5);
            a6 = Vector512.FusedMultiplyAdd(xb, Plain(w + 192), a6);
            a7 = Vector512.FusedMultiplyAdd(xb, Plain(w + 224), a7);
        }

        return Sum(a0, a1, a2, a3, a4, a5, a6, a7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Low(byte* p) => Avx512F.ShiftLeftLogical(Vector512.Load((uint*)p), 16).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> High(byte* p) => Avx512F.And(Vector512.Load((uint*)p), Vector512.Create(0xFFFF0000u)).AsSingle();

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float BFloat16Pairs(byte* w, float* x, int groups)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int g = 0; g < groups; g += 8, w += 8 * 32)
        {
            Vector512<float> xb = Vector512.Create(x[g]);
            a0 = Vector512.FusedMultiplyAdd(xb, Low(w), a0);
            a1 = Vector512.FusedMultiplyAdd(xb, High(w), a1);
            a2 = Vector512.FusedMultiplyAdd(xb, Low(w + 64), a2);
            a3 = Vector512.FusedMultiplyAdd(xb, High(w + 64), a3);
            a4 = Vector512.FusedMultiplyAdd(xb, Low(w + 128), a4);
            a5 = Vector512.FusedMultiplyAdd(xb, High(w + 128), a5);
            a6 = Vector512.FusedMultiplyAdd(xb, Low(w + 192), a6);
            a7 = Vector512.FusedMultiplyAdd(xb, High(w + 192), a7);
        }

        return Sum(a0, a1, a2, a3, a4, a5, a6, a7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> SignExtended(byte* p) => Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load((sbyte*)p)));

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Int8(byte* w, float* x, int groups)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int g = 0; g < groups; g += 8, w += 8 * 16)
        {
            Vector512<float> xb = Vector512.Create(x[g]);
            a0 = Vector512.FusedMultiplyAdd(xb, SignExtended(w), a0);
            a1 = Vector512.FusedMultiplyAdd(xb, SignExtended(w + 16), a1);
            a2 = Vector512.FusedMultiplyAdd(xb, SignExtended(w + 32), a2);
            a3 = Vector512.FusedMultiplyAdd(xb, SignExtended(w + 48), a3);
            a4 = Vector512.FusedMultiplyAdd(xb, SignExtended(w + 64), a4);
            a5 = Vector512.FusedMultiplyAdd(xb, SignExtended(w + 80), a5);
            a6 = Vector512.FusedMultiplyAdd(xb, SignExtended(w + 96), a6);
            a7 = Vector512.FusedMultiplyAdd(xb, SignExtended(w + 112), a7);
        }

        return Sum(a0, a1, a2, a3, a4, a5, a6, a7);
    }

    /// <summary>
    /// q + 128 stored as a byte, zero-extended into the low bits of 2^23's float (exact), minus 2^23 + 128 (exact):
    /// the integer without a conversion, but one instruction more.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Magic(byte* p)
        => Avx512F.Or(Avx512F.ConvertToVector512UInt32(Vector128.Load(p)), Vector512.Create(0x4B000000u)).AsSingle() - Vector512.Create(8388736f);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Int8Magic(byte* w, float* x, int groups)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int g = 0; g < groups; g += 8, w += 8 * 16)
        {
            Vector512<float> xb = Vector512.Create(x[g]);
            a0 = Vector512.FusedMultiplyAdd(xb, Magic(w), a0);
            a1 = Vector512.FusedMultiplyAdd(xb, Magic(w + 16), a1);
            a2 = Vector512.FusedMultiplyAdd(xb, Magic(w + 32), a2);
            a3 = Vector512.FusedMultiplyAdd(xb, Magic(w + 48), a3);
            a4 = Vector512.FusedMultiplyAdd(xb, Magic(w + 64), a4);
            a5 = Vector512.FusedMultiplyAdd(xb, Magic(w + 80), a5);
            a6 = Vector512.FusedMultiplyAdd(xb, Magic(w + 96), a6);
            a7 = Vector512.FusedMultiplyAdd(xb, Magic(w + 112), a7);
        }

        return Sum(a0, a1, a2, a3, a4, a5, a6, a7);
    }
}
