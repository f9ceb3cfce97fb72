namespace Timonel.Api.Selectors;

/// <summary>One term of a field selector: "field=value" (or "==") when <see cref="Equal"/>, else "field!=value".</summary>
public sealed record FieldRequirement(string Field, bool Equal, string Value)
{
    /// <summary>A missing field reads as "", as upstream's fields.Set.Get does.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        var actual = fields.TryGetValue(Field, out var v) ? v : "";
        return string.Equals(actual, Value, StringComparison.Ordinal) == Equal;
    }

    /// <summary>"field=value" or "field!=value", the value escaped.</summary>
    public override string ToString() => Field + (Equal ? "=" : "!=") + FieldSelector.EscapeValue(Value);
}
