using System.Globalization;
using System.Text;

namespace Timonel.Cli.Bench;

/// <summary>
/// Prints the results as a plain table and as a markdown fragment for docs/benchmarks.md. The
/// issue's targets are shown next to the figures; missing one is reported, never an error.
/// </summary>
internal static class BenchReport
{
    private const double CreatesTarget = 5_000;
    private const double GetsTarget = 20_000;
    private const double WatchP99TargetMs = 50;
    private const long IdleRssTargetBytes = 100L * 1024 * 1024;

    /// <summary>One progress line for a closed-loop run.</summary>
    public static string Line(RateResult r) =>
        string.Create(CultureInfo.InvariantCulture, $"  {r.Name}: {r.Ok} ok, {r.Failed} failed in {r.Seconds:F1} s = {r.PerSecond:F0}/s, p50 {r.Latencies.PercentileMs(50):F2} ms, p99 {r.Latencies.PercentileMs(99):F2} ms; {r.Cpu.Describe()}{CpuPerRequest(r)}")
        + (r.FirstError is null ? "" : $"\n  first failure: {r.FirstError}");

    public static string Text(ApiBenchResults results) => Render(results, markdown: false);

    public static string Markdown(ApiBenchResults results, string commandLine) =>
        string.Create(CultureInfo.InvariantCulture, $"""
            ### {results.Started:yyyy-MM-dd}: `{commandLine}`

            - Machine: {MachineInfo.Describe()}
            - Store: {results.Store}; client: HttpClient (SocketsHttpHandler) over loopback HTTPS, HTTP/{results.HttpVersion}, concurrency {results.Concurrency}
            - CPU is the share of all cores used during the measurement by the server, by the benchmark client, and by anything else on the machine.

            """) + "\n" + Render(results, markdown: true);

    private static string Render(ApiBenchResults r, bool markdown)
    {
        var rows = new List<string[]>();
        if (r.Create is { } create)
        {
            rows.Add(Rate($"creates/s (POST configmap ×{create.Ok + create.Failed})", create, CreatesTarget));
        }

        if (r.Get is { } get)
        {
            rows.Add(Rate($"gets/s (GET configmap by name, {get.Seconds:F0} s)", get, GetsTarget));
        }

        if (r.List is { } list)
        {
            rows.Add(Rate($"pod creates/s (filling the list namespace ×{list.Fill.Ok + list.Fill.Failed})", list.Fill, null));
            rows.Add([$"list {list.ExpectedItems} pods, one request (median of 3)", Fmt($"{list.Full.Seconds * 1000:F0} ms, {Mb(list.Full.Bytes)}, {list.Full.Items} items"), "", "", "", Fmt($"client CPU {list.Full.ClientCpuSeconds * 1000:F0} ms{ServerCpu(list.Full)}")]);
            rows.Add([$"list {list.ExpectedItems} pods, paginated (limit={list.PageSize})", Fmt($"{list.Paged.Seconds * 1000:F0} ms, {list.Paged.Pages} pages, {Mb(list.Paged.Bytes)}, {list.Paged.Items} items"), "", "", "", Fmt($"client CPU {list.Paged.ClientCpuSeconds * 1000:F0} ms{ServerCpu(list.Paged)}")]);
        }

        if (r.Apply is { } apply)
        {
            rows.Add(Rate($"applies/s (server-side apply of a Deployment, {apply.Seconds:F0} s)", apply, null));
        }

        if (r.Update is { } update)
        {
            var ratio = r.Apply is { } a && update.PerSecond > 0 ? string.Create(CultureInfo.InvariantCulture, $"; apply at {a.PerSecond / update.PerSecond * 100:F0} % (target ≥ 50 %)") : "";
            rows.Add(Rate($"updates/s (PUT of a Deployment, {update.Seconds:F0} s{ratio})", update, null));
        }

        if (r.CustomResourceYardstick is { } yardstick)
        {
            rows.Add(Rate($"creates/s (POST configmap ×{yardstick.Ok + yardstick.Failed}, the custom resource's yardstick)", yardstick, null));
        }

        if (r.CustomResourceCreate is { } custom)
        {
            var ratio = r.CustomResourceYardstick is { } cm && cm.PerSecond > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {custom.PerSecond / cm.PerSecond * 100:F0} % of configmaps") : "";
            rows.Add(Rate($"creates/s (POST custom resource, 50-field schema, 3 CEL rules ×{custom.Ok + custom.Failed}{ratio})", custom, null));
        }

        if (r.CrdDiscovery is { } discovery)
        {
            rows.Add([
                $"CRD created → served in discovery ({discovery.Count} CRDs)",
                Fmt($"max {discovery.MaxMs:F1} ms"),
                Ms(discovery.PercentileMs(50)),
                Ms(discovery.PercentileMs(99)),
                Verdict(discovery.PercentileMs(99) < 1000, "p99 < 1 s"),
                "",
            ]);
        }

        if (r.Watch is { } w)
        {
            rows.Add([
                $"watch fan-out: {w.Opened}/{w.Watchers} watchers × {w.Updates} updates at {w.Rate:F0}/s",
                Fmt($"{w.Delivered}/{w.Expected} events delivered; max {w.FromSend.MaxMs:F1} ms"),
                Ms(w.FromSend.PercentileMs(50)),
                Ms(w.FromSend.PercentileMs(99)),
                Verdict(w.FromSend.PercentileMs(99) < WatchP99TargetMs && w.Delivered == w.Expected, $"p99 < {WatchP99TargetMs} ms, all delivered"),
                w.Cpu.Describe(),
            ]);
            rows.Add([
                "  same, measured from the write's response",
                Fmt($"max {w.FromAck.MaxMs:F1} ms; write p50 {w.WriteLatency.PercentileMs(50):F1} ms"),
                Ms(w.FromAck.PercentileMs(50)),
                Ms(w.FromAck.PercentileMs(99)),
                "",
                Fmt($"{w.Opened} streams opened in {w.OpenSeconds:F1} s over {w.Connections} clients ({w.WatchersPerConnection} per connection)") + (w.OpenError is null ? "" : $"; first failure: {w.OpenError}"),
            ]);
            if (w.ServerStages is { } stages)
            {
                foreach (var stage in stages.Stages)
                {
                    rows.Add([
                        $"  server: store commit → {stage}",
                        Fmt($"{stages.Count(stage)} samples (bucketed)"),
                        Ms(stages.PercentileMs(stage, 50)),
                        Ms(stages.PercentileMs(stage, 99)),
                        "",
                        "",
                    ]);
                }
            }
        }

        rows.Add([
            "server RSS: idle after start / after the runs (peak)",
            $"{Mb(r.IdleRssBytes)} / {Mb(r.FinalRssBytes)} ({Mb(r.PeakRssBytes)})" + (r.Watch?.ServerRssWithWatchers is { } ww ? $"; {Mb(ww)} with {r.Watch.Opened} watchers" : ""),
            "",
            "",
            r.IdleRssBytes is { } idle ? Verdict(idle < IdleRssTargetBytes, "idle < 100 MB") : "",
            "",
        ]);

        return markdown ? Table(rows) : Plain(rows);
    }

