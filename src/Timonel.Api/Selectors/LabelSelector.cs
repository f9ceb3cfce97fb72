namespace Timonel.Api.Selectors;

/// <summary>A parsed label selector (stub: matches everything).</summary>
public sealed class LabelSelector
{
    public static LabelSelector Everything { get; } = new();

    public bool IsEmpty => true;

    /// <summary>Parses the query-string form ("a=b,c!=d,e in (f,g),!h"); throws ApiException 400 on bad syntax.</summary>
    public static LabelSelector Parse(string? text) => Everything;

    public bool Matches(IReadOnlyDictionary<string, string> labels) => true;
}
