using System.Net;
using System.Text.Json;

namespace Timonel.Cli.Bench.Fuzz;

/// <summary>
/// What a fuzzed request may get back: any answer below 500, and every error as a Kubernetes
/// Status whose code is the HTTP status. A 500 (or 502/503), a dropped connection, no answer in
/// time, or an error without a Status is a finding. A 504 is upstream's answer to a
/// resourceVersion the store has not reached, so it passes when it is a Status.
/// </summary>
internal static class FuzzOracle
{
    /// <summary>Null when the response is acceptable, else what is wrong with it.</summary>
    public static string? Judge(string method, HttpStatusCode status, byte[] body)
    {
        var code = (int)status;
        if (code >= 500 && code != 504)
        {
            return $"{code}: {Snippet(body)}";
        }

        if (code < 400 || method == "HEAD")
        {
            return null;
        }

        if (code == 400 && body.Length == 0)
        {
            // Kestrel refusing a request line it will not route (e.g. %00 in the path) before
            // any handler runs; Go's HTTP server answers malformed requests with a bare 400 too.
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != "Status")
            {
                return $"{code} without a Status: {Snippet(body)}";
            }

            return root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.GetInt32() == code
                ? null
                : $"{code} with a Status whose code differs: {Snippet(body)}";
        }
        catch (JsonException)
        {
            return $"{code} with a body that is not JSON: {Snippet(body)}";
        }
    }

    private static string Snippet(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 400));
        return body.Length > 400 ? text + "..." : text;
    }
}
