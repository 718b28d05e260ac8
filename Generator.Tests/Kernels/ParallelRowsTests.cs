using System;
using System.Threading.Tasks;
using StaticNet.Generator.Tests.Support;
using StaticNet.Kernels;

namespace StaticNet.Generator.Tests.Kernels;

/// <summary><see cref="ParallelRows"/>: same bits as one thread, safe under concurrent callers, no allocation.</summary>
public sealed class ParallelRowsTests
{
    [Theory]
    [InlineData(784, 128, 300)]
    [InlineData(1000, 257, 67)]
    [InlineData(300, 1000, 129)]
    [InlineData(7, 3, 5)]
    public void Gives_the_bits_of_the_one_thread_kernel(int inputs, int outputs, int rows)
    {
        var random = new Random(rows);
        var (weight, bias) = KernelPaths.RandomLayer(random, inputs, outputs);
        DenseWeights packed = DenseWeights.Pack(weight, bias, inputs, outputs);
        float[] x = KernelPaths.RandomValues(random, rows * inputs);
        var expected = new float[rows * outputs];
        DenseForward forward = KernelPaths.Dense(inputs, outputs, "ReLU");
        forward(KernelPath.Scalar, x, expected, rows, packed);
        var y = new float[rows * outputs];
        Parallel(inputs, outputs, x, y, rows, packed);
        KernelPaths.AssertBitIdentical(expected, y, $"{inputs}→{outputs}, {rows} rows, parallel");
    }

    [Fact]
    public void Concurrent_callers_each_get_their_own_result()
    {
        var random = new Random(77);
        var (weight, bias) = KernelPaths.RandomLayer(random, 784, 128);
        DenseWeights packed = DenseWeights.Pack(weight, bias, 784, 128);
        const int rows = 200;
        var inputs = new float[4][];
        var expected = new float[4][];
        for (int i = 0; i < 4; i++)
        {
            inputs[i] = KernelPaths.RandomValues(random, rows * 784);
            expected[i] = new float[rows * 128];
            KernelPaths.Dense(784, 128, "ReLU")(KernelPath.Scalar, inputs[i], expected[i], rows, packed);
        }

        System.Threading.Tasks.Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 4 }, call =>
        {
            var y = new float[rows * 128];
            ParallelRows.Forward<Shape<D784, D128>, ReLUActivation>(inputs[call % 4], y, rows, packed);
            KernelPaths.AssertBitIdentical(expected[call % 4], y, $"concurrent call {call}");
        });
    }

    [Fact]
    public void Allocates_nothing_per_call()
    {
        var random = new Random(5);
        var (weight, bias) = KernelPaths.RandomLayer(random, 1000, 257);
        DenseWeights packed = DenseWeights.Pack(weight, bias, 1000, 257);
        const int rows = 100;
        float[] x = KernelPaths.RandomValues(random, rows * 1000);
        var y = new float[rows * 257];
        for (int i = 0; i < 3; i++)
        {
            ParallelRows.Forward<Shape<D1000, D257>, ReLUActivation>(x, y, rows, packed);
        }

        long allocated = 0;
        for (int i = 0; i < 50; i++)
        {
            allocated += AllocationMeter.OnThisThread(() => ParallelRows.Forward<Shape<D1000, D257>, ReLUActivation>(x, y, rows, packed));
        }

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Checks_its_arguments()
    {
        DenseWeights packed = DenseWeights.Pack(new float[6], [], 3, 2);
        Assert.Throws<ArgumentException>(() => ParallelRows.Forward<Shape<D3, D2>, ReLUActivation>(new float[5], new float[4], 2, packed));
    }

    private static void Parallel(int inputs, int outputs, float[] x, float[] y, int rows, DenseWeights packed)
    {
        switch ((inputs, outputs))
        {
            case (784, 128): ParallelRows.Forward<Shape<D784, D128>, ReLUActivation>(x, y, rows, packed); break;
            case (1000, 257): ParallelRows.Forward<Shape<D1000, D257>, ReLUActivation>(x, y, rows, packed); break;
            case (300, 1000): ParallelRows.Forward<Shape<D300, D1000>, ReLUActivation>(x, y, rows, packed); break;
            default: ParallelRows.Forward<Shape<D7, D3>, ReLUActivation>(x, y, rows, packed); break;
        }
    }
}
