using System.Text.Json;
using System.Text.Json.Serialization;

namespace Timonel.Cli.Bench.Fuzz;

/// <summary>
/// One request of a fuzz campaign, as sent. A finding is saved in this shape (the body in
/// base64) so that it can be replayed byte for byte and kept as a regression test.
/// </summary>
internal sealed record FuzzRequest
{
    /// <summary>Which generator made it (e.g. "yaml-alias", "json-patch"), for the report.</summary>
    public required string Family { get; init; }

    public required string Method { get; init; }

    /// <summary>Path and query string, already escaped as sent.</summary>
    public required string PathAndQuery { get; init; }

    public string? ContentType { get; init; }

    public string? Accept { get; init; }

    /// <summary>The Authorization header to send instead of the admin token's.</summary>
    public string? Authorization { get; init; }

    /// <summary>In a kept regression case: the status the server must answer (beyond the oracle's rules).</summary>
    public int? Expect { get; init; }

    /// <summary>In a saved finding: what the server did wrong (a 500, no answer, a dropped connection).</summary>
    public string? Finding { get; init; }

    [JsonIgnore]
    public byte[] Body { get; init; } = [];

    [JsonPropertyName("bodyBase64")]
    public string BodyBase64
    {
        get => Convert.ToBase64String(Body);
        init => Body = Convert.FromBase64String(value);
    }

    // camelCase, as the kept files in tests/e2e/FuzzFindings are written.
    private static readonly JsonSerializerOptions FileFormat = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string ToJson() => JsonSerializer.Serialize(this, FileFormat);

    public static FuzzRequest FromJson(string json) =>
        JsonSerializer.Deserialize<FuzzRequest>(json, FileFormat) ?? throw new JsonException("a finding file holds null");
}
