using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Networks;

/// <summary>Generated networks against the independent reference, and the behaviour API.md promises.</summary>
public sealed class NetworkTests
{
    /// <summary>A generated network as a test drives it: load from bytes, run a batch.</summary>
    internal sealed record Case(string Name, RefLayer[] Layers, Func<byte[], Func<float[], float[]>> Load);

    internal static readonly Dictionary<string, Case> Cases = new[]
    {
        Make("MnistNet", Layers.MnistNet, b => { var n = MnistNet.Load(b); return x => Run(x, MnistNet.InputSize, MnistNet.OutputSize, n.Forward); }),
        Make("SeqMlp", Layers.SeqMlp, b => { var n = SeqMlp.Load(b); return x => Run(x, SeqMlp.InputSize, SeqMlp.OutputSize, n.Forward); }),
        Make("SeqBn", Layers.SeqBn, b => { var n = SeqBn.Load(b); return x => Run(x, SeqBn.InputSize, SeqBn.OutputSize, n.Forward); }),
        Make("Named", Layers.Named, b => { var n = Named.Load(b); return x => Run(x, Named.InputSize, Named.OutputSize, n.Forward); }),
        Make("StandaloneBn", Layers.StandaloneBn, b => { var n = StandaloneBn.Load(b); return x => Run(x, StandaloneBn.InputSize, StandaloneBn.OutputSize, n.Forward); }),
        Make("WideOdd", Layers.WideOdd, b => { var n = WideOdd.Load(b); return x => Run(x, WideOdd.InputSize, WideOdd.OutputSize, n.Forward); }),
        Make("SeqSmooth", Layers.SeqSmooth, b => { var n = SeqSmooth.Load(b); return x => Run(x, SeqSmooth.InputSize, SeqSmooth.OutputSize, n.Forward); }),
        Make("NamedLayerNorm", Layers.NamedLayerNorm, b => { var n = NamedLayerNorm.Load(b); return x => Run(x, NamedLayerNorm.InputSize, NamedLayerNorm.OutputSize, n.Forward); }),
        Make("Wide4096", Layers.Wide4096, b => { var n = Wide4096.Load(b); return x => Run(x, Wide4096.InputSize, Wide4096.OutputSize, n.Forward); }),
        Make("AllConvolutional", Layers.AllConvolutional, b => { var n = AllConvolutional.Load(b); return x => Run(x, AllConvolutional.InputSize, AllConvolutional.OutputSize, n.Forward); }),
        Make("LeNet", Layers.LeNet, b => { var n = LeNet.Load(b); return x => Run(x, LeNet.InputSize, LeNet.OutputSize, n.Forward); }),
        Make("CnnOdd", Layers.CnnOdd, b => { var n = CnnOdd.Load(b); return x => Run(x, CnnOdd.InputSize, CnnOdd.OutputSize, n.Forward); }),
        Make("Cnn1d", Layers.Cnn1d, b => { var n = Cnn1d.Load(b); return x => Run(x, Cnn1d.InputSize, Cnn1d.OutputSize, n.Forward); }),
        Make("Wide8192", Layers.Wide8192, b => { var n = Wide8192.Load(b); return x => Run(x, Wide8192.InputSize, Wide8192.OutputSize, n.Forward); }),
    }.ToDictionary(c => c.Name);

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    internal delegate void ForwardFn(ReadOnlySpan<float> inputs, Span<float> outputs);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Outputs_match_the_double_precision_reference(string name)
    {
        Case c = Cases[name];
        var random = new Random(name.Length * 7919);
        var tensors = RandomWeights.For(c.Layers, random);
        var forward = c.Load(RandomWeights.File(c.Layers, tensors));
        var reference = new ReferenceNetwork(c.Layers, tensors);
        foreach (int batch in new[] { 1, 2, 31, 33, 70 })
        {
            float[] inputs = RandomWeights.Inputs(batch * reference.InputSize, random);
            ReferenceNetwork.AssertClose(reference.Forward(inputs), forward(inputs), $"{name}, batch {batch}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Each_sample_gives_the_same_bits_at_every_batch_size(string name)
    {
        Case c = Cases[name];
        var random = new Random(42);
        var forward = c.Load(RandomWeights.File(c.Layers, RandomWeights.For(c.Layers, random)));
        var reference = new ReferenceNetwork(c.Layers, new Dictionary<string, float[]>());
        int inSize = reference.InputSize, outSize = reference.OutputSize;
        float[] inputs = RandomWeights.Inputs(97 * inSize, random);
        float[] together = forward(inputs);
        for (int row = 0; row < 97; row += 13)
        {
            float[] alone = forward(inputs.AsSpan(row * inSize, inSize).ToArray());
            Assert.Equal(Bits(together.AsSpan(row * outSize, outSize)), Bits(alone));
        }
    }

    [Fact]
    public void Forward_allocates_nothing_for_any_batch_size()
    {
        var net = MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(1))));
        var wide = Wide8192.Load(RandomWeights.File(Layers.Wide8192, RandomWeights.For(Layers.Wide8192, new Random(2))));
        float[] inputs = RandomWeights.Inputs(1000 * MnistNet.InputSize, new Random(3));
        float[] outputs = new float[1000 * MnistNet.OutputSize];
        float[] wideIn = new float[40 * Wide8192.InputSize], wideOut = new float[40 * Wide8192.OutputSize];
        MnistNet.Input single = default;
        // Every call measured below runs once first: a first call compiles code and initialises types.
        RunAll();
        long allocated = 0;
        for (int batch = 1; batch <= 1000; batch++)
        {
            allocated += AllocationMeter.OnThisThread(() => net.Forward(inputs.AsSpan(0, batch * MnistNet.InputSize), outputs.AsSpan(0, batch * MnistNet.OutputSize)));
        }

        for (int batch = 1; batch <= 40; batch += 13)
        {
            allocated += AllocationMeter.OnThisThread(() => wide.Forward(wideIn.AsSpan(0, batch * Wide8192.InputSize), wideOut.AsSpan(0, batch * Wide8192.OutputSize)));
        }

        allocated += AllocationMeter.OnThisThread(() => net.Forward(single));
        Assert.Equal(0, allocated);

        void RunAll()
        {
            for (int batch = 1; batch <= 1000; batch++)
            {
                net.Forward(inputs.AsSpan(0, batch * MnistNet.InputSize), outputs.AsSpan(0, batch * MnistNet.OutputSize));
            }

            for (int batch = 1; batch <= 40; batch += 13)
            {
                wide.Forward(wideIn.AsSpan(0, batch * Wide8192.InputSize), wideOut.AsSpan(0, batch * Wide8192.OutputSize));
            }

            _ = net.Forward(single);
        }
    }

