using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using StaticNet;
using StaticNet.Sample;

// StaticNet's sample: classify the 10,000 MNIST test digits with a network declared by attributes, its
// PyTorch-trained weights embedded at compile time, and show accuracy (next to PyTorch's), speed and a few digits.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}

try
{
    return Run(options);
}
catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static int Run(Options options)
{
    var total = Stopwatch.StartNew();
    Console.WriteLine($"StaticNet sample — MNIST digits, {Environment.ProcessorCount} cores, kernels: {KernelInfo.Description}");
    Console.WriteLine();
    Console.WriteLine(MnistNet.Summary);

    var load = Stopwatch.StartNew();
    MnistNet net = options.Weights is null ? MnistNet.LoadEmbedded() : MnistNet.Load(options.Weights);
    load.Stop();

    float[] images;
    byte[] labels;
    int count;
    using (Stream imageStream = options.Images is null ? Resource("t10k-images-idx3-ubyte.gz") : File.OpenRead(options.Images))
    using (Stream labelStream = options.Labels is null ? Resource("t10k-labels-idx1-ubyte.gz") : File.OpenRead(options.Labels))
    {
        images = Idx.ReadImages(imageStream, out count);
        labels = Idx.ReadLabels(labelStream);
    }

    if (labels.Length != count)
    {
        throw new InvalidDataException($"The image file holds {count} images but the label file {labels.Length} labels.");
    }

    Console.WriteLine($"Weights: {(options.Weights ?? "embedded at compile time (Sample/Data/mnist.safetensors)")}, ready in {load.Elapsed.TotalMilliseconds:F2} ms");
    Console.WriteLine($"Images:  {count:N0} from {(options.Images ?? "the MNIST test set (embedded)")}");
    Console.WriteLine();

    // Classify everything, in batches of --batch.
    float[] probabilities = new float[count * MnistNet.OutputSize];
    Terminal.WithProgress("classifying", report =>
    {
        for (int start = 0; start < count; start += options.Batch)
        {
            int rows = Math.Min(options.Batch, count - start);
            net.Forward(images.AsSpan(start * MnistNet.InputSize, rows * MnistNet.InputSize), probabilities.AsSpan(start * MnistNet.OutputSize, rows * MnistNet.OutputSize));
            report((double)(start + rows) / count);
        }

        return 0;
    });

    int[] predictions = Enumerable.Range(0, count).Select(i => ArgMax(probabilities.AsSpan(i * MnistNet.OutputSize, MnistNet.OutputSize))).ToArray();
    int correct = predictions.Where((p, i) => p == labels[i]).Count();
    double accuracy = count == 0 ? 0 : (double)correct / count;
    int exitCode = 0;

    Console.WriteLine("Accuracy");
    Console.WriteLine($"  StaticNet  {accuracy:P2}  ({correct:N0} / {count:N0})");
    if (options.UsesBundledData)
    {
        using var json = JsonDocument.Parse(Resource("mnist.pytorch.json"));
        int pytorchCorrect = json.RootElement.GetProperty("correct").GetInt32();
        int pytorchTotal = json.RootElement.GetProperty("total").GetInt32();
        using var predictionStream = Resource("mnist.pytorch-predictions.bin");
        byte[] pytorchPredictions = new byte[pytorchTotal];
        predictionStream.ReadExactly(pytorchPredictions);
        int agree = predictions.Where((p, i) => p == pytorchPredictions[i]).Count();
        Console.WriteLine($"  PyTorch    {(double)pytorchCorrect / pytorchTotal:P2}  ({pytorchCorrect:N0} / {pytorchTotal:N0}, recorded by tools/train_mnist.py)");
        Console.WriteLine($"  Same prediction as PyTorch for {agree:N0} of {count:N0} images");
        if (correct < pytorchCorrect)
        {
            Console.WriteLine($"  FAIL: accuracy is below PyTorch's recorded {(double)pytorchCorrect / pytorchTotal:P2}");
            exitCode = 3;
        }
    }

    // Every kernel path on every processor gives these same bits, so this line is the same everywhere (x64 AVX-512,
    // AVX2, ARM64 NEON, plain .NET); CI compares it between x64 and ARM64.
    Console.WriteLine($"  Outputs    fingerprint {Fingerprint(probabilities):x16} (FNV-1a of all {probabilities.Length:N0} probabilities' bits)");

    Console.WriteLine();
    double[] latencies = count == 0 || !options.Timing ? [] : BatchOneLatencies(net, images, count);
    CompareWeightFormats(options, images, labels, count, correct, latencies);
    PrintLayerStatistics(net, images, Math.Min(count, 1000));
    if (options.Timing)
    {
        MeasureSpeed(net, images, count, options.Batch, latencies);
    }

    exitCode = Math.Max(exitCode, ClassifyWithLeNet(options, images, labels, count));

    // A few digits: the first ones, plus the first mistake if there is one.
    int[] shown = Enumerable.Range(0, Math.Min(options.Digits, count)).ToArray();
    int mistake = Enumerable.Range(0, count).FirstOrDefault(i => predictions[i] != labels[i], -1);
    if (mistake >= 0 && shown.Length > 0)
    {
        shown[^1] = mistake;
    }

    if (shown.Length > 0)
    {
        Console.WriteLine("Some digits");
        string[] captions = shown.Select(i =>
        {
            int p = predictions[i];
            string mark = p == labels[i] ? "✓" : $"✗ (is {labels[i]})";
            return $"#{i}: {p} {probabilities[(i * MnistNet.OutputSize) + p]:P1} {mark}";
        }).ToArray();
        Terminal.DrawDigits(images, shown, captions);
        Console.WriteLine();
    }

    Console.WriteLine($"Done in {total.Elapsed.TotalSeconds:F2} s.");
    return exitCode;
}

