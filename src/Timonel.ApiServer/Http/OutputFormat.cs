using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Http;

/// <summary>What representation the client asked for in its Accept header.</summary>
internal enum OutputKind
{
    Object,
    Table,
    PartialObjectMetadata,
}

/// <summary>
/// Upstream's output negotiation (apiserver's negotiation.NegotiateOutputMediaType): Accept clauses
/// by preference (q, then specificity, then order); the first clause naming a media type the server
/// speaks, whose as/g/v parameters ask for something it can convert to, wins. No such clause is a
/// 406. A missing or empty Accept header means the object as JSON.
/// </summary>
/// <remarks>
/// Responses are always written as JSON. A clause for application/yaml is still taken (JSON is
/// YAML), and so is one for protobuf: client-go decodes by the response's Content-Type, so a
/// protobuf client reads the JSON answer.
/// </remarks>
internal static class OutputFormat
{
    /// <summary>Upstream's text for a 406 (the media types of its built-in resources' serializers).</summary>
    public const string NotAcceptableMessage = "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf";

    private const string Json = "json";
    private const string Yaml = "yaml";
    private const string Protobuf = "vnd.kubernetes.protobuf";

    // The serializers in upstream's order: a wildcard clause is tried against each in turn.
    private static readonly string[] Serializers = [Json, Yaml, Protobuf];

    /// <summary>The representation to answer with; throws ApiException 406 when the Accept header allows none.</summary>
    public static OutputKind From(HttpContext context) => Negotiate(context.Request.Headers.Accept.ToString());

    /// <summary>See <see cref="From"/>; the Accept header's value, "" when absent.</summary>
    public static OutputKind Negotiate(string accept)
    {
        // What clients send most (client-go's default, kubectl's get -o json, curl), each of which
        // the full negotiation below also answers with the object as JSON: skip its parsing.
        if (accept is "" or "application/json" or "*/*" or "application/json, */*")
        {
            return OutputKind.Object;
        }

        foreach (var clause in Clauses(accept))
        {
            foreach (var subtype in Serializers)
            {
                if (Matches(clause, subtype) && Acceptable(clause, subtype) is { } kind)
                {
                    return kind;
                }
            }
        }

        throw new ApiException(HttpStatusCode.NotAcceptable, "NotAcceptable", NotAcceptableMessage);
    }

    private static bool Matches(Clause clause, string subtype) =>
        (clause.Type == "application" && (clause.SubType == subtype || clause.SubType == "*")) || (clause.Type == "*" && clause.SubType == "*");

    // Upstream's acceptMediaTypeOptions with a resource endpoint's restrictions: as/g/v may only ask
    // for meta.k8s.io's Table (JSON or YAML) or PartialObjectMetadata(List); unknown parameters are ignored.
    private static OutputKind? Acceptable(Clause clause, string subtype)
    {
        if (clause.Parameters.TryGetValue("stream", out var stream) && stream.Length > 0 && (stream != "watch" || subtype == Yaml))
        {
            return null;
        }

        if (clause.Parameters.TryGetValue("sv", out var serverVersion) && serverVersion.Length > 0 && serverVersion != "v1")
        {
            return null;
        }

        var hasKind = clause.Parameters.TryGetValue("as", out var kind);
        var hasGroup = clause.Parameters.TryGetValue("g", out var group);
        var hasVersion = clause.Parameters.TryGetValue("v", out var version);
        if (!hasKind && !hasGroup && !hasVersion)
        {
            return OutputKind.Object;
        }

        if (group != "meta.k8s.io" || version is not ("v1" or "v1beta1"))
        {
            return null;
        }

        return kind switch
        {
            "Table" when subtype is Json or Yaml => OutputKind.Table,
            "PartialObjectMetadata" or "PartialObjectMetadataList" => OutputKind.PartialObjectMetadata,
            _ => null,
        };
    }

    // goautoneg's ParseAccept: media ranges with parameters, sorted by q (highest first), then
    // concrete types before wildcards; a range that is not "type/subtype" (or "*") is dropped.
    private static IEnumerable<Clause> Clauses(string accept)
    {
        var clauses = new List<Clause>();
        foreach (var part in accept.Split(','))
        {
            var pieces = part.Trim(' ').Split(';');
            var range = pieces[0].Split('/');
            var type = range[0].Trim(' ').ToLowerInvariant();
            string subtype;
            if (range.Length == 1 && type == "*")
            {
                subtype = "*";
            }
            else if (range.Length == 2)
            {
                subtype = range[1].Trim(' ').ToLowerInvariant();
            }
            else
            {
                continue;
            }

            var quality = 1.0;
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var parameter in pieces.Skip(1))
            {
                var eq = parameter.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    continue;
                }

                var name = parameter[..eq].Trim(' ');
                var value = parameter[(eq + 1)..].Trim(' ');
                if (name == "q")
                {
                    quality = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var q) ? q : 0;
                }
                else
                {
                    parameters[name] = value;
                }
            }

            clauses.Add(new Clause(type, subtype, parameters, quality));
        }

        return clauses.OrderByDescending(c => c.Quality).ThenBy(c => c.Type == "*").ThenBy(c => c.SubType == "*");
    }

    private sealed record Clause(string Type, string SubType, Dictionary<string, string> Parameters, double Quality);
}
