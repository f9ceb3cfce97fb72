using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Timonel.Cli.Bench;

/// <summary>
/// Measurement 4, watch fan-out: many watchers on one namespace, then a steady stream of
/// updates to one object. Each update carries its sequence number and send time (Stopwatch
/// ticks of this process) in annotations; a watcher's latency for an event is its receive time
/// minus that send time, and also minus the time the write was acknowledged.
/// </summary>
internal static class WatchMeasurement
{
    private const string ProbeName = "watch-probe";
    private const int OpenInParallel = 64;
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Watcher w reads through <paramref name="watchClients"/>[w / <paramref name="watchersPerConnection"/>]
    /// (each client its own connection pool); the probe is written through <paramref name="client"/>,
    /// and the server's stage histogram read through <paramref name="admin"/>.
    /// </summary>
    public static async Task<WatchResult> RunAsync(HttpClient client, HttpClient admin, IReadOnlyList<HttpClient> watchClients, int watchersPerConnection, string ns, int watchers, int updates, double rate, int? serverPid, CancellationToken cancellationToken)
    {
        var rv = await CreateProbeAsync(client, ns, cancellationToken).ConfigureAwait(false);
        var latency = new long[watchers][];
        long delivered = 0;
        var open = new Watchers(watchers);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(OpenInParallel);
        var openStarted = Stopwatch.GetTimestamp();
        var tasks = Enumerable.Range(0, watchers).Select(w => Task.Run(async () =>
        {
            latency[w] = new long[updates];
            try
            {
                await WatchAsync(watchClients[w / watchersPerConnection], $"api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}", gate, open, w, latency[w], () => Interlocked.Increment(ref delivered), stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
            {
                open.Failed(w, stop.IsCancellationRequested ? null : e.Message);
            }
        }, CancellationToken.None)).ToArray();

        using (var openDeadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            openDeadline.CancelAfter(OpenTimeout);
            await open.AllSettled.WaitAsync(openDeadline.Token).ConfigureAwait(false);
        }

        var openSeconds = Stopwatch.GetElapsedTime(openStarted).TotalSeconds;
        var rssWithWatchers = serverPid is { } pid ? ProcessStats.RssBytes(pid) : null;

        // The writes: one every 1/rate seconds, on a fixed schedule so a slow answer does not slow the rate.
        var stagesBefore = await ServerWatchStages.ScrapeAsync(admin, cancellationToken).ConfigureAwait(false);
        var cpu = CpuShare.Start(serverPid);
        var ack = new long[updates];
        var sent = new long[updates];
        var writes = new Latencies();
        var writeFailures = 0;
        var scheduleStart = Stopwatch.GetTimestamp();
        for (var i = 0; i < updates; i++)
        {
            var due = scheduleStart + (long)(i / rate * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            sent[i] = Stopwatch.GetTimestamp();
            using var response = await client.PatchAsync($"api/v1/namespaces/{ns}/configmaps/{ProbeName}", BenchObjects.WatchProbePatch(i, sent[i]), cancellationToken).ConfigureAwait(false);
            ack[i] = Stopwatch.GetTimestamp();
            if (await ClosedLoop.FailureOfAsync(response, cancellationToken).ConfigureAwait(false) is null)
            {
                writes.Add(ack[i] - sent[i]);
            }
            else
            {
                writeFailures++;
            }
        }

        var expected = (long)open.OpenCount * (updates - writeFailures);
        var drain = Stopwatch.StartNew();
        while (Interlocked.Read(ref delivered) < expected && drain.Elapsed < DrainTimeout)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }

        var share = cpu.Stop();
        var stages = (await ServerWatchStages.ScrapeAsync(admin, cancellationToken).ConfigureAwait(false))?.Since(stagesBefore);
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(tasks).ConfigureAwait(false);

        var fromSend = new Latencies();
        var fromAck = new Latencies();
        for (var w = 0; w < watchers; w++)
        {
            for (var i = 0; i < updates; i++)
            {
                if (latency[w][i] > 0)
                {
                    fromSend.Add(latency[w][i]);
                    fromAck.Add(Math.Max(0, sent[i] + latency[w][i] - ack[i]));
                }
            }
        }

        return new WatchResult(
            watchers, open.OpenCount, openSeconds, open.FirstError, updates, writeFailures, rate, Latencies.Merge([writes]),
            expected, Interlocked.Read(ref delivered), Latencies.Merge([fromSend]), Latencies.Merge([fromAck]), share, rssWithWatchers)
        {
            WatchersPerConnection = watchersPerConnection,
            Connections = watchClients.Count,
            ServerStages = stages,
        };
    }

    private static async Task<string> CreateProbeAsync(HttpClient client, string ns, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsync($"api/v1/namespaces/{ns}/configmaps", BenchObjects.ConfigMap(ProbeName), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"cannot create the watch probe: HTTP {(int)response.StatusCode}");
        }

        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!;
    }

    private static async Task WatchAsync(HttpClient client, string url, SemaphoreSlim gate, Watchers open, int index, long[] latency, Action onEvent, CancellationToken ct)
    {
        HttpResponseMessage response;
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                open.Failed(index, $"watch answered HTTP {(int)response.StatusCode}");
                return;
            }

            open.Opened(index);
            // Raw bytes split at newlines, each event's annotations read in place (see ProbeEvent):
            // nothing decoded to text, nothing allocated per event.
            var lines = new LineBuffer();
            var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                int read;
                while ((read = await body.ReadAsync(lines.Free, ct).ConfigureAwait(false)) > 0)
                {
                    var now = Stopwatch.GetTimestamp();
                    lines.Advance(read);
                    while (lines.TryTake(out var line))
                    {
                        if (ProbeEvent.TryRead(line, out var seq, out var sentTicks) && seq >= 0 && seq < latency.Length && latency[seq] == 0)
                        {
                            latency[seq] = Math.Max(1, now - sentTicks);
                            onEvent();
                        }
                    }
                }
            }
        }
    }

    /// <summary>Counts watchers as their streams open or fail (whichever comes first); completes when each has done one.</summary>
    private sealed class Watchers(int total)
    {
        private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly int[] _state = new int[total];
        private int _opened;
        private int _settledCount;
        private string? _firstError;

        public int OpenCount => Volatile.Read(ref _opened);

        public string? FirstError => Volatile.Read(ref _firstError);

        public Task AllSettled => _settled.Task;

        public void Opened(int index)
        {
            if (Claim(index))
            {
                Interlocked.Increment(ref _opened);
                Settled();
            }
        }

        public void Failed(int index, string? error)
        {
            if (Claim(index))
            {
                if (error is not null)
                {
                    Interlocked.CompareExchange(ref _firstError, error, null);
                }

                Settled();
            }
        }

        private bool Claim(int index) => Interlocked.CompareExchange(ref _state[index], 1, 0) == 0;

        private void Settled()
        {
            if (Interlocked.Increment(ref _settledCount) == total)
            {
                _settled.TrySetResult();
            }
        }
    }
}

