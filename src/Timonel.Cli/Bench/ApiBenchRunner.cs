using System.Globalization;

namespace Timonel.Cli.Bench;

/// <summary>
/// Runs the API macro-benchmark: starts (or reaches) the server, runs each measurement in its
/// own fresh namespace, reads the server's memory before and after, and stops what it started.
/// </summary>
internal sealed class ApiBenchRunner(ApiBenchOptions options, TextWriter progress)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);
    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(3);

    /// <summary>CRDs the crd-discovery measurement creates (one sample each).</summary>
    private const int DiscoveryCrds = 20;

    public async Task<ApiBenchResults> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        await using var target = options.ServerUrl is null
            ? await BenchTarget.StartChildAsync(options.DatastoreEndpoint, cancellationToken, [.. options.ServerArgs, .. options.AuthorizationMode is { } mode ? new[] { "--authorization-mode", mode } : []]).ConfigureAwait(false)
            : BenchTarget.Existing(options);
        using var admin = BenchHttp.Create(target, options.HttpVersion, RequestTimeout);
        // As RBAC's ordinary user, the measurements pay for authorization as any client does.
        using var userCertificate = options.RunsAsRbacUser ? BenchUser.Certificate(Path.GetDirectoryName(target.KubeconfigPath!)!) : null;
        using var client = userCertificate is null ? null : BenchHttp.Create(target, options.HttpVersion, RequestTimeout, userCertificate);
        var measured = client ?? admin;
        await target.WaitReadyAsync(admin, cancellationToken).ConfigureAwait(false);
        if (userCertificate is not null)
        {
            await BenchUser.CreateRoleAsync(admin, cancellationToken).ConfigureAwait(false);
        }

        progress.WriteLine($"server {target.Url} ready{(target.Pid is { } p ? $" (pid {p})" : "")}; store: {target.Store}; HTTP/{options.HttpVersion}, concurrency {options.Concurrency}{(userCertificate is null ? "" : $"; as RBAC user {BenchUser.Name}")}");

        await Task.Delay(IdleSettle, cancellationToken).ConfigureAwait(false);
        var idleRss = Rss(target);
        var results = new ApiBenchResults
        {
            ServerUrl = target.Url.ToString(),
            Store = target.Store,
            HttpVersion = options.HttpVersion,
            Concurrency = options.Concurrency,
            Started = started,
            IdleRssBytes = idleRss,
        };

        var run = started.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var namespaces = new List<string>();
        try
        {
            if (options.Runs("create") || options.Runs("get"))
            {
                var ns = await NamespaceAsync(admin, $"bench-create-{run}", namespaces, userCertificate is not null, cancellationToken).ConfigureAwait(false);
                progress.WriteLine($"creating {options.Creates} configmaps...");
                var create = await CreateGetMeasurement.CreateAsync(measured, ns, options.Creates, options.Concurrency, target.Pid, cancellationToken).ConfigureAwait(false);
                results = results with { Create = create };
                progress.WriteLine(BenchReport.Line(create));
                if (options.Runs("get"))
                {
                    progress.WriteLine($"getting configmaps by name for {options.GetDuration.TotalSeconds:F0} s...");
                    var get = await CreateGetMeasurement.GetAsync(measured, ns, Math.Max(1, create.Ok), options.GetDuration, options.Concurrency, target.Pid, options.ReadResourceVersion, cancellationToken).ConfigureAwait(false);
                    results = results with { Get = get };
                    progress.WriteLine(BenchReport.Line(get));
                }
            }

            if (options.Runs("list"))
            {
                var ns = await NamespaceAsync(admin, $"bench-list-{run}", namespaces, userCertificate is not null, cancellationToken).ConfigureAwait(false);
                progress.WriteLine($"creating {options.ListPods} pods, then listing them...");
                var list = await ListMeasurement.RunAsync(measured, ns, options.ListPods, options.ListPageSize, options.Concurrency, target.Pid, options.ReadResourceVersion, cancellationToken).ConfigureAwait(false);
                results = results with { List = list };
                progress.WriteLine(BenchReport.Line(list.Fill));
            }

            if (options.Runs("watch"))
            {
                var ns = await NamespaceAsync(admin, $"bench-watch-{run}", namespaces, userCertificate is not null, cancellationToken).ConfigureAwait(false);
                // One client per group of watchers: each its own connection pool, so that with one
                // watcher per connection the watchers are as independent as separate processes.
                var groups = (options.Watchers + options.WatchersPerConnection - 1) / options.WatchersPerConnection;
                var watchClients = Enumerable.Range(0, groups).Select(_ => BenchHttp.Create(target, options.HttpVersion, Timeout.InfiniteTimeSpan, userCertificate)).ToList();
                try
                {
                    progress.WriteLine($"opening {options.Watchers} watchers ({options.WatchersPerConnection} per connection, {groups} clients), then {options.WatchUpdates} updates at {options.WatchRate}/s...");
                    var watch = await WatchMeasurement.RunAsync(measured, admin, watchClients, options.WatchersPerConnection, ns, options.Watchers, options.WatchUpdates, options.WatchRate, target.Pid, cancellationToken).ConfigureAwait(false);
                    results = results with { Watch = watch };
                }
                finally
                {
                    foreach (var c in watchClients)
                    {
                        c.Dispose();
                    }
                }
            }

            if (options.Runs("apply"))
            {
                var ns = await NamespaceAsync(admin, $"bench-apply-{run}", namespaces, userCertificate is not null, cancellationToken).ConfigureAwait(false);
                progress.WriteLine($"server-side apply, then update, of {ApplyMeasurement.Objects} deployments for {options.GetDuration.TotalSeconds:F0} s each...");
                var (apply, update) = await ApplyMeasurement.RunAsync(measured, ns, options.GetDuration, options.Concurrency, target.Pid, cancellationToken).ConfigureAwait(false);
                results = results with { Apply = apply, Update = update };
                progress.WriteLine(BenchReport.Line(apply));
                progress.WriteLine(BenchReport.Line(update));
            }

            if (options.Runs("crd"))
            {
                var ns = await NamespaceAsync(admin, $"bench-crd-{run}", namespaces, userCertificate is not null, cancellationToken).ConfigureAwait(false);
                progress.WriteLine($"creating {options.Creates} configmaps, then {options.Creates} custom resources ({CustomResourceMeasurement.Fields} fields, 3 CEL rules)...");
                var (custom, yardstick) = await CustomResourceMeasurement.CreatesAsync(admin, run, ns, options.Creates, options.Concurrency, target.Pid, cancellationToken).ConfigureAwait(false);
                results = results with { CustomResourceCreate = custom, CustomResourceYardstick = yardstick };
                progress.WriteLine(BenchReport.Line(yardstick));
                progress.WriteLine(BenchReport.Line(custom));
            }

            if (options.Runs("crd-discovery"))
            {
                progress.WriteLine($"creating {DiscoveryCrds} CRDs one by one, each until discovery serves it...");
                var discovery = await CustomResourceMeasurement.DiscoveryAsync(admin, run, DiscoveryCrds, cancellationToken).ConfigureAwait(false);
                results = results with { CrdDiscovery = discovery };
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  CRD created → served in discovery: p50 {discovery.PercentileMs(50):F1} ms, p99 {discovery.PercentileMs(99):F1} ms, max {discovery.MaxMs:F1} ms"));
            }

            return results with { FinalRssBytes = Rss(target), PeakRssBytes = target.Pid is { } pid ? ProcessStats.PeakRssBytes(pid) : null };
        }
        finally
        {
            // A server the benchmark started dies with its data; a running one gets its namespaces back.
            if (options.ServerUrl is not null)
            {
                foreach (var ns in namespaces)
                {
                    await BenchObjects.DeleteNamespaceAsync(admin, ns, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
    }

    private static long? Rss(BenchTarget target) => target.Pid is { } pid ? ProcessStats.RssBytes(pid) : null;

    private static async Task<string> NamespaceAsync(HttpClient admin, string name, List<string> created, bool bindUser, CancellationToken cancellationToken)
    {
        await BenchObjects.CreateNamespaceAsync(admin, name, cancellationToken).ConfigureAwait(false);
        created.Add(name);
        if (bindUser)
        {
            await BenchUser.BindAsync(admin, name, cancellationToken).ConfigureAwait(false);
        }

        return name;
    }
}
