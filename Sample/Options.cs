using System;
using System.Globalization;

namespace StaticNet.Sample;

/// <summary>The sample's command line.</summary>
internal sealed record Options(string? Weights, string? Images, string? Labels, int Batch, int Digits, bool Timing, bool Help)
{
    public const string Usage = """
        StaticNet sample: classify MNIST digits with a network whose weights are embedded at compile time.

        Usage: StaticNet.Sample [options]

          --weights <file>   Load a .safetensors file with the same architecture (784→128→64→10,
                             PyTorch nn.Sequential names 0.*, 2.*, 4.*) instead of the embedded weights.
          --images <file>    An IDX image file (28×28, gzip or raw) instead of the embedded MNIST test set.
          --labels <file>    The matching IDX label file (required with --images).
          --batch <n>        Samples per Forward call when classifying and for the throughput figure
                             (default 10000).
          --digits <n>       How many digits to draw (default 4; 0 for none).
          --no-timing        Skip the speed measurements (under an emulator they mean nothing and take minutes).
          -h, --help         Show this help.

        Exit codes: 0 success; 1 a file could not be read; 2 bad arguments;
        3 accuracy on the bundled test set is below the figure PyTorch recorded.
        """;

    /// <summary>True when both the weights and the images are the ones PyTorch's figures were recorded for.</summary>
    public bool UsesBundledData => Weights is null && Images is null;

    public static Options Parse(string[] args)
    {
        var options = new Options(null, null, null, Batch: 10_000, Digits: 4, Timing: true, Help: false);
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number(string name, string text, int min) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min
                ? n
                : throw new ArgumentException($"{name} must be a whole number ≥ {min}, not '{text}'.");

            options = args[i] switch
            {
                "-h" or "--help" or "-?" => options with { Help = true },
                "--weights" => options with { Weights = Value() },
                "--images" => options with { Images = Value() },
                "--labels" => options with { Labels = Value() },
                "--batch" => options with { Batch = Number("--batch", Value(), min: 1) },
                "--digits" => options with { Digits = Number("--digits", Value(), min: 0) },
                "--no-timing" => options with { Timing = false },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'."),
            };
        }

        if ((options.Images is null) != (options.Labels is null))
        {
            throw new ArgumentException("--images and --labels go together.");
        }

        return options;
    }
}
