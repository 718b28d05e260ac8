using System;
using System.IO;
using System.Linq;
using StaticNet.Generator.Tests.Networks;
using StaticNet.Generator.Tests.Support;
using StaticNet.Weights;

namespace StaticNet.Generator.Tests.Weights;

/// <summary>
/// The generated LoadNumpy, LoadOnnx and Load(path) on the NumPy and ONNX fixtures: outputs against the references
/// tools/make_weight_formats.py recorded (scikit-learn, PyTorch, an evaluation of the ONNX operators), the operator
/// sequence checked against the declared layers, and layout mistakes named.
/// </summary>
public sealed class LoadFormatsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string PathOf(string file) => Path.Combine(WeightFormatFixtures.Directory, file);

    private static float[] Run<TNetwork>(TNetwork network, FixtureNetwork fixture)
        where TNetwork : INetwork
    {
        var outputs = new float[fixture.Rows * TNetwork.OutputSize];
        network.Forward(fixture.Inputs, outputs);
        return outputs;
    }

    [Theory]
    [InlineData("mlp.in_out.f32.npz")]
    [InlineData("mlp.in_out.f64.npz")]
    [InlineData("mlp.in_out.f16.npz")]
    [InlineData("mlp.in_out.f32.fortran.npz")]
    [InlineData("mlp.out_in.f32.npz")]
    public void LoadNumpy_reads_every_storage_variant_in_its_layout(string file)
    {
        FixtureNetwork fixture = WeightFormatFixtures.Data.Files[file].Network!;
        WeightLayout layout = fixture.Layout == "in_out" ? WeightLayout.InputsByOutputs : WeightLayout.OutputsByInputs;
        float[] fromPath = Run(NumpyMlp.LoadNumpy(PathOf(file), layout), fixture);
        ReferenceNetwork.AssertClose(fixture.Outputs, fromPath, file);

        using FileStream stream = File.OpenRead(PathOf(file));
        Assert.Equal(NetworkTests.Bits(fromPath), NetworkTests.Bits(Run(NumpyMlp.LoadNumpy(stream, layout), fixture)));
        Assert.Equal(NetworkTests.Bits(fromPath), NetworkTests.Bits(Run(NumpyMlp.LoadNumpy(File.ReadAllBytes(PathOf(file)), layout), fixture)));
    }

    [Fact]
    public void Both_layouts_of_the_same_float32_weights_give_the_same_bits()
    {
        FixtureNetwork fixture = WeightFormatFixtures.Data.Files["mlp.out_in.f32.npz"].Network!;
        float[] numpy = Run(NumpyMlp.LoadNumpy(PathOf("mlp.in_out.f32.npz"), WeightLayout.InputsByOutputs), fixture);
        float[] torch = Run(NumpyMlp.LoadNumpy(PathOf("mlp.out_in.f32.npz"), WeightLayout.OutputsByInputs), fixture);
        float[] fortran = Run(NumpyMlp.LoadNumpy(PathOf("mlp.in_out.f32.fortran.npz"), WeightLayout.InputsByOutputs), fixture);
        Assert.Equal(NetworkTests.Bits(torch), NetworkTests.Bits(numpy));
        Assert.Equal(NetworkTests.Bits(torch), NetworkTests.Bits(fortran));

        // Load(path) reads a .npz in PyTorch's layout, the layout of its names.
        Assert.Equal(NetworkTests.Bits(torch), NetworkTests.Bits(Run(NumpyMlp.Load(PathOf("mlp.out_in.f32.npz")), fixture)));
    }

    [Fact]
    public void A_matrix_in_the_other_layout_is_an_error_that_says_it_looks_transposed_and_names_the_option()
    {
        string message = Assert.Throws<InvalidDataException>(() => NumpyMlp.Load(PathOf("mlp.in_out.f32.npz"))).Message;
        Assert.Contains("Tensor '0.weight'", message, StringComparison.Ordinal);
        Assert.Contains("(in, out) = (12, 16)", message, StringComparison.Ordinal);
        Assert.Contains("it looks transposed", message, StringComparison.Ordinal);
        Assert.Contains("WeightLayout.InputsByOutputs", message, StringComparison.Ordinal);

        message = Assert.Throws<InvalidDataException>(() => NumpyMlp.LoadNumpy(PathOf("mlp.out_in.f32.npz"), WeightLayout.InputsByOutputs)).Message;
        Assert.Contains("(out, in) = (16, 12)", message, StringComparison.Ordinal);
        Assert.Contains("it looks transposed", message, StringComparison.Ordinal);
        Assert.Contains("WeightLayout.OutputsByInputs", message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_readme_recipe_matches_scikit_learn_predict_proba_and_predict_on_every_held_out_digit()
    {
        FixtureNetwork fixture = WeightFormatFixtures.Data.Files["digits.npz"].Network!;
        Assert.Equal(450, fixture.Rows);
        foreach (DigitsNet network in new[] { DigitsNet.LoadEmbedded(), DigitsNet.LoadNumpy(PathOf("digits.npz"), WeightLayout.InputsByOutputs) })
        {
            float[] probabilities = Run(network, fixture);
            ReferenceNetwork.AssertClose(fixture.Outputs, probabilities, "digits.npz vs predict_proba");
            double worst = fixture.Outputs.Select((y, i) => Math.Abs(probabilities[i] - (double)y) / Math.Max(1, Math.Abs(y))).Max();
            output.WriteLine($"digits.npz: {fixture.Rows} rows, largest |Δ|/max(1, |y|) against predict_proba {worst:E2}");
            for (int row = 0; row < fixture.Rows; row++)
            {
                ReadOnlySpan<float> p = probabilities.AsSpan(row * 10, 10);
                Assert.Equal(fixture.PredictedClasses![row], p.IndexOf(TensorMax(p)));
            }
        }

        static float TensorMax(ReadOnlySpan<float> values)
        {
            float max = values[0];
            foreach (float v in values)
            {
                max = Math.Max(max, v);
            }

            return max;
        }
    }

    [Fact]
    public void A_binary_classifier_gives_the_probability_of_class_one()
    {
        FixtureNetwork fixture = WeightFormatFixtures.Data.Files["sklearn_digits_binary.npz"].Network!;
        ReferenceNetwork.AssertClose(fixture.Outputs, Run(DigitsBinaryNet.LoadNumpy(PathOf("sklearn_digits_binary.npz"), WeightLayout.InputsByOutputs), fixture), "binary");
    }

    [Fact]
    public void Every_onnx_fixture_loads_through_its_declared_network_and_gives_the_reference_outputs()
    {
        Check("gemm.onnx", GemmOnnx.LoadOnnx, GemmOnnx.Load);
        Check("matmul_add.onnx", MatMulAddOnnx.LoadOnnx, MatMulAddOnnx.Load);
        Check("batchnorm.onnx", BatchNormOnnx.LoadOnnx, BatchNormOnnx.Load);
        Check("gelu.onnx", GeluOnnx.LoadOnnx, GeluOnnx.Load);
        Check("torch_flatten.onnx", TorchFlattenOnnx.LoadOnnx, TorchFlattenOnnx.Load);
        Check("torch_mlp.onnx", TorchMlpOnnx.LoadOnnx, TorchMlpOnnx.Load);

        static void Check<TNetwork>(string file, Func<string, TNetwork> loadOnnx, Func<string, TNetwork> load)
            where TNetwork : INetwork
        {
            FixtureNetwork fixture = WeightFormatFixtures.Data.Files[file].Network!;
            float[] outputs = Run(loadOnnx(PathOf(file)), fixture);
            ReferenceNetwork.AssertClose(fixture.Outputs, outputs, file);
            Assert.Equal(NetworkTests.Bits(outputs), NetworkTests.Bits(Run(load(PathOf(file)), fixture)));
        }
    }

    [Fact]
    public void An_embedded_onnx_model_gives_the_same_bits_as_loading_the_file()
    {
        FixtureNetwork fixture = WeightFormatFixtures.Data.Files["torch_mlp.onnx"].Network!;
        using FileStream stream = File.OpenRead(PathOf("torch_mlp.onnx"));
        Assert.Equal(NetworkTests.Bits(Run(TorchMlpOnnx.LoadOnnx(stream), fixture)), NetworkTests.Bits(Run(TorchMlpOnnx.LoadEmbedded(), fixture)));
    }

    [Fact]
    public void An_onnx_model_whose_operators_are_not_the_declared_layers_names_the_node_and_the_declared_layer()
    {
        // gemm.onnx is Gemm, Relu, Gemm, Softmax; MatMulAddOnnx declares Dense(5, 7), Tanh, …
        string message = Assert.Throws<InvalidDataException>(() => MatMulAddOnnx.LoadOnnx(PathOf("gemm.onnx"))).Message;
        Assert.Contains("Gemm, #0", message, StringComparison.Ordinal);
        Assert.Contains("is Dense(5, 6)", message, StringComparison.Ordinal);
        Assert.Contains("layer 0 is declared Dense(5, 7)", message, StringComparison.Ordinal);

        // batchnorm.onnx's LeakyRelu has alpha 0.1, its BatchNormalization epsilon 0.001: each differing attribute is named.
        byte[] batchNorm = File.ReadAllBytes(PathOf("batchnorm.onnx"));
        DeclaredLayer[] declared =
        [
            DeclaredLayer.Dense(0, "0", 6, 8, bias: true), DeclaredLayer.Norm(1, "BatchNorm", "1", 8, 0.001f),
            DeclaredLayer.Activation(2, "LeakyReLU", 0.2f), DeclaredLayer.Dense(3, "3", 8, 3, bias: true),
        ];
        message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(batchNorm, declared)).Message;
        Assert.Contains("(LeakyRelu, #2)", message, StringComparison.Ordinal);
        Assert.Contains("attribute alpha = 0.1", message, StringComparison.Ordinal);
        Assert.Contains("layer 2 is declared LeakyReLU(0.2)", message, StringComparison.Ordinal);

        declared[1] = DeclaredLayer.Norm(1, "BatchNorm", "1", 8, 1e-5f);
        message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(batchNorm, declared)).Message;
        Assert.Contains("attribute epsilon = 0.001", message, StringComparison.Ordinal);
        Assert.Contains("layer 1 is declared BatchNorm(8)", message, StringComparison.Ordinal);

        declared[1] = DeclaredLayer.Activation(1, "ReLU");
        message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(batchNorm, declared)).Message;
        Assert.Contains("(BatchNormalization, #1) is BatchNorm(8, Epsilon = 0.001) (operator BatchNormalization), but layer 1 is declared ReLU", message, StringComparison.Ordinal);

        // Declared Bias = false where the graph adds one; a layer too many; a layer too few.
        message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(batchNorm, [DeclaredLayer.Dense(0, "0", 6, 8, bias: false)])).Message;
        Assert.Contains("it adds the bias", message, StringComparison.Ordinal);
        message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(File.ReadAllBytes(PathOf("gemm.onnx")),
            DeclaredLayer.Dense(0, "0", 5, 6, true), DeclaredLayer.Activation(1, "ReLU"), DeclaredLayer.Dense(2, "2", 6, 4, true), DeclaredLayer.Activation(3, "Softmax"), DeclaredLayer.Activation(4, "Sigmoid"))).Message;
        Assert.Contains("layer 4 is declared Sigmoid, but the ONNX graph has no more layers", message, StringComparison.Ordinal);
        message = Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(File.ReadAllBytes(PathOf("gemm.onnx")),
            DeclaredLayer.Dense(0, "0", 5, 6, true), DeclaredLayer.Activation(1, "ReLU"), DeclaredLayer.Dense(2, "2", 6, 4, true))).Message;
        Assert.Contains("is Softmax, but the declared layers end before it", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Declared_dropout_has_no_onnx_counterpart()
    {
        byte[] gemm = File.ReadAllBytes(PathOf("gemm.onnx"));
        var reader = OnnxNetworkReader.Open(
            gemm,
            DeclaredLayer.Dense(0, "fc1", 5, 6, true), DeclaredLayer.Activation(1, "ReLU"), DeclaredLayer.Dropout(2, "Dropout(0.5)"),
            DeclaredLayer.Dense(3, "fc2", 6, 4, true), DeclaredLayer.Activation(4, "Softmax"));
        Assert.Equal(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], reader.TensorNames);
        Assert.True(reader.TryGetShape("fc2.weight", out long[]? shape));
        Assert.Equal([4L, 6L], shape);
        Assert.Contains("'fc3.weight'", Assert.Throws<InvalidDataException>(() => OnnxNetworkReader.Open(gemm,
            DeclaredLayer.Dense(0, "fc1", 5, 6, true), DeclaredLayer.Activation(1, "ReLU"), DeclaredLayer.Dense(2, "fc2", 6, 4, true), DeclaredLayer.Activation(3, "Softmax"))
            .ReadTensor("fc3.weight", 4, 6)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_picks_the_format_by_extension_and_refuses_a_single_npy_array()
    {
        string message = Assert.Throws<InvalidDataException>(() => NumpyMlp.Load(PathOf("array.v1.f32.npy"))).Message;
        Assert.Contains("holds one array", message, StringComparison.Ordinal);
        Assert.Contains("np.savez", message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => NumpyMlp.LoadNumpy(PathOf("missing.npz"), WeightLayout.InputsByOutputs));
        Assert.Throws<FileNotFoundException>(() => GemmOnnx.LoadOnnx(PathOf("missing.onnx")));

        // A .npz read as ONNX, or ONNX as a .npz: InvalidDataException either way.
        Assert.Throws<InvalidDataException>(() => GemmOnnx.LoadOnnx(File.ReadAllBytes(PathOf("mlp.in_out.f32.npz"))));
        Assert.Throws<InvalidDataException>(() => NumpyMlp.LoadNumpy(File.ReadAllBytes(PathOf("gemm.onnx")), WeightLayout.InputsByOutputs));
    }
}
