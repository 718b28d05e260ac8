using System;
using System.Diagnostics;
using System.Text;
using System.Threading;

namespace StaticNet.Sample;

/// <summary>Drawing digits with block characters, and a progress line for anything slower than a second.</summary>
internal static class Terminal
{
    /// <summary>
    /// Draws 28×28 images side by side, two pixel rows per text line with half blocks (▀ ▄ █), so a digit
    /// keeps its proportions in a terminal whose cells are about twice as tall as wide.
    /// </summary>
    public static void DrawDigits(ReadOnlySpan<float> images, int[] indices, string[] captions)
    {
        const int Side = 28, Gap = 4;
        var text = new StringBuilder();
        for (int y = 0; y < Side; y += 2)
        {
            for (int d = 0; d < indices.Length; d++)
            {
                ReadOnlySpan<float> image = images.Slice(indices[d] * Side * Side, Side * Side);
                for (int x = 0; x < Side; x++)
                {
                    bool top = image[(y * Side) + x] >= 0.5f, bottom = image[((y + 1) * Side) + x] >= 0.5f;
                    text.Append(top ? (bottom ? '█' : '▀') : (bottom ? '▄' : ' '));
                }

                text.Append(' ', Gap);
            }

            text.AppendLine();
        }

        for (int d = 0; d < captions.Length; d++)
        {
            text.Append(captions[d].PadRight(Side + Gap));
        }

        Console.WriteLine(text.ToString().TrimEnd());
    }

    /// <summary>
    /// Runs <paramref name="work"/>, which reports progress in [0, 1]; if it is still running after a second, a
    /// progress line appears on standard error and is cleared when it finishes.
    /// </summary>
    public static T WithProgress<T>(string label, Func<Action<double>, T> work)
    {
        double fraction = 0;
        var stopwatch = Stopwatch.StartNew();
        bool shown = false;
        bool interactive = !Console.IsErrorRedirected;
        using var timer = new Timer(_ =>
        {
            if (stopwatch.Elapsed.TotalSeconds >= 1)
            {
                shown = true;
                string line = $"  {label}… {Volatile.Read(ref fraction):P0} ({stopwatch.Elapsed.TotalSeconds:F1} s)";
                Console.Error.Write(interactive ? "\r" + line : line + Environment.NewLine);
            }
        }, null, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(interactive ? 250 : 2000));

        T result = work(f => Volatile.Write(ref fraction, f));
        timer.Dispose();
        if (shown && interactive)
        {
            Console.Error.Write("\r" + new string(' ', label.Length + 32) + "\r");
        }

        return result;
    }
}