// FNV-1a over the bits of every float: a fingerprint to compare runs by, not a cryptographic hash (which would need
// OpenSSL on Linux, absent from many small ARM64 systems).
static ulong Fingerprint(float[] values)
{
    ulong hash = 14695981039346656037;
    foreach (float value in values)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        for (int shift = 0; shift < 32; shift += 8)
        {
            hash = (hash ^ ((bits >> shift) & 0xFF)) * 1099511628211;
        }
    }

    return hash;
}

static void PrintLayerStatistics(MnistNet net, float[] images, int rows)
{
    if (rows == 0)
    {
        return;
    }

    Console.WriteLine($"Activations over the first {rows:N0} images (ForwardInspect)");
    Console.WriteLine("  #  Layer            mean      std      min      max   zeros  dead units");
    net.ForwardInspect(images.AsSpan(0, rows * MnistNet.InputSize), new float[rows * MnistNet.OutputSize], activation =>
    {
        LayerStatistics s = activation.Statistics();
        Console.WriteLine($"  {activation.Position}  {activation.Layer,-15} {s.Mean,6:F3}  {s.StandardDeviation,7:F3}  {s.Min,7:F3}  {s.Max,7:F3}  {s.ZeroFraction,6:P0}  {s.DeadUnits,4} of {activation.Features}");
    });
    Console.WriteLine();
}

