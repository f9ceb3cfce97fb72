using System.CommandLine;
using System.Globalization;
using System.Text;

namespace Timonel.Cli.Bench.Fuzz;

/// <summary>
/// `timonel bench fuzz`: a bounded fuzz campaign against a private server. It prints requests
/// per minute, answers by status and the server's peak RSS; it exits 1 when it finds a 5xx, a
/// dropped connection, an error that is not a Status, a server that stopped serving, or a peak
/// RSS above --max-rss-mb.
/// </summary>
internal static class FuzzCommand
{
    public static Command Create()
    {
        var defaults = new FuzzOptions();
        var duration = new Option<double>("--duration") { Description = "Seconds to send requests for", DefaultValueFactory = _ => defaults.Duration.TotalSeconds };
        var seed = new Option<int?>("--seed") { Description = "Seed of the request generators (default: from the clock); the same seed sends the same requests" };
        var concurrency = new Option<int>("--concurrency") { Description = "Workers sending at once", DefaultValueFactory = _ => defaults.Concurrency };
        var findings = new Option<string?>("--findings") { Description = "Directory to save each finding in, as a replayable JSON request" };
        var replay = new Option<string?>("--replay") { Description = "Send the saved requests of this directory once each, instead of generating" };
        var maxRss = new Option<long>("--max-rss-mb") { Description = "Fail when the server's peak RSS exceeds this many MB", DefaultValueFactory = _ => defaults.MaxRssMegabytes };
        var datastore = new Option<string?>("--datastore-endpoint") { Description = "Passed to the private server (e.g. memory://)" };

        var command = new Command("fuzz", "Send malformed and hostile requests to a private server; report 5xx, crashes and memory");
        foreach (var o in new Option[] { duration, seed, concurrency, findings, replay, maxRss, datastore })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            FuzzOptions options;
            try
            {
                options = new FuzzOptions
                {
                    Duration = TimeSpan.FromSeconds(parse.GetValue(duration)),
                    Seed = parse.GetValue(seed) ?? defaults.Seed,
                    Concurrency = parse.GetValue(concurrency),
                    FindingsDir = parse.GetValue(findings),
                    ReplayDir = parse.GetValue(replay),
                    MaxRssMegabytes = parse.GetValue(maxRss),
                    DatastoreEndpoint = parse.GetValue(datastore),
                };
                options.Validate();
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"timonel bench fuzz: {e.Message}");
                return 2;
            }

            try
            {
                var results = await new FuzzCampaign(options, Console.Out).RunAsync(ct).ConfigureAwait(false);
                Console.Write(Report(results, options));
                var overMemory = results.PeakRssBytes > options.MaxRssMegabytes * 1024 * 1024;
                return results.Findings.Count == 0 && results.ServerAlive && !overMemory ? 0 : 1;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException)
            {
                Console.Error.WriteLine($"timonel bench fuzz: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static string Report(FuzzResults r, FuzzOptions options)
    {
        var inv = CultureInfo.InvariantCulture;
        var b = new StringBuilder();
        b.AppendLine(inv, $"fuzz: {MachineInfo.Describe()}");
        b.AppendLine(inv, $"  seed {r.Seed}, {r.Requests} requests in {r.Elapsed.TotalSeconds:F1} s = {r.RequestsPerMinute:F0} requests/min");
        b.AppendLine(inv, $"  by family: {string.Join(", ", r.ByFamily.Select(p => $"{p.Key} {p.Value}"))}");
        b.AppendLine(inv, $"  by status: {string.Join(", ", r.ByStatus.Select(p => $"{p.Key} {p.Value}"))}");
        b.AppendLine(inv, $"  server RSS: idle {FuzzCampaign.Mb(r.IdleRssBytes)}, peak {FuzzCampaign.Mb(r.PeakRssBytes)} (bound {options.MaxRssMegabytes} MB), after {FuzzCampaign.Mb(r.FinalRssBytes)}; serving afterwards: {(r.ServerAlive ? "yes" : "NO")}");
        b.AppendLine(inv, $"  findings: {r.Findings.Count}");
        foreach (var f in r.Findings.Take(20))
        {
            b.AppendLine(inv, $"    {f.Family} {f.Method} {f.PathAndQuery[..Math.Min(f.PathAndQuery.Length, 120)]}: {f.Finding?[..Math.Min(f.Finding.Length, 200)]}");
        }

        return b.ToString();
    }
}