    private static string[] Rate(string what, RateResult r, double? target) =>
    [
        what,
        Fmt($"{r.PerSecond:F0}/s") + (r.Failed > 0 ? $" ({r.Failed} failed: {r.FirstError})" : ""),
        Ms(r.Latencies.PercentileMs(50)),
        Ms(r.Latencies.PercentileMs(99)),
        target is { } t ? Verdict(r.PerSecond >= t && r.Failed == 0, Fmt($"≥ {t:F0}/s")) : "",
        r.Cpu.Describe() + CpuPerRequest(r),
    ];

    /// <summary>CPU time per request: robust to other load on the machine, unlike the rate.</summary>
    private static string CpuPerRequest(RateResult r) => r.Ok == 0 ? "" : Fmt(
        $"; per request: server {(r.Cpu.ServerSeconds is { } s ? $"{s / r.Ok * 1e6:F0} µs" : "n/a")}, client {r.Cpu.ClientSeconds / r.Ok * 1e6:F0} µs");

    private static readonly string[] Header = ["Measurement", "Result", "p50", "p99", "Target", "CPU (share of all cores)"];

    private static string Table(List<string[]> rows)
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", Header).AppendLine(" |");
        sb.Append('|').AppendJoin('|', Header.Select(_ => "---")).AppendLine("|");
        foreach (var row in rows)
        {
            sb.Append("| ").AppendJoin(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))).AppendLine(" |");
        }

        return sb.ToString();
    }

    private static string Plain(List<string[]> rows)
    {
        var all = rows.Prepend(Header).ToList();
        var widths = Enumerable.Range(0, Header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (var row in all)
        {
            sb.AppendJoin("  ", row.Select((c, i) => c.PadRight(widths[i]))).AppendLine();
        }

        return sb.ToString();
    }

    private static string Verdict(bool met, string target) => (met ? "met: " : "MISSED: ") + target;

    private static string Ms(double ms) => double.IsNaN(ms) ? "-" : Fmt($"{ms:F1} ms");

    private static string Mb(long? bytes) => bytes is { } b ? Fmt($"{b / 1024.0 / 1024.0:F1} MB") : "n/a";

    private static string ServerCpu(PageRun run) => run.ServerCpuSeconds is { } s ? Fmt($", server CPU {s * 1000:F0} ms") : "";

    private static string Fmt(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
