using System.Globalization;

namespace Timonel.ApiServer.Metrics;

/// <summary>
/// Reads the kubelet's /metrics/resource (Prometheus text format 0.0.4): node_cpu_usage_seconds_total,
/// node_memory_working_set_bytes, and container_cpu_usage_seconds_total /
/// container_memory_working_set_bytes labelled container, namespace and pod; samples carry
/// millisecond timestamps (the scrape's time when absent). Any malformed line fails the whole
/// text (<see cref="FormatException"/>), as metrics-server's parser does, so a node serving
/// garbage is skipped rather than half-read. As metrics-server, a node lacking either value and a
/// pod with a container lacking either value are left out.
/// </summary>
internal static class ResourceMetricsParser
{
    private const string NodeCpu = "node_cpu_usage_seconds_total";
    private const string NodeMemory = "node_memory_working_set_bytes";
    private const string ContainerCpu = "container_cpu_usage_seconds_total";
    private const string ContainerMemory = "container_memory_working_set_bytes";

    /// <exception cref="FormatException">A line is not a Prometheus sample, comment or blank, or one of these metrics has a negative or non-finite value.</exception>
    public static ResourceMetricsScrape Parse(string text, DateTimeOffset scrapedAt)
    {
        ArgumentNullException.ThrowIfNull(text);
        decimal? nodeCpu = null, nodeMemory = null;
        DateTimeOffset? nodeCpuTime = null;
        var containers = new Dictionary<(PodKey Pod, string Container), (decimal? Cpu, DateTimeOffset? CpuTime, decimal? Memory)>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var (name, labels, value, timestamp) = ParseSample(line, lineNumber);
            if (name is not (NodeCpu or NodeMemory or ContainerCpu or ContainerMemory))
            {
                continue;
            }

            if (value is not { } number || number < 0)
            {
                throw new FormatException($"line {lineNumber}: {name} must be a non-negative number");
            }

            var at = timestamp ?? scrapedAt;
            switch (name)
            {
                case NodeCpu:
                    (nodeCpu, nodeCpuTime) = (number, at);
                    break;
                case NodeMemory:
                    nodeMemory = number;
                    break;
                default:
                    var key = (new PodKey(Label(labels, "namespace", lineNumber), Label(labels, "pod", lineNumber)), Label(labels, "container", lineNumber));
                    containers.TryGetValue(key, out var entry);
                    containers[key] = name == ContainerCpu ? entry with { Cpu = number, CpuTime = at } : entry with { Memory = number };
                    break;
            }
        }

        var node = nodeCpu is { } c && nodeMemory is { } m && c > 0 && m > 0 ? new CumulativeSample(c, m, nodeCpuTime!.Value) : null;
        var pods = new Dictionary<PodKey, IReadOnlyDictionary<string, CumulativeSample>>();
        foreach (var group in containers.GroupBy(kv => kv.Key.Pod))
        {
            // metrics-server drops a pod one of whose containers lacks a value.
            if (group.Any(kv => kv.Value is not { Cpu: > 0, Memory: > 0 }))
            {
                continue;
            }

            pods[group.Key] = group.ToDictionary(kv => kv.Key.Container, kv => new CumulativeSample(kv.Value.Cpu!.Value, kv.Value.Memory!.Value, kv.Value.CpuTime!.Value), StringComparer.Ordinal);
        }

        return new ResourceMetricsScrape(node, pods);
    }

    private static string Label(IReadOnlyDictionary<string, string> labels, string name, int lineNumber) =>
        labels.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new FormatException($"line {lineNumber}: a container metric needs a non-empty {name} label");

    /// <summary>name{labels} value [timestamp]; the value is null for NaN and infinities.</summary>
    private static (string Name, IReadOnlyDictionary<string, string> Labels, decimal? Value, DateTimeOffset? Timestamp) ParseSample(string line, int lineNumber)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }

        if (i == 0 || char.IsAsciiDigit(line[0]))
        {
            throw new FormatException($"line {lineNumber}: expected a metric name");
        }

        var name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i = ParseLabels(line, i + 1, labels, lineNumber);
        }

        var rest = line[i..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2 || (i < line.Length && line[i] is not (' ' or '\t')))
        {
            throw new FormatException($"line {lineNumber}: expected \"{name} VALUE [TIMESTAMP]\"");
        }

        decimal? value = rest[0] switch
        {
            "NaN" or "+Inf" or "-Inf" or "Inf" => null,
            var v when decimal.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f) => throw new FormatException($"line {lineNumber}: value {v} is out of range"),
            var v => throw new FormatException($"line {lineNumber}: value \"{v}\" is not a number"),
        };
        DateTimeOffset? timestamp = null;
        if (rest.Length == 2)
        {
            if (!long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms) || ms < 0 || ms > 253402300799999)
            {
                throw new FormatException($"line {lineNumber}: timestamp \"{rest[1]}\" is not milliseconds since the epoch");
            }

            timestamp = DateTimeOffset.FromUnixTimeMilliseconds(ms);
        }

        return (name, labels, value, timestamp);
    }

    /// <summary>Reads name="value" pairs up to the closing brace; returns the index after it.</summary>
    private static int ParseLabels(string line, int i, Dictionary<string, string> labels, int lineNumber)
    {
        while (true)
        {
            while (i < line.Length && line[i] is ' ' or '\t')
            {
                i++;
            }

            if (i < line.Length && line[i] == '}')
            {
                return i + 1;
            }

            var start = i;
            while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '_'))
            {
                i++;
            }

            if (i == start || i + 1 >= line.Length || line[i] != '=' || line[i + 1] != '"')
            {
                throw new FormatException($"line {lineNumber}: expected label=\"value\" at column {i + 1}");
            }

            var label = line[start..i];
            i += 2;
            var value = new System.Text.StringBuilder();
            while (true)
            {
                if (i >= line.Length)
                {
                    throw new FormatException($"line {lineNumber}: label {label} has no closing quote");
                }

                var ch = line[i++];
                if (ch == '"')
                {
                    break;
                }

                if (ch == '\\')
                {
                    if (i >= line.Length)
                    {
                        throw new FormatException($"line {lineNumber}: label {label} ends in a lone backslash");
                    }

                    ch = line[i++] switch
                    {
                        'n' => '\n',
                        '\\' => '\\',
                        '"' => '"',
                        var other => throw new FormatException($"line {lineNumber}: label {label} has an unknown escape \\{other}"),
                    };
                }

                value.Append(ch);
            }

            labels[label] = value.ToString();
            while (i < line.Length && line[i] is ' ' or '\t')
            {
                i++;
            }

            if (i < line.Length && line[i] == ',')
            {
                i++;
            }
            else if (i >= line.Length || line[i] != '}')
            {
                throw new FormatException($"line {lineNumber}: expected ',' or '}}' after label {label}");
            }
        }
    }
}
