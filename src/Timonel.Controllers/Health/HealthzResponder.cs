using System.Text;

namespace Timonel.Controllers.Health;

/// <summary>One answer of the health endpoint: status code and plain-text body.</summary>
public sealed record HealthzResponse(int StatusCode, string Body);

/// <summary>
/// Upstream's healthz handler over <see cref="ControllerHealth"/>: /healthz runs "ping" and
/// every controller's check ("ok", or 500 listing "[-]name failed: reason withheld" and
/// "healthz check failed"; ?verbose lists every check; ?exclude=name skips one);
/// /healthz/&lt;name&gt; runs one check ("ok", or 500 "internal server error: reason"); an unknown
/// name is 404.
/// </summary>
public static class HealthzResponder
{
    public const string PingCheck = "ping";

    /// <summary>The answer for <paramref name="path"/>, or null when the path is not a health path.</summary>
    public static HealthzResponse? Respond(ControllerHealth health, string path, bool verbose, IReadOnlyCollection<string> exclude)
    {
        var checks = new List<(string Name, string? Error)> { (PingCheck, null) };
        checks.AddRange(health.Checks);
        var trimmed = path.TrimEnd('/');
        if (trimmed == "/healthz")
        {
            return Aggregate(checks.Where(c => !exclude.Contains(c.Name)), verbose);
        }

        if (!trimmed.StartsWith("/healthz/", StringComparison.Ordinal))
        {
            return null;
        }

        var name = trimmed["/healthz/".Length..];
        foreach (var (check, error) in checks)
        {
            if (check == name)
            {
                return error is null ? new HealthzResponse(200, "ok") : new HealthzResponse(500, $"internal server error: {error}\n");
            }
        }

        return new HealthzResponse(404, "404 page not found\n");
    }

    private static HealthzResponse Aggregate(IEnumerable<(string Name, string? Error)> checks, bool verbose)
    {
        var lines = new StringBuilder();
        var failed = false;
        foreach (var (name, error) in checks)
        {
            if (error is null)
            {
                lines.Append("[+]").Append(name).Append(" ok\n");
            }
            else
            {
                failed = true;
                lines.Append("[-]").Append(name).Append(" failed: reason withheld\n");
            }
        }

        if (failed)
        {
            return new HealthzResponse(500, lines + "healthz check failed\n");
        }

        return verbose ? new HealthzResponse(200, lines + "healthz check passed\n") : new HealthzResponse(200, "ok");
    }
}
