using System.Text.Json.Nodes;
using Timonel.Cel.Values;

namespace Timonel.Cel;

/// <summary>The variables an evaluation sees (`self`, `oldSelf`, `object`, ...). Resolve is called at most once per reference.</summary>
public interface ICelActivation
{
    /// <summary>The variable's value, or false when it is not bound (then the reference is an error).</summary>
    bool TryResolve(string name, out CelValue value);
}

/// <summary>An activation from a name → value map; .NET values are wrapped with <see cref="CelValue.From"/> (JSON nodes in place).</summary>
public sealed class CelActivation(IReadOnlyDictionary<string, object?> variables, IReadOnlyDictionary<string, CelType>? types = null) : ICelActivation
{
    public static readonly CelActivation Empty = new(new Dictionary<string, object?>());

    /// <summary>The same variables, JSON ones read as the declared types say (a program does this with its environment's declarations).</summary>
    internal CelActivation WithTypes(IReadOnlyDictionary<string, CelType> declared) => types is null ? new(variables, declared) : this;

    public static CelActivation Of(string name, JsonNode? value) => new(new Dictionary<string, object?> { [name] = value });

    public bool TryResolve(string name, out CelValue value)
    {
        if (variables.TryGetValue(name, out var v))
        {
            value = v is JsonNode node && types is not null && types.TryGetValue(name, out var t) ? CelJson.From(node, t) : CelValue.From(v);
            return true;
        }
        value = CelNull.Instance;
        return false;
    }
}
