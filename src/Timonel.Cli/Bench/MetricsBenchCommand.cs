using System.CommandLine;
using System.Globalization;

namespace Timonel.Cli.Bench;

/// <summary>
/// `timonel bench metrics`: what resource metrics and autoscaling cost: the kubelet's CPU per
/// /metrics/resource scrape, and the HPA controller's sync latency with many autoscalers. It
/// prints figures; it never fails on a timing.
/// </summary>
internal static class MetricsBenchCommand
{
    public static Command Create()
    {
        var pods = new Option<int>("--pods") { Description = "Running one-container pods the measured kubelet serves", DefaultValueFactory = _ => 100 };
        var scrapes = new Option<int>("--scrapes") { Description = "Scrapes measured in a row", DefaultValueFactory = _ => 500 };
        var hpas = new Option<int>("--hpas") { Description = "Autoscalers (each with its Deployment) for the sync latency", DefaultValueFactory = _ => 100 };
        var sync = new Option<string>("--hpa-sync-period") { Description = "The private server's --horizontal-pod-autoscaler-sync-period", DefaultValueFactory = _ => "15s" };
        var only = new Option<string[]>("--only") { Description = "Run only these measurements: scrape, hpa", AllowMultipleArgumentsPerToken = true };

        var command = new Command("metrics", "Measure resource metrics and autoscaling: kubelet CPU per scrape, HPA sync latency");
        foreach (var o in new Option[] { pods, scrapes, hpas, sync, only })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            var selected = (parse.GetValue(only) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
            if (selected.FirstOrDefault(s => s is not ("scrape" or "hpa")) is { } unknown)
            {
                Console.Error.WriteLine($"timonel bench metrics: --only: Unsupported value: \"{unknown}\": supported values: \"scrape\", \"hpa\"");
                return 2;
            }

            if (parse.GetValue(pods) < 1 || parse.GetValue(scrapes) < 1 || parse.GetValue(hpas) < 1)
            {
                Console.Error.WriteLine("timonel bench metrics: --pods, --scrapes and --hpas must be at least 1");
                return 2;
            }

            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"machine: {MachineInfo.Describe()}");
            Console.WriteLine($"load average at start: {LoadAverage()}");
            try
            {
                if (selected.Count == 0 || selected.Contains("scrape"))
                {
                    var r = await ScrapeCostMeasurement.RunAsync(parse.GetValue(pods), parse.GetValue(scrapes), ct).ConfigureAwait(false);
                    Console.WriteLine(string.Create(inv, $"scrape: kubelet /metrics/resource with {r.Pods} running containers (in-memory runtime; node from {r.NodeSource}), {r.Scrapes} scrapes"));
                    Console.WriteLine(string.Create(inv, $"  {r.CpuMsPerScrape:F3} ms CPU per scrape ({r.CpuMsPerScrape * 100 / r.Pods:F3} ms per 100 pods), {r.WallMsPerScrape:F3} ms wall; {r.BytesPerScrape} bytes of text; {r.AllocatedKiBPerScrape:F0} KiB allocated"));
                }

                if (selected.Count == 0 || selected.Contains("hpa"))
                {
                    Console.WriteLine($"hpa: {parse.GetValue(hpas)} autoscalers, sync period {parse.GetValue(sync)}, metrics resolution 10s, private server with simulated nodes");
                    var r = await new HpaLatencyMeasurement(parse.GetValue(hpas), parse.GetValue(sync)!, Console.Out).RunAsync(ct).ConfigureAwait(false);
                    Console.WriteLine(string.Create(inv, $"  metrics change to scale write: p50 {r.P50Ms:F0} ms, p90 {r.P90Ms:F0} ms, max {r.MaxMs:F0} ms over {r.Measured} autoscalers (100 ms polling)"));
                    Console.WriteLine(string.Create(inv, $"  server while scaling: {r.ServerCpuSecondsPerMinute:F1} CPU s per minute, RSS {(r.ServerRssBytes is { } b ? $"{b / 1048576.0:F0} MiB" : "?")}"));
                }
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException or k8s.Autorest.HttpOperationException)
            {
                Console.Error.WriteLine($"timonel bench metrics: {e.Message}");
                return 1;
            }

            Console.WriteLine($"load average at end: {LoadAverage()}");
            return 0;
        });
        return command;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }
}
