using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using StaticNet.Generator.Diagnostics;
using StaticNet.Generator.Model;

namespace StaticNet.Generator;

/// <summary>
/// Checks that a network's declaration leaves room for the generated code: no user member, base class member or
/// class name collides with a name the generator declares (<see cref="GeneratedMembers"/>), the type is a class,
/// and its base class can be chained to. Each problem is a diagnostic on the user's code, so the compiler never
/// reports an error inside a generated file the user cannot edit.
/// </summary>
internal static class DeclarationChecks
{
    /// <summary>Every problem with the declaration of <paramref name="type"/> that would break the generated code.</summary>
    /// <param name="type">The network class.</param>
    /// <param name="declaration">The declaration with the layer attributes; diagnostics about the class go on its name.</param>
    /// <param name="model">The semantic model of <paramref name="declaration"/>'s tree.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public static List<DiagnosticInfo> Check(
        INamedTypeSymbol type, TypeDeclarationSyntax declaration, SemanticModel model, CancellationToken cancellationToken)
    {
        Compilation compilation = model.Compilation;
        var diagnostics = new List<DiagnosticInfo>();
        LocationInfo? typeLocation = LocationInfo.From(declaration.Identifier.GetLocation());
        bool hasWeights = type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NetworkGenerator.WeightsAttributeName);

        // The generated declaration is "partial class"; a struct's other half would not match (CS0261).
        if (type.TypeKind == TypeKind.Struct)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.UnsupportedType, typeLocation, type.Name, type.IsRecord ? "a record struct" : "a struct"));
        }

        CheckClassName(type, hasWeights, compilation, typeLocation, diagnostics);

        foreach (ISymbol member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!member.IsImplicitlyDeclared && DescribeCollision(member, type, hasWeights, compilation, inherited: false) is { } collision)
            {
                LocationInfo? location = LocationInfo.From(member.Locations.FirstOrDefault(l => l.IsInSource)) ?? typeLocation;
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MemberNameTaken, location, Describe(member), collision.Generated, type.Name, collision.Fix));
            }
        }

        CheckBaseClass(type, hasWeights, compilation, typeLocation, diagnostics, cancellationToken);
        CheckVarType(type, declaration, model, typeLocation, diagnostics);
        return diagnostics;
    }

    /// <summary>
    /// The rule for <c>Name</c>, PyTorch's module paths: segments joined by dots, each an identifier (letters,
    /// digits and underscores, not starting with a digit) or a number (<c>nn.Sequential</c> and
    /// <c>nn.ModuleList</c> name their children "0", "1", …). So "fc1", "encoder.layers.0.linear" and "0" are
    /// names; "", "fc 1", "a..b" and "fc-1" are not. Such names need no escaping anywhere the generated code
    /// shows them (string literals, comments, XML docs).
    /// </summary>
    /// <returns>Why <paramref name="name"/> is not such a name, or null when it is one.</returns>
    public static string? DescribeInvalidName(string name)
    {
        const string Rule = "a PyTorch module name is identifiers or numbers joined by dots, like \"fc1\" or \"encoder.layers.0\"";
        if (name.Length == 0)
        {
            return $"Name must not be empty; {Rule}";
        }

        string[] segments = name.Split('.');
        foreach (string segment in segments)
        {
            if (segment.Length == 0)
            {
                return $"Name {Literals.String(name)} has an empty segment between dots; {Rule}";
            }

            bool number = segment.All(c => c is >= '0' and <= '9');
            bool identifier = (char.IsLetter(segment[0]) || segment[0] == '_')
                && segment.All(c => char.IsLetterOrDigit(c) || c == '_');
            if (!number && !identifier)
            {
                return $"Name {Literals.String(name)} has the segment {Literals.String(segment)}, which is neither an identifier nor a number; {Rule}";
            }
        }

        return null;
    }

    private static void CheckClassName(INamedTypeSymbol type, bool hasWeights, Compilation compilation, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        // A member may not have its class's name (CS0542).
        if (GeneratedMembers.Find(type.Name, hasWeights) is { } member)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ClassNameTaken, location, type.Name, $"{member.Description}, which StaticNet generates in it (a member cannot have its class's name)"));
        }

        // A namespace or another assembly's type with the class's full name makes every use of the class in the
        // generated code ambiguous (CS0437, CS0436: warnings there, then errors where the namespace wins).
        INamespaceSymbol container = compilation.GetCompilationNamespace(type.ContainingNamespace) ?? type.ContainingNamespace; // with the references' members
        string fullName = type.ToDisplayString();
        if (container.GetNamespaceMembers().FirstOrDefault(n => n.Name == type.Name) is { } sameNamedNamespace)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ClassNameTaken, location, type.Name,
                $"the namespace '{sameNamedNamespace.ToDisplayString()}', so the generated code's uses of '{type.Name}' would be ambiguous"));
        }
        else if (container.GetTypeMembers(type.Name).FirstOrDefault(t => !SymbolEqualityComparer.Default.Equals(t, type) && t.Arity == 0) is { } imported)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ClassNameTaken, location, type.Name,
                $"the type '{imported.ToDisplayString()}' in {imported.ContainingAssembly?.Name ?? "a referenced assembly"}, so the generated code's uses of '{type.Name}' would be ambiguous"));
        }
        else if (GeneratedMembers.AttributesByShortName.Contains(fullName.Replace("@", string.Empty)))
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ClassNameTaken, location, type.Name,
                $"an attribute the generated code applies as [global::{fullName}]"));
        }
    }

    private static void CheckBaseClass(
        INamedTypeSymbol type, bool hasWeights, Compilation compilation, LocationInfo? typeLocation,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        INamedTypeSymbol? baseType = type.BaseType;
        if (baseType is null || baseType.SpecialType == SpecialType.System_Object || baseType.TypeKind == TypeKind.Error || type.TypeKind != TypeKind.Class)
        {
            return;
        }

        LocationInfo? location = LocationInfo.From(FindBaseTypeSyntax(type, baseType, compilation, cancellationToken)) ?? typeLocation;

        // Another network's generated code gives it a private constructor and every generated name: nothing to chain
        // to, and everything hidden. (Its generated members are not in this compilation yet, so say it here.)
        for (INamedTypeSymbol? ancestor = baseType; ancestor is not null; ancestor = ancestor.BaseType)
        {
            if (ancestor.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() is { } name && Layers.LayerKinds.Anchors.Any(k => k.AttributeName == name)))
            {
                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.BaseClassNotSupported, location, type.Name, baseType.ToDisplayString(),
                    $"'{ancestor.ToDisplayString()}' is a StaticNet network, whose generated constructor is private and whose generated members would be hidden; make '{type.Name}' a separate network, or hold the other one in a field"));
                return;
            }
        }

        // The generated constructor chains to base(): it needs one the class can call without arguments.
        bool chainable = baseType.InstanceConstructors.Any(c =>
            c.Parameters.All(p => p.IsOptional || p.IsParams) && compilation.IsSymbolAccessibleWithin(c, type));
        if (!chainable)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.BaseClassNotSupported, location, type.Name, baseType.ToDisplayString(),
                $"it has no constructor without arguments that '{type.Name}' can call, which the generated constructor needs; add a protected parameterless constructor to it, or derive from another class"));
        }

        // A generated member would hide an inherited one with its name (CS0108, CS0114: warnings in generated code).
        var reported = new HashSet<string>();
        for (INamedTypeSymbol? ancestor = baseType; ancestor is { SpecialType: not SpecialType.System_Object }; ancestor = ancestor.BaseType)
        {
            foreach (ISymbol member in ancestor.GetMembers())
            {
                if (member.IsImplicitlyDeclared
                    || member is IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor }
                    || !compilation.IsSymbolAccessibleWithin(member, type)
                    || DescribeCollision(member, type, hasWeights, compilation, inherited: true) is not { } collision
                    || !reported.Add(member.Name))
                {
                    continue;
                }

                diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.MemberNameTaken, location, $"{Describe(member)}, inherited from '{ancestor.ToDisplayString()}',",
                    collision.Generated, type.Name, collision.Fix));
            }
        }
    }

    /// <summary>
    /// The generated code declares locals with <c>var</c>; a type named <c>var</c> in scope (nested, in the
    /// namespace or an enclosing one) would turn each into a declaration of that type.
    /// </summary>
    private static void CheckVarType(
        INamedTypeSymbol type, TypeDeclarationSyntax declaration, SemanticModel model, LocationInfo? typeLocation, List<DiagnosticInfo> diagnostics)
    {
        int position = declaration.OpenBraceToken.IsMissing ? declaration.Identifier.SpanStart : declaration.OpenBraceToken.Span.End;
        var types = model.LookupNamespacesAndTypes(position, name: GeneratedMembers.ImplicitlyTypedLocal).OfType<INamedTypeSymbol>().ToList();
        if (type.Name == GeneratedMembers.ImplicitlyTypedLocal && !types.Contains(type, SymbolEqualityComparer.Default))
        {
            types.Add(type); // the class itself, when the lookup position is its header (record Net;) rather than its body
        }

        foreach (INamedTypeSymbol var in types)
        {
            diagnostics.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.MemberNameTaken,
                LocationInfo.From(var.Locations.FirstOrDefault(l => l.IsInSource)) ?? typeLocation,
                $"The type '{var.ToDisplayString()}'",
                "the local variables declared with 'var'",
                type.Name,
                "rename the type (a type named var changes the meaning of every var in its scope)"));
        }
    }

    /// <summary>What generated member <paramref name="member"/> collides with, and what to do; null when it does not.</summary>
    private static (string Generated, string Fix)? DescribeCollision(
        ISymbol member, INamedTypeSymbol network, bool hasWeights, Compilation compilation, bool inherited)
    {
        switch (member)
        {
            case IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } constructor:
                if (inherited)
                {
                    return null;
                }

                // The generated constructor takes only weight types from StaticNet.Kernels; one like it could be identical.
                if (constructor.Parameters.Length > 0
                    && constructor.Parameters.All(p => p.Type.ContainingNamespace?.ToDisplayString() == GeneratedMembers.ConstructorParameterNamespace))
                {
                    return ("the private constructor that takes the layers' weights", "remove it, or give it a parameter of another type");
                }

                // Only the generated constructor sets the weights; any other would leave them null (CS8618 on it).
                return ChainsToThis(constructor)
                    ? null
                    : ("the private constructor that takes the layers' weights", "remove it: a network is built by Load, which sets its weights, or chain to another constructor with this(...)");
            case IMethodSymbol { MethodKind: not (MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation) }:
                return null; // accessors, operators, finalizers: names the generator never uses
        }

        if (ImplementsNetworkInterface(member))
        {
            return ($"the implementation of {GeneratedMembers.Interface}", $"remove it (the generated code implements every member of {GeneratedMembers.Interface})");
        }

        string name = member is IPropertySymbol { IsIndexer: true } ? member.MetadataName : member.Name;
        if (GeneratedMembers.Find(name, hasWeights) is not { } generated)
        {
            return null;
        }

        string rename = inherited ? "rename it in the base class or derive from another class" : "rename it";
        if (generated.IsOverloadableMethod && member is IMethodSymbol method)
        {
            // Users may add overloads of the public methods, as long as the signature differs from every generated
            // overload and (for Load) the generated code's own calls cannot pick theirs.
            if (generated.Signatures!.Any(signature => HasParameters(method, signature)))
            {
                return (generated.Description, rename + " or change its parameter types");
            }

            if (!inherited && name == "Load" && AcceptsOneByteArray(method, compilation))
            {
                return (generated.Description, "the generated Load(string) would call it with a byte[]; rename it or take another parameter type");
            }

            return null;
        }

        return (generated.Description, generated.IsOverloadableMethod ? rename + ", or make it a method with other parameters" : rename);
    }

    private static bool ChainsToThis(IMethodSymbol constructor)
        => constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is ConstructorDeclarationSyntax { Initializer: { } initializer }
            && initializer.ThisOrBaseKeyword.IsKind(SyntaxKind.ThisKeyword));

    private static bool ImplementsNetworkInterface(ISymbol member)
    {
        IEnumerable<ISymbol> implemented = member switch
        {
            IMethodSymbol m => m.ExplicitInterfaceImplementations,
            IPropertySymbol p => p.ExplicitInterfaceImplementations,
            IEventSymbol e => e.ExplicitInterfaceImplementations,
            _ => Enumerable.Empty<ISymbol>(),
        };
        return implemented.Any(i => i.ContainingType?.ToDisplayString() == GeneratedMembers.Interface);
    }

    private static bool HasParameters(IMethodSymbol method, string[] signature)
        => method.Parameters.Length == signature.Length
            && method.Parameters.Select((p, i) => signature[i] == GeneratedMembers.SampleInput
                ? p.Type.Name == GeneratedMembers.SampleInput
                : p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) == signature[i]).All(match => match);

    /// <summary>Whether <c>Load(bytes)</c> with a <c>byte[]</c> could bind to <paramref name="method"/> (over-approximated).</summary>
    private static bool AcceptsOneByteArray(IMethodSymbol method, Compilation compilation)
    {
        if (method.Parameters.Length == 0 || method.Parameters.Skip(1).Any(p => !p.IsOptional && !p.IsParams))
        {
            return false;
        }

        IParameterSymbol first = method.Parameters[0];
        if (first.RefKind is RefKind.Ref or RefKind.Out)
        {
            return false;
        }

        if (method.IsGenericMethod || first.IsParams)
        {
            return true;
        }

        ITypeSymbol byteArray = compilation.CreateArrayTypeSymbol(compilation.GetSpecialType(SpecialType.System_Byte));
        return compilation.ClassifyCommonConversion(byteArray, first.Type).IsImplicit;
    }

    private static SyntaxNode? FindBaseTypeSyntax(INamedTypeSymbol type, INamedTypeSymbol baseType, Compilation compilation, CancellationToken cancellationToken)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax { BaseList.Types: { Count: > 0 } types } declaration)
            {
                SemanticModel model = compilation.GetSemanticModel(declaration.SyntaxTree);
                if (SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(types[0].Type, cancellationToken).Type, baseType))
                {
                    return types[0];
                }
            }
        }

        return null;
    }

    /// <summary>"the field 'InputSize'", "the method 'Forward(float[])'": the user's member as the message names it.</summary>
    private static string Describe(ISymbol member)
    {
        string kind = member switch
        {
            IFieldSymbol { IsConst: true } => "constant",
            IFieldSymbol => "field",
            IPropertySymbol { IsIndexer: true } => "indexer",
            IPropertySymbol => "property",
            IEventSymbol => "event",
            IMethodSymbol { MethodKind: MethodKind.Constructor } => "constructor",
            IMethodSymbol => "method",
            INamedTypeSymbol => "nested type",
            _ => "member",
        };
        string name = member is IMethodSymbol method
            ? (method.MethodKind == MethodKind.Constructor ? member.ContainingType.Name : member.Name)
                + "(" + string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat))) + ")"
            : member.Name;
        return $"The {kind} '{name}'";
    }
}
