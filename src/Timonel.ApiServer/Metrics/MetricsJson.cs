using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Quota;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.Metrics;

/// <summary>
/// NodeMetrics and PodMetrics in metrics.k8s.io/v1beta1's wire form, as metrics-server writes them:
/// metadata (name, namespace, creationTimestamp of the read, the node's or pod's labels),
/// timestamp, window (a Go duration), usage {cpu (nanocore precision), memory (bytes)}, and for a
/// pod its containers [{name, usage}].
/// </summary>
internal static class MetricsJson
{
    public const string ApiVersion = "metrics.k8s.io/v1beta1";

    public static JsonObject Node(JsonObject node, UsagePoint usage, DateTimeOffset now, bool withType) =>
        Item(withType ? "NodeMetrics" : null, Metadata(node, now, namespaced: false), usage.Timestamp, usage.Window, "usage", Usage(usage.CpuCores, usage.MemoryBytes));

    public static JsonObject Pod(JsonObject pod, PodUsage usage, DateTimeOffset now, bool withType) =>
        Item(withType ? "PodMetrics" : null, Metadata(pod, now, namespaced: true), usage.Timestamp, usage.Window, "containers", new JsonArray([.. usage.Containers.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["usage"] = Usage(c.CpuCores, c.MemoryBytes),
        })]));

    public static JsonObject List(string kind, IEnumerable<JsonObject> items) => new()
    {
        ["kind"] = kind,
        ["apiVersion"] = ApiVersion,
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray([.. items]),
    };

    /// <summary>{cpu, memory}: CPU rounded to whole nanocores, memory to whole bytes, in canonical quantity form.</summary>
    public static JsonObject Usage(decimal cores, decimal bytes) => new()
    {
        ["cpu"] = QuantityFormat.Format(decimal.Round(cores * 1_000_000_000m, MidpointRounding.AwayFromZero) / 1_000_000_000m, binary: false),
        ["memory"] = QuantityFormat.Format(decimal.Truncate(bytes), binary: true),
    };

    /// <summary>Go's time.Duration.String(): "15s", "1m0s", "10.5s", "250ms".</summary>
    public static string GoDuration(TimeSpan duration)
    {
        var ns = duration.Ticks * 100;
        if (ns == 0)
        {
            return "0s";
        }

        var sign = ns < 0 ? "-" : "";
        ns = Math.Abs(ns);
        if (ns < 1_000)
        {
            return $"{sign}{ns}ns";
        }

        if (ns < 1_000_000)
        {
            return $"{sign}{Fraction(ns, 1_000, 3)}µs";
        }

        if (ns < 1_000_000_000)
        {
            return $"{sign}{Fraction(ns, 1_000_000, 6)}ms";
        }

        var hours = ns / 3_600_000_000_000;
        var minutes = ns / 60_000_000_000 % 60;
        var seconds = Fraction(ns % 60_000_000_000, 1_000_000_000, 9);
        return hours > 0 ? $"{sign}{hours}h{minutes}m{seconds}s"
            : minutes > 0 ? $"{sign}{minutes}m{seconds}s"
            : $"{sign}{seconds}s";
    }

    private static string Fraction(long value, long unit, int digits)
    {
        var whole = (value / unit).ToString(CultureInfo.InvariantCulture);
        var rest = value % unit;
        return rest == 0 ? whole : $"{whole}.{rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0')}";
    }

    private static JsonObject Item(string? kind, JsonObject metadata, DateTimeOffset timestamp, TimeSpan window, string usageField, JsonNode usage)
    {
        var item = new JsonObject();
        if (kind is not null)
        {
            item["kind"] = kind;
            item["apiVersion"] = ApiVersion;
        }

        item["metadata"] = metadata;
        item["timestamp"] = ObjectMetaAccess.Timestamp(timestamp);
        item["window"] = GoDuration(window);
        item[usageField] = usage;
        return item;
    }

    private static JsonObject Metadata(JsonObject source, DateTimeOffset now, bool namespaced)
    {
        var metadata = new JsonObject { ["name"] = ObjectMetaAccess.Name(source) };
        if (namespaced)
        {
            metadata["namespace"] = ObjectMetaAccess.Namespace(source);
        }

        metadata["creationTimestamp"] = ObjectMetaAccess.Timestamp(now);
        if (source["metadata"]?["labels"] is JsonObject { Count: > 0 } labels)
        {
            metadata["labels"] = labels.DeepClone();
        }

        return metadata;
    }
}