/// <summary>The annotation keys of the watch probe object.</summary>
internal static class WatchProbe
{
    public const string SequenceKey = "timonel.dev/bench-seq";
    public const string SentKey = "timonel.dev/bench-sent";

    public static ReadOnlySpan<byte> SequenceKeyUtf8 => "timonel.dev/bench-seq"u8;

    public static ReadOnlySpan<byte> SentKeyUtf8 => "timonel.dev/bench-sent"u8;
}

/// <summary>Measurement 4's outcome.</summary>
internal sealed record WatchResult(
    int Watchers,
    int Opened,
    double OpenSeconds,
    string? OpenError,
    int Updates,
    int WriteFailures,
    double Rate,
    Latencies WriteLatency,
    long Expected,
    long Delivered,
    Latencies FromSend,
    Latencies FromAck,
    CpuShare Cpu,
    long? ServerRssWithWatchers)
{
    /// <summary>Watch streams sharing one client (one connection on HTTP/2, up to the server's stream limit).</summary>
    public int WatchersPerConnection { get; init; } = 1;

    /// <summary>Clients (connection pools) the watchers were spread over.</summary>
    public int Connections { get; init; }

    /// <summary>The server's stage histogram for the fan-out's events (null when it publishes none).</summary>
    public ServerWatchStages? ServerStages { get; init; }
}
