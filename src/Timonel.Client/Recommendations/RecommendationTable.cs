using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Client.Recommendations;

/// <summary>
/// Prints the server's ContainerRecommendationList as `timonel recommend` shows it: one row per
/// workload container, current and recommended request/limit for CPU and memory ("-" where
/// there is none), the history's window and sample count; then a line for each container whose
/// history is too short for a recommendation, saying how many samples it still needs.
/// </summary>
public static class RecommendationTable
{
    public static string Render(JsonObject list, bool allNamespaces)
    {
        ArgumentNullException.ThrowIfNull(list);
        var items = (list["items"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var minSamples = list["minSamples"]?.GetValue<long>() ?? 0;
        var header = new List<string> { "WORKLOAD", "CONTAINER", "CPU REQ/LIM", "MEMORY REQ/LIM", "RECOMMENDED CPU REQ/LIM", "RECOMMENDED MEMORY REQ/LIM", "WINDOW", "SAMPLES" };
        if (allNamespaces)
        {
            header.Insert(0, "NAMESPACE");
        }

        var rows = new List<List<string>> { header };
        var notes = new StringBuilder();
        foreach (var item in items)
        {
            var workload = $"{Str(item["workload"]?["kind"]).ToLowerInvariant()}/{Str(item["workload"]?["name"])}";
            var container = Str(item["container"]);
            var samples = item["samples"]?.GetValue<long>() ?? 0;
            var target = item["target"] as JsonObject;
            var row = new List<string>
            {
                workload,
                container,
                Pair(item["current"]?["requests"]?["cpu"], item["current"]?["limits"]?["cpu"]),
                Pair(item["current"]?["requests"]?["memory"], item["current"]?["limits"]?["memory"]),
                target is null ? "-" : Pair(target["cpu"], item["limit"]?["cpu"]),
                target is null ? "-" : Pair(target["memory"], item["limit"]?["memory"]),
                Window(item),
                samples.ToString(CultureInfo.InvariantCulture),
            };
            if (allNamespaces)
            {
                row.Insert(0, Str(item["namespace"]));
            }

            rows.Add(row);
            if (target is null)
            {
                notes.Append(CultureInfo.InvariantCulture, $"not enough history for {workload} container {container}: {samples} of the {minSamples} samples needed (one per metrics round)\n");
            }
        }

        var widths = Enumerable.Range(0, header.Count).Select(i => rows.Max(r => r[i].Length)).ToList();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.Append(string.Join("   ", row.Select((cell, i) => i == row.Count - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd()).Append('\n');
        }

        return text.Append(notes).ToString();
    }

    private static string Str(JsonNode? node) => node?.GetValue<string>() ?? "";

    private static string Pair(JsonNode? request, JsonNode? limit) =>
        $"{(request is null ? "-" : Str(request))}/{(limit is null ? "-" : Str(limit))}";

    /// <summary>From the first to the last sample kept, in Go's duration style rounded to seconds ("2m15s", "26h0m0s").</summary>
    private static string Window(JsonObject item)
    {
        if (item["firstSample"] is not { } first || item["lastSample"] is not { } last
            || !DateTimeOffset.TryParse(Str(first), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var from)
            || !DateTimeOffset.TryParse(Str(last), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var to))
        {
            return "-";
        }

        var span = to - from;
        var hours = (long)span.TotalHours;
        return hours > 0 ? $"{hours}h{span.Minutes}m{span.Seconds}s"
            : span.Minutes > 0 ? $"{span.Minutes}m{span.Seconds}s"
            : $"{span.Seconds}s";
    }
}
