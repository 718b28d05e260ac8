// Networks for the NumPy and ONNX fixtures of Fixtures/WeightFormats (tools/make_weight_formats.py), declared as the
// manifest lists their layers. Two embed their file at compile time through Runtime/build/StaticNet.targets.
namespace StaticNet.Generator.Tests.Networks;

/// <summary>The NumPy-written MLP of every mlp.*.npz.</summary>
[Dense(12, 16), ReLU, Dense(16, 8), Tanh, Dense(8, 3)]
public partial class NumpyMlp;

/// <summary>gemm.onnx: Gemm with transB 1 and 0, alpha and beta ≠ 1.</summary>
[Dense(5, 6), ReLU, Dense(6, 4), Softmax]
public partial class GemmOnnx;

/// <summary>matmul_add.onnx: MatMul + Add in either order, and a MatMul without Add.</summary>
[Dense(5, 7), Tanh, Dense(7, 3), Sigmoid, Dense(3, 2, Bias = false)]
public partial class MatMulAddOnnx;

/// <summary>batchnorm.onnx: BatchNormalization with epsilon 0.001, LeakyRelu alpha 0.1.</summary>
[Dense(6, 8), BatchNorm(8, Epsilon = 0.001f), LeakyReLU(0.1f), Dense(8, 3)]
public partial class BatchNormOnnx;

/// <summary>gelu.onnx: opset 20 Gelu, both approximations.</summary>
[Dense(4, 7), GELU(Approximate = "tanh"), Dense(7, 5), GELU]
public partial class GeluOnnx;

/// <summary>torch_flatten.onnx: the input's Flatten is left out, the network's input is the flat row.</summary>
[Dense(12, 8), Tanh, Dense(8, 4), ReLU]
public partial class TorchFlattenOnnx;

/// <summary>torch_mlp.onnx (torch.onnx.export of an nn.Sequential), embedded at compile time.</summary>
[Weights("torch_mlp.onnx")]
[Dense(12, 16), BatchNorm(16), LeakyReLU(0.2f), Dense(16, 8), Sigmoid, Dense(8, 3), Softmax]
public partial class TorchMlpOnnx;

/// <summary>The README's scikit-learn recipe: digits.npz, exported from an MLPClassifier in one line, embedded.</summary>
[Weights("digits.npz", Layout = WeightLayout.InputsByOutputs)]
[Dense(64, 32), ReLU, Dense(32, 16), ReLU, Dense(16, 10), Softmax]
public partial class DigitsNet;

/// <summary>sklearn_digits_binary.npz: a logistic output, one unit.</summary>
[Dense(64, 24), Tanh, Dense(24, 1), Sigmoid]
public partial class DigitsBinaryNet;
