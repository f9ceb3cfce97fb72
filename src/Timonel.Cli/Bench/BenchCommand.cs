using System.CommandLine;
using System.Globalization;

namespace Timonel.Cli.Bench;

/// <summary>`timonel bench api`: the API server macro-benchmark. It prints figures; it never fails on a timing.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Macro-benchmarks that print measured figures");
        command.Subcommands.Add(Api());
        command.Subcommands.Add(SchedulerBenchCommand.Create());
        command.Subcommands.Add(ProxyBenchCommand.Create());
        command.Subcommands.Add(MetricsBenchCommand.Create());
        command.Subcommands.Add(Fuzz.FuzzCommand.Create());
        command.Subcommands.Add(HttpLoadCommands.Load());
        command.Subcommands.Add(HttpLoadCommands.Backend());
        return command;
    }

    private static Command Api()
    {
        var defaults = new ApiBenchOptions();
        var server = new Option<string?>("--server") { Description = "URL of a running API server to measure (default: start a private one on a free loopback port)" };
        var token = new Option<string?>("--token") { Description = "Bearer token for --server (@FILE reads it from FILE, e.g. @DIR/tls/admin.token)" };
        var ca = new Option<string?>("--ca") { Description = "PEM file of the CA of --server's certificate (DIR/tls/server-ca.crt)" };
        var pid = new Option<int?>("--server-pid") { Description = "PID of --server, to report its memory and CPU" };
        var datastore = new Option<string?>("--datastore-endpoint") { Description = "Passed to the private server (e.g. memory://); default: its embedded store" };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight at once", DefaultValueFactory = _ => defaults.Concurrency };
        var http = new Option<string>("--http-version") { Description = "1.1 (a connection per worker) or 2 (multiplexed)", DefaultValueFactory = _ => defaults.HttpVersion };
        var creates = new Option<int>("--creates") { Description = "ConfigMaps to create", DefaultValueFactory = _ => defaults.Creates };
        var getSeconds = new Option<double>("--get-seconds") { Description = "How long to GET by name", DefaultValueFactory = _ => defaults.GetDuration.TotalSeconds };
        var listPods = new Option<int>("--list-pods") { Description = "Pods to create and then list", DefaultValueFactory = _ => defaults.ListPods };
        var pageSize = new Option<int>("--page-size") { Description = "limit= of the paginated list", DefaultValueFactory = _ => defaults.ListPageSize };
        var watchers = new Option<int>("--watchers") { Description = "Concurrent watch streams", DefaultValueFactory = _ => defaults.Watchers };
        var updates = new Option<int>("--watch-updates") { Description = "Updates sent to the watchers", DefaultValueFactory = _ => defaults.WatchUpdates };
        var perConnection = new Option<int>("--watchers-per-connection") { Description = "Watch streams sharing one client connection: 1 (default) makes every watcher an independent client; up to 100 multiplexes them over HTTP/2", DefaultValueFactory = _ => defaults.WatchersPerConnection };
        var rate = new Option<double>("--watch-rate") { Description = "Updates per second during the fan-out", DefaultValueFactory = _ => defaults.WatchRate };
        var only = new Option<string[]>("--only") { Description = "Run only these measurements: create, get, list, watch, apply (server-side apply vs update of a Deployment, --get-seconds each), crd (--creates custom resources with a 50-field schema and 3 CEL rules vs as many configmaps), crd-discovery (CRD created to served in discovery, 20 CRDs)", AllowMultipleArgumentsPerToken = true };
        var serverArgs = new Option<string[]>("--server-arg") { Description = "Extra flag for the private server, e.g. --server-arg=--watch-cache=false (repeatable)" };
        var readRv = new Option<string?>("--read-resource-version") { Description = "resourceVersion sent with the gets and full lists (e.g. 0: served from the watch cache); default none" };
        var authorizationMode = new Option<string?>("--authorization-mode") { Description = "Passed to the private server (e.g. RBAC); with RBAC the measurements run as a user bound by a RoleBinding instead of the admin" };
        var markdown = new Option<string?>("--markdown") { Description = "Also write the results as a markdown fragment to this file" };

        var command = new Command("api", "Measure the API server: creates/s, gets/s, large lists, watch fan-out latency, memory");
        foreach (var o in new Option[] { server, token, ca, pid, datastore, concurrency, http, creates, getSeconds, listPods, pageSize, watchers, perConnection, updates, rate, only, serverArgs, readRv, authorizationMode, markdown })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, ct) =>
        {
            ApiBenchOptions options;
            try
            {
                var seconds = parse.GetValue(getSeconds);
                if (!double.IsFinite(seconds) || seconds <= 0 || seconds > 3600)
                {
                    throw new ArgumentException($"--get-seconds {seconds.ToString(CultureInfo.InvariantCulture)} must be above 0 and at most 3600");
                }

                options = new ApiBenchOptions
                {
                    ServerUrl = parse.GetValue(server),
                    Token = parse.GetValue(token),
                    CaFile = parse.GetValue(ca),
                    ServerPid = parse.GetValue(pid),
                    DatastoreEndpoint = parse.GetValue(datastore),
                    Concurrency = parse.GetValue(concurrency),
                    HttpVersion = parse.GetValue(http)!,
                    Creates = parse.GetValue(creates),
                    GetDuration = TimeSpan.FromSeconds(seconds),
                    ListPods = parse.GetValue(listPods),
                    ListPageSize = parse.GetValue(pageSize),
                    Watchers = parse.GetValue(watchers),
                    WatchUpdates = parse.GetValue(updates),
                    WatchRate = parse.GetValue(rate),
                    WatchersPerConnection = parse.GetValue(perConnection),
                    Only = (parse.GetValue(only) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal),
                    MarkdownFile = parse.GetValue(markdown),
                    ServerArgs = parse.GetValue(serverArgs) ?? [],
                    ReadResourceVersion = parse.GetValue(readRv),
                    AuthorizationMode = parse.GetValue(authorizationMode),
                };
                options.Validate();
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"timonel bench api: {e.Message}");
                return 2;
            }

            try
            {
                var results = await new ApiBenchRunner(options, Console.Out).RunAsync(ct).ConfigureAwait(false);
                Console.WriteLine();
                Console.Write(BenchReport.Text(results));
                if (options.MarkdownFile is { } file)
                {
                    var commandLine = "timonel bench api " + string.Join(' ', parse.Tokens.SkipWhile(t => t.Value != "api").Skip(1).Select(t => t.Value));
                    await File.WriteAllTextAsync(file, BenchReport.Markdown(results, commandLine.TrimEnd()), ct).ConfigureAwait(false);
                    Console.WriteLine($"markdown written to {file}");
                }

                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"timonel bench api: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
