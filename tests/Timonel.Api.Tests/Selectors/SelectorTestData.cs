namespace Timonel.Api.Tests.Selectors;

internal static class SelectorTestData
{
    /// <summary>"a=b;c=" → {a: b, c: ""}; "" → no labels.</summary>
    public static Dictionary<string, string> Labels(string text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            labels[pair[..eq]] = pair[(eq + 1)..];
        }

        return labels;
    }
}