// The same weights file stored as bfloat16 and as int8 (each network converted it at compile time), and int8 with the
// inputs quantised per row: accuracy, bytes a weight and batch-1 latency beside float32's.
static void CompareWeightFormats(Options options, float[] images, byte[] labels, int count, int float32Correct, double[] float32Latencies)
{
    if (count == 0)
    {
        return;
    }

    MnistNetBFloat16 bfloat16 = options.Weights is null ? MnistNetBFloat16.LoadEmbedded() : MnistNetBFloat16.Load(options.Weights);
    MnistNetInt8 int8 = options.Weights is null ? MnistNetInt8.LoadEmbedded() : MnistNetInt8.Load(options.Weights);
    MnistNetInt8Dynamic int8Dynamic = options.Weights is null ? MnistNetInt8Dynamic.LoadEmbedded() : MnistNetInt8Dynamic.Load(options.Weights);
    bool timing = options.Timing;
    (int Correct, double Median) float32 = (float32Correct, timing ? Median(float32Latencies) : 0);
    Console.WriteLine("Weight formats (the same file, converted when compiled; activations and sums in float32 but for int8 dynamic)");
    Print("float32     ", "4 bytes a weight            ", float32.Correct, float32.Median);
    Print("bfloat16    ", "2 bytes a weight            ", Correct(bfloat16, images, labels, count), timing ? Median(BatchOneLatencies(bfloat16, images, count)) : 0);
    Print("int8        ", "1 byte a weight             ", Correct(int8, images, labels, count), timing ? Median(BatchOneLatencies(int8, images, count)) : 0);
    Print("int8 dynamic", "1 byte a weight, int8 inputs", Correct(int8Dynamic, images, labels, count), timing ? Median(BatchOneLatencies(int8Dynamic, images, count)) : 0);
    Console.WriteLine();

    void Print(string format, string size, int correct, double median)
        => Console.WriteLine($"  {format}  {(double)correct / count:P2}  ({correct - float32.Correct:+#;-#;±0} vs float32)  "
            + (timing ? $"{size}  batch 1: median {median:F2} µs ({float32.Median / median:F2}×)" : size.TrimEnd()));
}

static int Correct<TNetwork>(TNetwork net, float[] images, byte[] labels, int count)
    where TNetwork : INetwork
{
    float[] probabilities = new float[count * TNetwork.OutputSize];
    net.Forward(images.AsSpan(0, count * TNetwork.InputSize), probabilities);
    return Enumerable.Range(0, count).Count(i => ArgMax(probabilities.AsSpan(i * TNetwork.OutputSize, TNetwork.OutputSize)) == labels[i]);
}

static double Median(double[] sorted) => sorted[sorted.Length / 2];

// Batch 1: every call timed on its own, after a warm-up, so the median and the tail are real per-call latencies.
// The warm-up lasts a quarter of a second, not a number of calls: the JIT replaces a method's first code with its
// optimised code ~100 ms after the method gets busy, and a few thousand microsecond calls are over sooner.
static double[] BatchOneLatencies<TNetwork>(TNetwork net, float[] images, int count)
    where TNetwork : INetwork
{
    int samples = Math.Min(count, 10_000);
    var latencies = new double[samples];
    float[] output = new float[TNetwork.OutputSize];
    var warmUp = Stopwatch.StartNew();
    for (int i = 0; samples > 0 && warmUp.ElapsedMilliseconds < 250; i++)
    {
        net.Forward(images.AsSpan((i % samples) * TNetwork.InputSize, TNetwork.InputSize), output);
    }

    Terminal.WithProgress("timing batch 1", report =>
    {
        for (int i = 0; i < samples; i++)
        {
            ReadOnlySpan<float> image = images.AsSpan(i * TNetwork.InputSize, TNetwork.InputSize);
            long start = Stopwatch.GetTimestamp();
            net.Forward(image, output);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            if (i % 1000 == 0)
            {
                report((double)i / samples);
            }
        }

        return 0;
    });
    Array.Sort(latencies);
    return latencies;
}

static void MeasureSpeed(MnistNet net, float[] images, int count, int batch, double[] latencies)
{
    if (count == 0)
    {
        return;
    }

    int samples = latencies.Length;

    // A large batch: as many whole passes as fit in about half a second.
    int rows = Math.Min(batch, count);
    float[] outputs = new float[rows * MnistNet.OutputSize];
    net.Forward(images.AsSpan(0, rows * MnistNet.InputSize), outputs);
    var throughput = Stopwatch.StartNew();
    long done = 0;
    while (throughput.Elapsed.TotalSeconds < 0.5)
    {
        net.Forward(images.AsSpan(0, rows * MnistNet.InputSize), outputs);
        done += rows;
    }

    double seconds = throughput.Elapsed.TotalSeconds;
    Console.WriteLine("Speed (one thread)");
    Console.WriteLine($"  batch 1:      median {latencies[samples / 2]:F2} µs, p99 {latencies[(int)(samples * 0.99)]:F2} µs per sample ({samples:N0} calls)");
    Console.WriteLine($"  batch {rows,-6:N0} {done / seconds / 1e6:F2} M samples/s, {done / seconds * MnistNet.FlopPerSample / 1e9:F1} GFLOP/s");
    Console.WriteLine();
}

