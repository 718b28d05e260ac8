using System;

namespace StaticNet;

/// <summary>
/// Flattens each sample's (channels, length) or (channels, height, width) into one vector of features, in PyTorch's
/// row-major order, like <c>nn.Flatten()</c>; a Dense can follow it. Costs nothing: the memory layout does not change.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : Attribute
{
}
