using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using StaticNet.Bench.Contenders;
using StaticNet.Kernels;

namespace StaticNet.Bench;

/// <summary>
/// <c>--int8-ab [rounds]</c>: the MNIST network in float32, int8 and int8 dynamic against ONNX Runtime's float32 model
/// and its two int8 graphs (DynamicQuantizeLinear + MatMulInteger; MatMulNBits with 8-bit weights), one thread, at batch 1, 8, 64 and 256; then the two x64
/// paths of int8 dynamic's integer dot products (AVX-VNNI, AVX-512BW) on MNIST's first layer. Alternating short bursts
/// in one process, each contender's fastest burst kept, so load from other processes (which only ever slows a burst
/// down) affects all alike.
/// </summary>
internal static class Int8Comparison
{
    /// <summary>Keeps the peak loop's result alive.</summary>
    private static float Sink { get; set; }

    public static void Run(int rounds)
    {
        if (Environment.GetEnvironmentVariable("INT8_AB_LAYERS") == "1")
        {
            LayerBreakdown(rounds);
            return;
        }

        Console.WriteLine($"MNIST 784-128-64-10, one thread, µs per call: best of {rounds} alternating bursts of ~2 ms");
        Console.WriteLine("ONNX Runtime's int8 graphs: DQL = DynamicQuantizeLinear + MatMulInteger (activations uint8 per tensor); NBits = MatMulNBits, 8-bit weights in blocks of 128,");
        Console.WriteLine("accuracy_level 4 (activations int8 per block, integer kernels); \"vs ORT int8\" takes the faster of the two at each batch");
        Console.WriteLine("batch   float32      int8  int8 dyn   ORT f32   ORT DQL  ORT NBits   dyn vs f32  dyn vs int8  dyn vs ORT f32  dyn vs ORT int8");
        Model model = Model.Create(Model.Mnist);
        var float32 = MnistNet.Load(model.WeightsPath);
        var int8 = MnistNetInt8.Load(model.WeightsPath);
        var dynamic = MnistNetInt8Dynamic.Load(model.WeightsPath);
        foreach (int batch in new[] { 1, 8, 64, 256 })
        {
            float[] input = GC.AllocateArray<float>(batch * model.InputSize, pinned: true);
            float[] output = GC.AllocateArray<float>(batch * model.OutputSize, pinned: true);
            Model.FillInputs(input);
            using var ortFloat32 = new OnnxRuntimeContender(model, input, output, batch, threads: 1);
            using var ortInt8 = new OnnxRuntimeContender(OnnxModelWriter.WriteInt8(model), model, input, output, batch, threads: 1);
            using var ortBlocks = new OnnxRuntimeContender(OnnxModelWriter.WriteInt8Blocks(model, accuracyLevel: 4), model, input, output, batch, threads: 1);
            CheckAgainstInt8("ONNX Runtime DQL + MatMulInteger", ortInt8.Run, int8, input, output);
            CheckAgainstInt8("ONNX Runtime MatMulNBits", ortBlocks.Run, int8, input, output);
            double[] best = AlternatingBursts.Best(rounds,
            [
                () => float32.Forward(input, output),
                () => int8.Forward(input, output),
                () => dynamic.Forward(input, output),
                ortFloat32.Run,
                ortInt8.Run,
                ortBlocks.Run,
            ]);
            double ortInt8Best = Math.Min(best[4], best[5]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{batch,5}  {Us(best[0]),8:F2}  {Us(best[1]),8:F2}  {Us(best[2]),8:F2}  {Us(best[3]),8:F2}  {Us(best[4]),8:F2}  {Us(best[5]),9:F2}   {best[0] / best[2],9:F2}×  {best[1] / best[2],10:F2}×  {best[3] / best[2],13:F2}×  {ortInt8Best / best[2],14:F2}×"));
        }

        if (System.Runtime.Intrinsics.X86.AvxVnni.IsSupported && System.Runtime.Intrinsics.X86.Avx512BW.IsSupported)
        {
            Console.WriteLine();
            Console.WriteLine("int8 dynamic, dense 784→128 + ReLU, µs per call by path; AVX-VNNI's vpdpbusd (256-bit) per 512-bit FMA's time, the FMA peak loop timed in the same bursts (1.00: the instruction's own rate, if it issues as often as the FMA)");
            Console.WriteLine(" rows  AVX-VNNI  AVX-512BW  AVX-512BW / AVX-VNNI  vpdpbusd per FMA time");
            var (weight, bias) = Model.RandomLayer(784, 128, new Random(1));
            DenseWeights packed = DenseWeights.Pack(weight, bias, 784, 128, WeightFormat.Int8Dynamic);
            using var peak = new PeakBenchmarks();
            peak.Setup();
            foreach (int rows in new[] { 1, 8, 64, 256 })
            {
                float[] x = new float[rows * 784];
                float[] y = new float[rows * 128];
                Model.FillInputs(x);
                double[] best = AlternatingBursts.Best(rounds,
                [
                    () => DenseKernel.ForwardInt8DynamicAvxVnni<Mnist1, ReLUActivation>(x, y, rows, packed),
                    () => DenseKernel.ForwardInt8DynamicAvx512BW<Mnist1, ReLUActivation>(x, y, rows, packed),
                    () => Sink += peak.FmaPeak(),
                ]);

                // Rows computed (from 3 rows, in blocks of 3) × 196 quads × 16 ymm vectors of outputs; the peak loop
                // does PeakBenchmarks.FmaFlops / 32 FMAs.
                long computedRows = rows < 3 ? rows : (rows + 2) / 3 * 3;
                double vnniPerFmaTime = computedRows * 196.0 * 16 / best[0] / (PeakBenchmarks.FmaFlops / 32 / best[2]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows,5}  {Us(best[0]),8:F2}  {Us(best[1]),9:F2}  {best[1] / best[0],19:F2}×  {vnniPerFmaTime,21:F2}"));
            }
        }

        LayerBreakdown(rounds);
    }

    /// <summary>Batch 1, layer by layer: MNIST's three dense layers in int8 dynamic and in float32, one call each.</summary>
    private static void LayerBreakdown(int rounds)
    {
        Console.WriteLine();
        Console.WriteLine("batch 1 by layer, µs per call: int8 dynamic, float32");
        var (w1, b1) = Model.RandomLayer(784, 128, new Random(1));
        var (w2, b2) = Model.RandomLayer(128, 64, new Random(1));
        var (w3, b3) = Model.RandomLayer(64, 10, new Random(1));
        DenseWeights d1 = DenseWeights.Pack(w1, b1, 784, 128, WeightFormat.Int8Dynamic), f1 = DenseWeights.Pack(w1, b1, 784, 128);
        DenseWeights d2 = DenseWeights.Pack(w2, b2, 128, 64, WeightFormat.Int8Dynamic), f2 = DenseWeights.Pack(w2, b2, 128, 64);
        DenseWeights d3 = DenseWeights.Pack(w3, b3, 64, 10, WeightFormat.Int8Dynamic), f3 = DenseWeights.Pack(w3, b3, 64, 10);
        float[] x = new float[784];
        float[] h1 = new float[128];
        float[] h2 = new float[64];
        float[] y = new float[10];
        Model.FillInputs(x);
        Model model = Model.Create(Model.Mnist);
        var float32Net = MnistNet.Load(model.WeightsPath);
        var dynamicNet = MnistNetInt8Dynamic.Load(model.WeightsPath);
        double[] best = AlternatingBursts.Best(rounds,
        [
            () => DenseKernel.ForwardInt8Dynamic<Mnist1, ReLUActivation>(x, h1, 1, d1),
            () => DenseKernel.ForwardInt8Dynamic<Mnist2, ReLUActivation>(h1, h2, 1, d2),
            () => DenseKernel.ForwardSoftmaxInt8Dynamic<Mnist3>(h2, y, 1, d3),
            () => DenseKernel.Forward<Mnist1, ReLUActivation>(x, h1, 1, f1),
            () => DenseKernel.Forward<Mnist2, ReLUActivation>(h1, h2, 1, f2),
            () => DenseKernel.ForwardSoftmax<Mnist3>(h2, y, 1, f3),
            () => dynamicNet.Forward(x, y),
            () => float32Net.Forward(x, y),
        ]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"networks: int8 dynamic {Us(best[6]):F3}, float32 {Us(best[7]):F3}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"784→128 {Us(best[0]):F3} {Us(best[3]):F3}; 128→64 {Us(best[1]):F3} {Us(best[4]):F3}; 64→10 + softmax {Us(best[2]):F3} {Us(best[5]):F3}"));
    }

    private readonly struct Mnist2 : IDenseShape
    {
        public static int Inputs => 128;

        public static int Outputs => 64;
    }

    private readonly struct Mnist3 : IDenseShape
    {
        public static int Inputs => 64;

        public static int Outputs => 10;
    }

    private readonly struct Mnist1 : IDenseShape
    {
        public static int Inputs => 784;

        public static int Outputs => 128;
    }

    private static double Us(double seconds) => seconds * 1e6;

    /// <summary>
    /// An ONNX Runtime int8 graph must agree with StaticNet's int8 (float activations) within 0.1 of each probability:
    /// it quantises the activations too, so only that close; a wrong graph is far off.
    /// </summary>
    private static void CheckAgainstInt8(string who, Action run, MnistNetInt8 int8, float[] input, float[] output)
    {
        Array.Clear(output);
        run();
        float[] theirs = (float[])output.Clone();
        int8.Forward(input, output);
        Agreement.Check(who, theirs, "StaticNet int8", output, absolute: 0.1f);
    }

}
