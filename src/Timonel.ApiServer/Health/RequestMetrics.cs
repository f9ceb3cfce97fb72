using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Timonel.ApiServer.Health;

/// <summary>Counts requests by verb, resource and code for /metrics (Prometheus text format).</summary>
internal sealed class RequestMetrics
{
    private readonly ConcurrentDictionary<(string Verb, string Resource, int Code), long> _counts = new();

    /// <summary>The hash of the encryption config in force, or null when there is none.</summary>
    public Func<string>? EncryptionConfigHash { get; init; }

    /// <summary>The watch path's stage timings, rendered with the request counts.</summary>
    public Watch.Cache.WatchStageMetrics? WatchStages { get; init; }

    public void Record(string verb, string resource, int code) =>
        _counts.AddOrUpdate((verb, resource, code), 1, (_, n) => n + 1);

    public string Render()
    {
        var sb = new StringBuilder();
        sb.Append("# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, resource and HTTP response code.\n");
        sb.Append("# TYPE apiserver_request_total counter\n");
        foreach (var ((verb, resource, code), n) in _counts.OrderBy(k => k.Key.Resource, StringComparer.Ordinal).ThenBy(k => k.Key.Verb, StringComparer.Ordinal))
        {
            sb.Append(CultureInfo.InvariantCulture, $"apiserver_request_total{{code=\"{code}\",resource=\"{resource}\",verb=\"{verb}\"}} {n}\n");
        }

        if (EncryptionConfigHash is { } hash)
        {
            // Upstream's gauge: a rotation script waits for the new file's hash to show here.
            sb.Append("# HELP apiserver_encryption_config_controller_last_config_info [ALPHA] Information about the last applied encryption configuration with hash as label.\n");
            sb.Append("# TYPE apiserver_encryption_config_controller_last_config_info gauge\n");
            sb.Append(CultureInfo.InvariantCulture, $"apiserver_encryption_config_controller_last_config_info{{hash=\"{hash()}\"}} 1\n");
        }

        WatchStages?.Render(sb);
        sb.Append("# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n");
        sb.Append(CultureInfo.InvariantCulture, $"process_resident_memory_bytes {Environment.WorkingSet}\n");
        return sb.ToString();
    }
}
