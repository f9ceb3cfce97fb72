namespace Timonel.Registry.Discovery;

/// <summary>Which discovery format an Accept header asks for.</summary>
public enum DiscoveryFormat
{
    /// <summary>APIVersions / APIGroupList, plain application/json.</summary>
    Legacy,

    /// <summary>apidiscovery.k8s.io/v2 APIGroupDiscoveryList (client-go 1.30+).</summary>
    AggregatedV2,

    /// <summary>apidiscovery.k8s.io/v2beta1 APIGroupDiscoveryList (client-go 1.26 to 1.29).</summary>
    AggregatedV2Beta1,
}

/// <summary>
/// Chooses the discovery format as the upstream server does: Accept clauses by preference
/// (q, then specificity, then order); the first JSON clause that asks for an aggregated list of a
/// version we serve wins; a plain JSON or wildcard clause means the legacy documents; clauses we
/// cannot serve (protobuf, unknown versions) are skipped; nothing acceptable falls back to legacy.
/// </summary>
public static class DiscoveryNegotiation
{
    public const string Group = "apidiscovery.k8s.io";
    public const string Kind = "APIGroupDiscoveryList";
    public const string LegacyContentType = "application/json";
    public const string V2ContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    public const string V2Beta1ContentType = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";

    public static DiscoveryFormat Choose(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return DiscoveryFormat.Legacy;
        }

        var clauses = accept.Split(',')
            .Select((text, index) => Parse(text, index))
            .Where(c => c is not null)
            .Select(c => c!)
            .OrderByDescending(c => c.Quality)
            .ThenByDescending(c => c.Specificity)
            .ThenBy(c => c.Index);

        foreach (var c in clauses)
        {
            if (c.Quality <= 0 || !(c.MediaType is "application/json" or "application/*" or "*/*"))
            {
                continue;
            }

            c.Parameters.TryGetValue("g", out var group);
            c.Parameters.TryGetValue("v", out var version);
            c.Parameters.TryGetValue("as", out var kind);
            if (group is null && version is null && kind is null)
            {
                return DiscoveryFormat.Legacy;
            }

            if (group == Group && kind == Kind)
            {
                switch (version)
                {
                    case "v2":
                        return DiscoveryFormat.AggregatedV2;
                    case "v2beta1":
                        return DiscoveryFormat.AggregatedV2Beta1;
                    default:
                        break;
                }
            }
        }

        return DiscoveryFormat.Legacy;
    }

    /// <summary>
    /// Whether the plain (legacy) discovery documents may answer: upstream writes them through
    /// output negotiation with no conversions allowed, so some clause must name JSON, YAML,
    /// protobuf or a wildcard without as/g/v parameters; otherwise it answers 406. An empty
    /// header accepts anything.
    /// </summary>
    public static bool AcceptsLegacy(string? accept) =>
        string.IsNullOrWhiteSpace(accept)
        || accept.Split(',').Select((text, index) => Parse(text, index)).Any(c =>
            c is not null
            && c.MediaType is "application/json" or "application/yaml" or "application/vnd.kubernetes.protobuf" or "application/*" or "*/*" or "*"
            && !c.Parameters.ContainsKey("as") && !c.Parameters.ContainsKey("g") && !c.Parameters.ContainsKey("v"));

    /// <summary>The Content-Type that announces <paramref name="format"/>.</summary>
    public static string ContentTypeOf(DiscoveryFormat format) => format switch
    {
        DiscoveryFormat.AggregatedV2 => V2ContentType,
        DiscoveryFormat.AggregatedV2Beta1 => V2Beta1ContentType,
        _ => LegacyContentType,
    };

    private static Clause? Parse(string text, int index)
    {
        var parts = text.Split(';');
        var mediaType = parts[0].Trim().ToLowerInvariant();
        if (mediaType.Length == 0)
        {
            return null;
        }

        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var quality = 1.0;
        foreach (var p in parts.Skip(1))
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var name = p[..eq].Trim();
            var value = p[(eq + 1)..].Trim().Trim('"');
            if (name.Equals("q", StringComparison.OrdinalIgnoreCase))
            {
                quality = double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var q) ? q : 0;
            }
            else
            {
                parameters[name] = value;
            }
        }

        var specificity = mediaType == "*/*" ? 0 : mediaType.EndsWith("/*", StringComparison.Ordinal) ? 1 : 2;
        return new Clause(mediaType, parameters, quality, specificity, index);
    }

    private sealed record Clause(string MediaType, Dictionary<string, string> Parameters, double Quality, int Specificity, int Index);
}
