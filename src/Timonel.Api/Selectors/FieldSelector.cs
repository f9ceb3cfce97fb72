namespace Timonel.Api.Selectors;

/// <summary>A parsed field selector (stub: matches everything).</summary>
public sealed class FieldSelector
{
    public static FieldSelector Everything { get; } = new();

    public bool IsEmpty => true;

    /// <summary>The field paths the selector names, e.g. "metadata.name".</summary>
    public IReadOnlyList<string> Fields => [];

    /// <summary>Parses "a=b,c!=d,e==f"; throws ApiException 400 on bad syntax.</summary>
    public static FieldSelector Parse(string? text) => Everything;

    public bool Matches(IReadOnlyDictionary<string, string> fields) => true;
}