    [Fact]
    public void Typed_single_sample_forward_equals_the_batch_forward()
    {
        var net = SeqMlp.Load(RandomWeights.File(Layers.SeqMlp, RandomWeights.For(Layers.SeqMlp, new Random(5))));
        float[] x = RandomWeights.Inputs(SeqMlp.InputSize, new Random(6));
        SeqMlp.Input input = default;
        x.CopyTo(input);
        SeqMlp.Output output = net.Forward(input);
        float[] batch = new float[SeqMlp.OutputSize];
        net.Forward(x, batch);
        Assert.Equal(Bits(batch), Bits(output));
    }

    [Fact]
    public void Many_threads_sharing_one_instance_get_the_single_thread_bits()
    {
        var net = WideOdd.Load(RandomWeights.File(Layers.WideOdd, RandomWeights.For(Layers.WideOdd, new Random(8))));
        float[] inputs = RandomWeights.Inputs(200 * WideOdd.InputSize, new Random(9));
        float[] expected = new float[200 * WideOdd.OutputSize];
        net.Forward(inputs, expected);

        var failures = 0;
        var threads = Enumerable.Range(0, 64).Select(t => new Thread(() =>
        {
            float[] outputs = new float[expected.Length];
            for (int repeat = 0; repeat < 20; repeat++)
            {
                int batch = 1 + ((t * 7 + repeat) % 200);
                net.Forward(inputs.AsSpan(0, batch * WideOdd.InputSize), outputs.AsSpan(0, batch * WideOdd.OutputSize));
                if (!Bits(outputs.AsSpan(0, batch * WideOdd.OutputSize)).SequenceEqual(Bits(expected.AsSpan(0, batch * WideOdd.OutputSize))))
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, failures);
    }

    [Fact]
    public void An_8192_wide_layer_runs_on_a_thread_with_a_small_stack()
    {
        var random = new Random(11);
        var tensors = RandomWeights.For(Layers.Wide8192, random);
        var net = Wide8192.Load(RandomWeights.File(Layers.Wide8192, tensors));
        float[] inputs = RandomWeights.Inputs(50 * Wide8192.InputSize, random);
        float[] outputs = new float[50 * Wide8192.OutputSize];
        Exception? error = null;
        var thread = new Thread(() => { try { net.Forward(inputs, outputs); } catch (Exception e) { error = e; } }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.Null(error);
        ReferenceNetwork.AssertClose(new ReferenceNetwork(Layers.Wide8192, tensors).Forward(inputs), outputs, "Wide8192");
    }

    [Theory]
    [InlineData(784, 11, "outputs")]
    [InlineData(783, 10, "inputs")]
    [InlineData(1568, 10, "outputs")]
    [InlineData(0, 10, "outputs")]
    public void Wrong_span_lengths_throw_ArgumentException_naming_the_sizes(int inputs, int outputs, string parameter)
    {
        var net = MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(1))));
        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[inputs], new float[outputs]));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(parameter == "inputs" ? "784" : "10", e.Message);
    }

    [Fact]
    public void An_empty_batch_is_a_no_op()
        => MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(1)))).Forward([], []);

    [Fact]
    public void Generated_constants_match_what_pytorch_would_count()
    {
        Assert.Equal(784, MnistNet.InputSize);
        Assert.Equal(10, MnistNet.OutputSize);
        Assert.Equal((784 * 128) + 128 + (128 * 64) + 64 + (64 * 10) + 10, MnistNet.ParameterCount);
        // BatchNorm's weight and bias are parameters; running statistics are buffers.
        Assert.Equal((12 * 24) + 24 + (2 * 24) + (24 * 10) + (2 * 10) + (10 * 4) + 4, Named.ParameterCount);
        Assert.Equal(2L * ((784 * 128) + (128 * 64) + (64 * 10)), MnistNet.FlopPerSample);
    }

    private static Case Make(string name, RefLayer[] layers, Func<byte[], Func<float[], float[]>> load) => new(name, layers, load);

    internal static float[] Run(float[] inputs, int inSize, int outSize, ForwardFn forward)
    {
        var outputs = new float[inputs.Length / inSize * outSize];
        forward(inputs, outputs);
        return outputs;
    }

    internal static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        }

        return bits;
    }
}

