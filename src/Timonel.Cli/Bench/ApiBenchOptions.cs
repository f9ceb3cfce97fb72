using Timonel.ApiServer.Security;

namespace Timonel.Cli.Bench;

/// <summary>What `timonel bench api` measures and against which server; defaults follow the targets.</summary>
internal sealed record ApiBenchOptions
{
    /// <summary>URL of a running server; null starts a private child server on loopback.</summary>
    public string? ServerUrl { get; init; }

    /// <summary>Bearer token for <see cref="ServerUrl"/>.</summary>
    public string? Token { get; init; }

    /// <summary>PEM file of the CA that signed <see cref="ServerUrl"/>'s certificate.</summary>
    public string? CaFile { get; init; }

    /// <summary>PID of the running server, for its RSS and CPU (optional with <see cref="ServerUrl"/>).</summary>
    public int? ServerPid { get; init; }

    /// <summary>Passed to the child server's --datastore-endpoint (empty: its default store).</summary>
    public string? DatastoreEndpoint { get; init; }

    /// <summary>Requests in flight at once: one worker each.</summary>
    public int Concurrency { get; init; } = 32;

    /// <summary>"2" (multiplexed streams; measured faster here, see docs/benchmarks.md) or "1.1" (one connection per worker).</summary>
    public string HttpVersion { get; init; } = "2";

    public int Creates { get; init; } = 20_000;

    public TimeSpan GetDuration { get; init; } = TimeSpan.FromSeconds(10);

    public int ListPods { get; init; } = 10_000;

    public int ListPageSize { get; init; } = 500;

    public int Watchers { get; init; } = 1_000;

    public int WatchUpdates { get; init; } = 200;

    /// <summary>
    /// Watch streams per client connection. 1 (the default): every watcher is its own client with
    /// its own TLS connection, as a thousand kubelets and controllers are. Up to the server's
    /// HTTP/2 stream limit (100), that many watchers share one multiplexed connection, the
    /// model earlier figures used (one process watching through one HttpClient).
    /// </summary>
    public int WatchersPerConnection { get; init; } = 1;

    /// <summary>Updates per second during the watch fan-out.</summary>
    public double WatchRate { get; init; } = 20;

    /// <summary>--server-arg: extra flags for the private server (e.g. --watch-cache=false), to compare settings back to back.</summary>
    public IReadOnlyList<string> ServerArgs { get; init; } = [];

    /// <summary>--read-resource-version: resourceVersion sent with the gets and the full lists ("0": any state, served from the watch cache); null sends none.</summary>
    public string? ReadResourceVersion { get; init; }

    /// <summary>
    /// --authorization-mode for the private server (e.g. RBAC); with RBAC the measurements run as
    /// a user bound by a RoleBinding (see <see cref="BenchUser"/>), not as system:masters.
    /// </summary>
    public string? AuthorizationMode { get; init; }

    public bool RunsAsRbacUser => AuthorizationMode is not null && AuthorizationModes.UsesRbac(AuthorizationModes.Parse(AuthorizationMode));

    /// <summary>Measurements to run, by name (create, get, list, watch, apply); empty runs all.</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    /// <summary>Writes the results as a markdown fragment here.</summary>
    public string? MarkdownFile { get; init; }

    public bool Runs(string measurement) => Only.Count == 0 || Only.Contains(measurement);

    /// <summary>Throws <see cref="ArgumentException"/> naming the flag when a value cannot work.</summary>
    public void Validate()
    {
        if (ServerUrl is not null && (Token is null || CaFile is null))
        {
            throw new ArgumentException("--server needs --token and --ca");
        }

        if (ServerUrl is null && (Token is not null || CaFile is not null || ServerPid is not null))
        {
            throw new ArgumentException("--token, --ca and --server-pid only apply with --server");
        }

        if (ServerUrl is not null && DatastoreEndpoint is not null)
        {
            throw new ArgumentException("--datastore-endpoint only applies to the server the benchmark starts itself, not with --server");
        }

        if (ServerUrl is not null && !(Uri.TryCreate(ServerUrl, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"--server \"{ServerUrl}\" is not an https:// URL");
        }

        if (AuthorizationMode is not null)
        {
            if (ServerUrl is not null)
            {
                throw new ArgumentException("--authorization-mode only applies to the server the benchmark starts itself, not with --server");
            }

            AuthorizationModes.Parse(AuthorizationMode);
        }

        if (Concurrency is < 1 or > 4096)
        {
            throw new ArgumentException($"--concurrency {Concurrency} must be between 1 and 4096");
        }

        if (HttpVersion is not ("1.1" or "2"))
        {
            throw new ArgumentException($"--http-version \"{HttpVersion}\" must be 1.1 or 2");
        }

        if (Creates < 1 || ListPods < 1 || ListPageSize < 1 || Watchers < 1 || WatchUpdates < 1)
        {
            throw new ArgumentException("--creates, --list-pods, --page-size, --watchers and --watch-updates must be at least 1");
        }

        if (GetDuration <= TimeSpan.Zero || GetDuration > TimeSpan.FromHours(1))
        {
            throw new ArgumentException("--get-seconds must be between 1 and 3600");
        }

        if (WatchersPerConnection is < 1 or > 100)
        {
            throw new ArgumentException($"--watchers-per-connection {WatchersPerConnection} must be between 1 and 100 (the server's HTTP/2 streams per connection)");
        }

        if (WatchRate is <= 0 or > 10_000)
        {
            throw new ArgumentException($"--watch-rate {WatchRate} must be above 0 and at most 10000 updates per second");
        }

        foreach (var name in Only)
        {
            if (name is not ("create" or "get" or "list" or "watch" or "apply" or "crd" or "crd-discovery"))
            {
                throw new ArgumentException($"--only \"{name}\" is not a measurement: use create, get, list, watch, apply, crd or crd-discovery");
            }
        }
    }
}
