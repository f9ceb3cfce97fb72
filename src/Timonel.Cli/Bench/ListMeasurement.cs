using System.Diagnostics;
using System.Text.Json;

namespace Timonel.Cli.Bench;

/// <summary>
/// Measurement 3: fill a namespace with small pods, then time a full JSON list of it and a
/// paginated one (limit + continue), counting bytes and items to check nothing was lost.
/// </summary>
internal static class ListMeasurement
{
    private const int FullListRuns = 3;

    public static async Task<ListResult> RunAsync(HttpClient client, string ns, int pods, int pageSize, int concurrency, int? serverPid, string? resourceVersion, CancellationToken cancellationToken)
    {
        var fill = await ClosedLoop.RunAsync("create pod", concurrency, pods, null, serverPid, async (i, ct) =>
        {
            using var response = await client.PostAsync($"api/v1/namespaces/{ns}/pods", BenchObjects.Pod(BenchObjects.PodName(i)), ct).ConfigureAwait(false);
            return await ClosedLoop.FailureOfAsync(response, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        // The median of a few runs: one list is short enough that a stray pause would decide it.
        var full = new List<PageRun>();
        for (var run = 0; run < FullListRuns; run++)
        {
            full.Add(await ListAsync(client, $"api/v1/namespaces/{ns}/pods" + (resourceVersion is null ? "" : $"?resourceVersion={Uri.EscapeDataString(resourceVersion)}"), 0, serverPid, cancellationToken).ConfigureAwait(false));
        }

        var median = full.OrderBy(r => r.Seconds).ElementAt(FullListRuns / 2);
        var paged = await ListAsync(client, $"api/v1/namespaces/{ns}/pods", pageSize, serverPid, cancellationToken).ConfigureAwait(false);
        return new ListResult(fill, median, paged, pods, pageSize);
    }

    /// <summary>Lists every page (one when <paramref name="limit"/> is 0), parsing each as a client must to follow continue.</summary>
    private static async Task<PageRun> ListAsync(HttpClient client, string path, int limit, int? serverPid, CancellationToken cancellationToken)
    {
        var cpuBefore = ProcessStats.OwnCpuSeconds();
        // The server's own CPU for the list: its cost, apart from the transfer and the client's parse.
        var serverBefore = serverPid is { } pid ? ProcessStats.CpuSeconds(pid) : null;
        var started = Stopwatch.GetTimestamp();
        long bytes = 0;
        var items = 0;
        var pages = 0;
        string? next = null;
        do
        {
            var url = limit > 0 ? $"{path}?limit={limit}" + (next is null ? "" : "&continue=" + Uri.EscapeDataString(next)) : path;
            using var response = await client.GetAsync(url, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {url}: HTTP {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(300, body.Length)))}");
            }

            bytes += body.Length;
            pages++;
            using var doc = JsonDocument.Parse(body);
            items += doc.RootElement.GetProperty("items").GetArrayLength();
            next = doc.RootElement.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("continue", out var c) && c.GetString() is { Length: > 0 } token ? token : null;
        }
        while (next is not null && limit > 0);

        var serverAfter = serverPid is { } p ? ProcessStats.CpuSeconds(p) : null;
        return new PageRun(Stopwatch.GetElapsedTime(started).TotalSeconds, bytes, items, pages, ProcessStats.OwnCpuSeconds() - cpuBefore, serverAfter - serverBefore);
    }
}

/// <summary>One list, possibly over several pages: wall time, body bytes, items, pages, client and (when known) server CPU seconds.</summary>
internal sealed record PageRun(double Seconds, long Bytes, int Items, int Pages, double ClientCpuSeconds, double? ServerCpuSeconds);

/// <summary>Measurement 3's outcome: the pod fill rate, the full list (median of runs) and the paginated list.</summary>
internal sealed record ListResult(RateResult Fill, PageRun Full, PageRun Paged, int ExpectedItems, int PageSize);