/// <summary>ForwardParallel: every core, the same bits, no allocation.</summary>
public sealed class ParallelTests
{
    [Fact]
    public void ForwardParallel_gives_Forwards_bits_and_allocates_nothing()
    {
        var net = MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(21))));
        // 1 and 9: under 2 MFLOP, the 784→128 layer's panels in fixed shares; 12: the first call finds no layer too
        // large for L2, the second splits rows in chunks of 4; 17 and up: chunks of 8 rows or more, claimed by whichever
        // thread is free.
        foreach (int batch in new[] { 1, 9, 12, 17, 64, 100, 999, 4096 })
        {
            float[] inputs = RandomWeights.Inputs(batch * MnistNet.InputSize, new Random(batch));
            ParallelMatchesForward(net.Forward, net.ForwardParallel, inputs, batch * MnistNet.OutputSize);
        }
    }

    [Fact]
    public void ForwardParallel_shares_a_large_layers_outputs_for_a_few_rows_with_Forwards_bits()
    {
        var tensors = RandomWeights.For(Layers.LargeLayer, new Random(31));
        var net = LargeLayer.Load(RandomWeights.File(Layers.LargeLayer, tensors));
        var reference = new ReferenceNetwork(Layers.LargeLayer, tensors);
        // 1–15 rows: the 4.4 MB layer's panels shared among the cores (8–15: a block of 8 rows, then the rest);
        // 16 and 17: rows shared instead.
        foreach (int batch in new[] { 1, 2, 3, 5, 7, 8, 9, 12, 15, 16, 17 })
        {
            float[] inputs = RandomWeights.Inputs(batch * LargeLayer.InputSize, new Random(batch));
            float[] all = ParallelMatchesForward(net.Forward, net.ForwardParallel, inputs, batch * LargeLayer.OutputSize);
            ReferenceNetwork.AssertClose(reference.Forward(inputs), all, $"batch {batch}");
        }
    }

    /// <summary>
    /// Runs <paramref name="parallel"/> and <paramref name="forward"/> on the same inputs: the parallel outputs must have
    /// the same bits, and a call after two warm-up calls (the first may learn the network's shape) must allocate nothing.
    /// </summary>
    private static float[] ParallelMatchesForward(Forward forward, Forward parallel, float[] inputs, int outputLength)
    {
        float[] one = new float[outputLength], all = new float[outputLength];
        forward(inputs, one);
        parallel(inputs, all);
        parallel(inputs, all);
        Assert.Equal(0, AllocationMeter.OnThisThread(() => parallel(inputs, all)));
        Assert.Equal(NetworkTests.Bits(one), NetworkTests.Bits(all));
        return all;
    }

    private delegate void Forward(ReadOnlySpan<float> inputs, Span<float> outputs);

    [Theory]
    [InlineData(3)]
    [InlineData(12)]
    public void Concurrent_ForwardParallel_calls_of_a_few_rows_give_Forwards_bits(int rows)
    {
        var net = LargeLayer.Load(RandomWeights.File(Layers.LargeLayer, RandomWeights.For(Layers.LargeLayer, new Random(32))));
        float[] inputs = RandomWeights.Inputs(rows * LargeLayer.InputSize, new Random(33));
        float[] expected = new float[rows * LargeLayer.OutputSize];
        net.Forward(inputs, expected);
        // Four callers at once: one holds the workers, the others compute alone; every result must be the same.
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        System.Threading.Tasks.Parallel.For(0, 4, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 4 }, caller =>
        {
            float[] outputs = new float[rows * LargeLayer.OutputSize];
            for (int call = 0; call < 20; call++)
            {
                net.ForwardParallel(inputs, outputs);
                if (!NetworkTests.Bits(expected).SequenceEqual(NetworkTests.Bits(outputs)))
                {
                    failures.Add($"caller {caller}, call {call}");
                }
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void ForwardParallel_checks_span_lengths()
    {
        var net = MnistNet.Load(RandomWeights.File(Layers.MnistNet, RandomWeights.For(Layers.MnistNet, new Random(21))));
        Assert.Throws<ArgumentException>(() => net.ForwardParallel(new float[100 * 784], new float[99 * 10]));
    }

    [Fact]
    public void A_batch_of_100000_works()
    {
        var tensors = RandomWeights.For(Layers.SeqMlp, new Random(22));
        var net = SeqMlp.Load(RandomWeights.File(Layers.SeqMlp, tensors));
        float[] inputs = RandomWeights.Inputs(100_000 * SeqMlp.InputSize, new Random(23));
        float[] outputs = new float[100_000 * SeqMlp.OutputSize];
        net.ForwardParallel(inputs, outputs);
        var reference = new ReferenceNetwork(Layers.SeqMlp, tensors);
        foreach (int row in new[] { 0, 31_337, 99_999 })
        {
            ReferenceNetwork.AssertClose(
                reference.Forward(inputs.AsSpan(row * SeqMlp.InputSize, SeqMlp.InputSize).ToArray()),
                outputs.AsSpan(row * SeqMlp.OutputSize, SeqMlp.OutputSize).ToArray(),
                $"row {row}");
        }
    }
}
