using System;
using System.IO;
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

    private static string RepositoryRoot([CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));
}
