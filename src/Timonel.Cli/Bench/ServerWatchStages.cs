using System.Globalization;

namespace Timonel.Cli.Bench;

/// <summary>
/// The server's own view of the watch path, from its /metrics histogram
/// <c>timonel_watch_event_stage_seconds</c> (store commit → cached, → serialized, → flushed into
/// each watcher's response), scraped before and after the fan-out so that only its events count.
/// It splits the delay the client sees into the server's part and the rest (wire, TLS, the
/// client's own reading).
/// </summary>
internal sealed class ServerWatchStages
{
    private const string Metric = "timonel_watch_event_stage_seconds_bucket{";

    // stage → (upper bound, cumulative count), in the order the server wrote them.
    private readonly Dictionary<string, List<(double Le, long Count)>> _buckets;

    private ServerWatchStages(Dictionary<string, List<(double Le, long Count)>> buckets) => _buckets = buckets;

    public IEnumerable<string> Stages => _buckets.Keys;

    /// <summary>Reads the histogram from /metrics; null when the server does not publish it.</summary>
    public static async Task<ServerWatchStages?> ScrapeAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("metrics", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var parsed = Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return parsed._buckets.Count == 0 ? null : parsed;
    }

    /// <summary>Parses Prometheus text: the stage histogram's bucket lines only.</summary>
    public static ServerWatchStages Parse(string text)
    {
        var buckets = new Dictionary<string, List<(double, long)>>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(Metric, StringComparison.Ordinal) || Label(line, "stage") is not { } stage || Label(line, "le") is not { } le
                || !long.TryParse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var count))
            {
                continue;
            }

            var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
            if (!buckets.TryGetValue(stage, out var list))
            {
                buckets[stage] = list = [];
            }

            list.Add((bound, count));
        }

        return new ServerWatchStages(buckets);
    }

    /// <summary>The samples recorded after <paramref name="before"/> was scraped.</summary>
    public ServerWatchStages Since(ServerWatchStages? before) => new(_buckets.ToDictionary(
        kv => kv.Key,
        kv => kv.Value.Select((b, i) => (b.Le, b.Count - (before?._buckets.GetValueOrDefault(kv.Key) is { } old && i < old.Count ? old[i].Count : 0))).ToList(),
        StringComparer.Ordinal));

    public long Count(string stage) => _buckets.GetValueOrDefault(stage) is { Count: > 0 } b ? b[^1].Count : 0;

    /// <summary>
    /// The <paramref name="percentile"/> of <paramref name="stage"/> in milliseconds, interpolated
    /// inside its bucket as Prometheus' histogram_quantile does (so only as fine as the buckets);
    /// NaN without samples.
    /// </summary>
    public double PercentileMs(string stage, double percentile)
    {
        if (_buckets.GetValueOrDefault(stage) is not { Count: > 0 } b || b[^1].Count == 0)
        {
            return double.NaN;
        }

        var rank = percentile / 100 * b[^1].Count;
        var lower = 0.0;
        long below = 0;
        foreach (var (le, count) in b)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(le))
                {
                    return lower * 1000;
                }

                var inBucket = count - below;
                return (lower + ((le - lower) * (inBucket == 0 ? 1 : (rank - below) / inBucket))) * 1000;
            }

            lower = le;
            below = count;
        }

        return lower * 1000;
    }

    private static string? Label(string line, string name)
    {
        var key = name + "=\"";
        var at = line.IndexOf(key, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + key.Length;
        var end = line.IndexOf('"', start);
        return end < 0 ? null : line[start..end];
    }
}
