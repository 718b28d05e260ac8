using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using StaticNet.Generator.Tests.Support;

namespace StaticNet.Generator.Tests.Generator;

/// <summary>The README's quick start compiles, as a program, with the real MNIST weights embedded.</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void The_quick_start_compiles_cleanly()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        int start = readme.IndexOf("```csharp\n", StringComparison.Ordinal) + "```csharp\n".Length;
        string quickStart = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        Assert.Contains("[Weights(\"mnist.safetensors\")]", quickStart);

        string weights = Path.Combine(AppContext.BaseDirectory, "SampleData", "mnist.safetensors");
        var sidecar = new InMemoryAdditionalText(
            "mnist.safetensors.staticnet-weights.txt",
            $"staticnet-weights-v1\n/app/mnist.safetensors\n{Convert.ToBase64String(File.ReadAllBytes(weights))}\n");
        GeneratorRun run = GeneratorHarness.Run(OutputKind.ConsoleApplication, [quickStart], sidecar);
        run.AssertCompilesCleanly();
    }

    [Fact]
    public void The_scikit_learn_recipe_compiles_and_is_the_one_the_fixture_and_its_test_use()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md"));
        string recipe = Block(readme, "csharp", "[Weights(\"digits.npz\"");
        byte[] weights = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "WeightFormats", "digits.npz"));
        var sidecar = new InMemoryAdditionalText(
            "digits.npz.staticnet-weights.txt",
            $"staticnet-weights-v1\n/app/digits.npz\n{Convert.ToBase64String(weights)}\n");
        GeneratorRun run = GeneratorHarness.Run(OutputKind.ConsoleApplication, [recipe], sidecar);
        run.AssertCompilesCleanly();

        // The declaration is the test network that LoadFormatsTests checks against predict_proba, line for line.
        string networks = File.ReadAllText(Path.Combine(root, "Generator.Tests", "Networks", "WeightSourceNetworks.cs"));
        foreach (string line in recipe.Split('\n').Where(l => l.StartsWith('[')))
        {
            string attributes = line.Split("//")[0].TrimEnd();
            Assert.Contains(attributes + "\n", networks, StringComparison.Ordinal);
        }

        // The Python is what tools/make_weight_formats.py runs to write digits.npz: training, split and the one-line export.
        string python = Block(readme, "python", "np.savez(\"digits.npz\"");
        string script = File.ReadAllText(Path.Combine(root, "tools", "make_weight_formats.py"));
        foreach (string line in python.Split('\n').Where(l => l.StartsWith("x", StringComparison.Ordinal) || l.StartsWith("clf", StringComparison.Ordinal) || l.StartsWith("np.savez", StringComparison.Ordinal)))
        {
            string expected = line.Replace("np.savez(\"digits.npz\"", "np.savez(path", StringComparison.Ordinal);
            Assert.Contains("    " + expected + "\n", script, StringComparison.Ordinal);
        }
    }

    /// <summary>The fenced block of this language that contains the marker.</summary>
    private static string Block(string markdown, string language, string marker)
    {
        int at = markdown.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README has no {marker}");
        int start = markdown.LastIndexOf($"```{language}\n", at, StringComparison.Ordinal) + $"```{language}\n".Length;
        int end = markdown.IndexOf("```", start, StringComparison.Ordinal);
        Assert.True(start > language.Length && end > at, $"{marker} is not in a {language} block");
        return markdown[start..end];
    }

    private static string RepositoryRoot([CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
}
