using System.Globalization;
using System.Text;

namespace Timonel.Kubelet.Stats;

/// <summary>
/// Writes a snapshot as upstream's GET /metrics/resource: Prometheus text format 0.0.4, the
/// [STABLE] metric names, HELP and TYPE lines, families in name order, each sample with its
/// reading's time in milliseconds. The control plane's metrics scraper parses exactly this.
/// <c>scrape_error</c> is 1 when the containers could not be read (the node's figures are then
/// left out too, as upstream leaves out what it could not read).
/// </summary>
public static class ResourceMetricsWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <param name="snapshot">Null when collecting failed: only <c>scrape_error 1</c> is written.</param>
    public static string Write(UsageSnapshot? snapshot)
    {
        var text = new StringBuilder();
        var pods = snapshot?.Pods ?? [];
        var containers = pods.SelectMany(p => p.Containers.Select(c => (Pod: p, Container: c))).ToList();
        Family(text, "container_cpu_usage_seconds_total", "Cumulative cpu time consumed by the container in core-seconds", "counter",
            containers.Select(x => (ContainerLabels(x.Pod, x.Container), Seconds(x.Container.Cpu.UsageCoreNanoSeconds), x.Container.Cpu.Time)));
        Family(text, "container_memory_working_set_bytes", "Current working set of the container in bytes", "gauge",
            containers.Select(x => (ContainerLabels(x.Pod, x.Container), (double)x.Container.Memory.WorkingSetBytes, x.Container.Memory.Time)));
        Family(text, "container_start_time_seconds", "Start time of the container since unix epoch in seconds", "gauge",
            containers.Select(x => (ContainerLabels(x.Pod, x.Container), (x.Container.StartTime - DateTimeOffset.UnixEpoch).Ticks / 1e7, x.Container.StartTime)));
        var node = snapshot is null ? [] : new[] { snapshot.Node };
        Family(text, "node_cpu_usage_seconds_total", "Cumulative cpu time consumed by the node in core-seconds", "counter",
            node.Select(n => (NoLabels, Seconds(n.Cpu.UsageCoreNanoSeconds), n.Cpu.Time)));
        Family(text, "node_memory_working_set_bytes", "Current working set of the node in bytes", "gauge",
            node.Select(n => (NoLabels, (double)n.Memory.WorkingSetBytes, n.Memory.Time)));
        Family(text, "pod_cpu_usage_seconds_total", "Cumulative cpu time consumed by the pod in core-seconds", "counter",
            pods.Select(p => (PodLabels(p), Seconds(p.Cpu.UsageCoreNanoSeconds), p.Cpu.Time)));
        Family(text, "pod_memory_working_set_bytes", "Current working set of the pod in bytes", "gauge",
            pods.Select(p => (PodLabels(p), (double)p.Memory.WorkingSetBytes, p.Memory.Time)));
        text.Append("# HELP scrape_error [ALPHA] 1 if there was an error while getting container metrics, 0 otherwise\n");
        text.Append("# TYPE scrape_error gauge\n");
        text.Append("scrape_error ").Append(snapshot is null ? '1' : '0').Append('\n');
        return text.ToString();
    }

    /// <summary>A label value as the text format requires: backslash, double quote and line feed escaped.</summary>
    public static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static (string Name, string Value)[] ContainerLabels(PodUsage pod, ContainerUsage c) =>
        [("container", c.Name), ("namespace", pod.Namespace), ("pod", pod.Name)];

    private static (string Name, string Value)[] PodLabels(PodUsage pod) =>
        [("namespace", pod.Namespace), ("pod", pod.Name)];

    private static readonly (string Name, string Value)[] NoLabels = [];

    private static double Seconds(ulong nanoseconds) => nanoseconds / 1e9;

    /// <summary>One metric family; none at all (not even HELP) when it has no samples, as Prometheus's gatherer drops empty families.</summary>
    private static void Family(StringBuilder text, string name, string help, string type, IEnumerable<((string Name, string Value)[] Labels, double Value, DateTimeOffset Time)> samples)
    {
        var header = false;
        foreach (var (labels, value, time) in samples)
        {
            if (!header)
            {
                text.Append("# HELP ").Append(name).Append(" [STABLE] ").Append(help).Append('\n');
                text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
                header = true;
            }

            Sample(text, name, labels, value, time);
        }
    }

    private static void Sample(StringBuilder text, string name, (string Name, string Value)[] labels, double value, DateTimeOffset time)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                text.Append(i == 0 ? "" : ",").Append(labels[i].Name).Append("=\"").Append(EscapeLabelValue(labels[i].Value)).Append('"');
            }

            text.Append('}');
        }

        // Shortest round-trip form ("1.5", "123456789", "1E+21"), which Prometheus's float parser reads back exactly.
        text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append(' ').Append(time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
