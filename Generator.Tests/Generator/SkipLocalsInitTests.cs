using System;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>
/// The forward pass skips zeroing its stack activations where the project allows unsafe code ([SkipLocalsInit] needs
/// it: CS0227), and only there; either way the generated code compiles without a warning.
/// </summary>
public sealed class SkipLocalsInitTests
{
    private const string Attribute = "[global::System.Runtime.CompilerServices.SkipLocalsInit]";

    [Theory]
    [InlineData("[Dense(784, 128), ReLU, Dense(128, 64), ReLU, Dense(64, 10), Softmax] public partial class OnStack { }", true)]
    [InlineData("[Dense(2, 8192), ReLU, Dense(8192, 3)] public partial class StackThenNative { }", true)]
    [InlineData("[InputShape(1, 28, 28)] [Conv2d(1, 8, 5, Padding = 2), ReLU, MaxPool2d(2), Flatten, Dense(1568, 10)] public partial class Convolutional { }", true)]
    [InlineData("[Dense(4, 3)] public partial class NoActivations { }", false)]
    public void ForwardBlock_skips_zeroing_only_where_unsafe_code_is_allowed(string declaration, bool hasActivations)
    {
        string source = "using StaticNet;\n" + declaration;
        foreach (bool allowUnsafe in new[] { false, true })
        {
            CSharpCompilation compilation = GeneratorHarness.CreateCompilation(source);
            GeneratorRun run = GeneratorHarness.Run(compilation.WithOptions(compilation.Options.WithAllowUnsafe(allowUnsafe)));
            string generated = run.Sources.Values.Single(s => s.Contains("private void ForwardBlock(", StringComparison.Ordinal));

            int attributeAt = generated.IndexOf(Attribute, StringComparison.Ordinal);
            Assert.Equal(allowUnsafe && hasActivations, attributeAt >= 0);
            if (attributeAt >= 0)
            {
                // On ForwardBlock, the method that stackallocs, and nowhere else.
                string after = generated[attributeAt..];
                Assert.StartsWith(Attribute + "\n    private void ForwardBlock(", after.Replace("\r\n", "\n"));
                Assert.Equal(attributeAt, generated.LastIndexOf(Attribute, StringComparison.Ordinal));
            }

            run.AssertCompilesCleanly();
        }
    }
}
