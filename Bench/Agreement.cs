using System;

namespace StaticNet.Bench;

/// <summary>
/// How every comparison in Bench checks a contender before timing it: each output within
/// <c>relative</c>·max(1, |y|) or <c>absolute</c> of the reference, whichever is wider, or the case fails naming the
/// first output that is not (a contender that computes something else would otherwise be timed as if it did the same).
/// </summary>
internal static class Agreement
{
    /// <summary>
    /// Throws unless <paramref name="actual"/> agrees with <paramref name="expected"/> (<paramref name="against"/> names
    /// it) output by output; with <paramref name="rowWidth"/> the message also gives the output's sample.
    /// </summary>
    public static void Check(string who, ReadOnlySpan<float> actual, string against, ReadOnlySpan<float> expected, float relative = 0f, float absolute = 0f, int rowWidth = 0)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            float bound = Math.Max(absolute, relative * Math.Max(1f, Math.Abs(expected[i])));
            if (!(Math.Abs(actual[i] - expected[i]) <= bound))
            {
                string sample = rowWidth > 0 ? $" (sample {i / rowWidth})" : string.Empty;
                throw new InvalidOperationException($"{who} disagrees with {against}: output {i}{sample} is {actual[i]:R}, expected {expected[i]:R} ± {bound:R}.");
            }
        }
    }
}