// The convolutional network on the same images: accuracy beside PyTorch's, then batch-1 latency and large-batch
// throughput like the dense network's. Returns 3 when its accuracy is below the figure tools/train_lenet.py recorded.
static int ClassifyWithLeNet(Options options, float[] images, byte[] labels, int count)
{
    if (count == 0)
    {
        return 0;
    }

    LeNet net = LeNet.LoadEmbedded();
    float[] scores = new float[count * LeNet.OutputSize];
    net.Forward(images.AsSpan(0, count * LeNet.InputSize), scores);
    int[] predictions = Enumerable.Range(0, count).Select(i => ArgMax(scores.AsSpan(i * LeNet.OutputSize, LeNet.OutputSize))).ToArray();
    int correct = predictions.Where((p, i) => p == labels[i]).Count();
    int exitCode = 0;

    Console.WriteLine($"Convolutional network: LeNet, {LeNet.ParameterCount:N0} parameters embedded from Sample/Data/lenet.safetensors");
    Console.WriteLine($"  StaticNet  {(double)correct / count:P2}  ({correct:N0} / {count:N0})");
    if (options.Images is null && options.Labels is null)
    {
        using var json = JsonDocument.Parse(Resource("lenet.pytorch.json"));
        int pytorchCorrect = json.RootElement.GetProperty("correct").GetInt32();
        int pytorchTotal = json.RootElement.GetProperty("total").GetInt32();
        using var predictionStream = Resource("lenet.pytorch-predictions.bin");
        byte[] pytorchPredictions = new byte[pytorchTotal];
        predictionStream.ReadExactly(pytorchPredictions);
        int agree = predictions.Where((p, i) => p == pytorchPredictions[i]).Count();
        Console.WriteLine($"  PyTorch    {(double)pytorchCorrect / pytorchTotal:P2}  ({pytorchCorrect:N0} / {pytorchTotal:N0}, recorded by tools/train_lenet.py)");
        Console.WriteLine($"  Same prediction as PyTorch for {agree:N0} of {count:N0} images");
        if (correct < pytorchCorrect)
        {
            Console.WriteLine($"  FAIL: accuracy is below PyTorch's recorded {(double)pytorchCorrect / pytorchTotal:P2}");
            exitCode = 3;
        }
    }

    if (!options.Timing)
    {
        Console.WriteLine();
        return exitCode;
    }

    double[] latencies = BatchOneLatencies(net, images, count);
    int rows = Math.Min(options.Batch, count);
    var throughput = Stopwatch.StartNew();
    long done = 0;
    while (throughput.Elapsed.TotalSeconds < 0.5)
    {
        net.Forward(images.AsSpan(0, rows * LeNet.InputSize), scores.AsSpan(0, rows * LeNet.OutputSize));
        done += rows;
    }

    double seconds = throughput.Elapsed.TotalSeconds;
    Console.WriteLine($"  batch 1:      median {Median(latencies):F2} µs, p99 {latencies[(int)(latencies.Length * 0.99)]:F2} µs per sample ({latencies.Length:N0} calls, one thread)");
    Console.WriteLine($"  batch {rows,-6:N0} {done / seconds / 1e3:F1} k samples/s, {done / seconds * LeNet.FlopPerSample / 1e9:F1} GFLOP/s");
    Console.WriteLine();
    return exitCode;
}

static int ArgMax(ReadOnlySpan<float> values)
{
    int best = 0;
    for (int i = 1; i < values.Length; i++)
    {
        best = values[i] > values[best] ? i : best;
    }

    return best;
}

static Stream Resource(string name)
    => Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
       ?? throw new InvalidDataException($"The sample was built without its embedded resource {name}.");
