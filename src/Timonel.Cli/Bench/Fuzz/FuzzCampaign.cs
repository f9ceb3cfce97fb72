using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Timonel.Cli.Bench.Fuzz;

/// <summary>
/// A fuzz campaign against a private `timonel server`: workers send generated requests for a
/// bounded time (or replay saved findings once), every answer is judged by
/// <see cref="FuzzOracle"/>, the server's RSS is sampled throughout, and the server is stopped
/// by its PID at the end. Requests go to the loopback server only.
/// </summary>
internal sealed class FuzzCampaign(FuzzOptions options, TextWriter progress)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RssInterval = TimeSpan.FromMilliseconds(100);
    private const int MaxBodyRead = 8 * 1024 * 1024;
    private const int CleanupEvery = 1000;
    private const int MaxSavedFindings = 200;

    private readonly ConcurrentDictionary<int, long> _byStatus = new();
    private readonly ConcurrentDictionary<string, long> _byFamily = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<FuzzRequest> _findings = new();
    private long _requests;
    private int _saved;

    public async Task<FuzzResults> RunAsync(CancellationToken cancellationToken)
    {
        await using var target = await BenchTarget.StartChildAsync(options.DatastoreEndpoint, cancellationToken).ConfigureAwait(false);
        using var client = BenchHttp.Create(target, "1.1", Timeout.InfiniteTimeSpan);
        await target.WaitReadyAsync(client, cancellationToken).ConfigureAwait(false);
        await EnsureSeedsAsync(client, cancellationToken).ConfigureAwait(false);
        var idle = target.Pid is { } p ? ProcessStats.RssBytes(p) : null;
        progress.WriteLine($"server {target.Url} ready (pid {target.Pid}), RSS {Mb(idle)}; seed {options.Seed}, {options.Concurrency} workers");

        using var stopSampling = new CancellationTokenSource();
        var peak = idle ?? 0;
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested && target.Pid is { } pid && ProcessStats.RssBytes(pid) is { } rss)
            {
                peak = Math.Max(peak, rss);
                await Task.Delay(RssInterval, CancellationToken.None).ConfigureAwait(false);
            }
        }, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        if (options.ReplayDir is { } dir)
        {
            foreach (var file in Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal))
            {
                await SendAndJudgeAsync(client, FuzzRequest.FromJson(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(options.Duration);
            await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(worker => WorkerAsync(client, target, worker, deadline))).ConfigureAwait(false);
        }

        var elapsed = clock.Elapsed;
        await stopSampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        var alive = await AliveAsync(client, cancellationToken).ConfigureAwait(false);
        var final = target.Pid is { } q ? ProcessStats.RssBytes(q) : null;
        var hwm = target.Pid is { } r ? ProcessStats.PeakRssBytes(r) : null;
        if (!alive || target.Exited)
        {
            _findings.Enqueue(new FuzzRequest { Family = "server", Method = "GET", PathAndQuery = "/readyz", Finding = $"the server is no longer serving after the campaign; its log: {target.LogFile}" });
            CopyLog(target);
        }

        return new FuzzResults
        {
            Seed = options.Seed,
            Elapsed = elapsed,
            Requests = Interlocked.Read(ref _requests),
            ByStatus = new SortedDictionary<int, long>(_byStatus),
            ByFamily = new SortedDictionary<string, long>(_byFamily, StringComparer.Ordinal),
            Findings = [.. _findings],
            IdleRssBytes = idle,
            PeakRssBytes = Math.Max(peak, hwm ?? 0),
            FinalRssBytes = final,
            ServerAlive = alive,
        };
    }

    /// <summary>Sends until the deadline; a server that died ends every worker (the finding that killed it is already saved).</summary>
    private async Task WorkerAsync(HttpClient client, BenchTarget target, int worker, CancellationTokenSource deadline)
    {
        var generator = new RequestGenerator(new Random(HashCode.Combine(options.Seed, worker)));
        for (var sent = 1; !deadline.IsCancellationRequested; sent++)
        {
            try
            {
                await SendAndJudgeAsync(client, generator.Next(), deadline.Token).ConfigureAwait(false);
                if (worker == 0 && sent % CleanupEvery == 0)
                {
                    await CleanupAsync(client, deadline.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
            {
                _findings.Enqueue(new FuzzRequest { Family = "cleanup", Method = "DELETE", PathAndQuery = "(collections of the fuzz namespace)", Finding = e.Message });
            }

            if (target.Exited)
            {
                _findings.Enqueue(new FuzzRequest { Family = "server", Method = "-", PathAndQuery = "-", Finding = "the server process exited during the campaign" });
                await deadline.CancelAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    private async Task SendAndJudgeAsync(HttpClient client, FuzzRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        _byFamily.AddOrUpdate(request.Family, 1, (_, n) => n + 1);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        string? finding;
        try
        {
            using var message = ToMessage(request);
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            _byStatus.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            // A watch that was accepted streams until its timeout: its status line is the answer.
            var streaming = response.IsSuccessStatusCode && request.PathAndQuery.Contains("watch", StringComparison.OrdinalIgnoreCase);
            var body = streaming ? [] : await ReadBoundedAsync(response, timeout.Token).ConfigureAwait(false);
            finding = FuzzOracle.Judge(request.Method, response.StatusCode, body)
                ?? (request.Expect is { } expected && expected != (int)response.StatusCode ? $"answered {(int)response.StatusCode}, expected {expected}" : null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            finding = $"no answer within {RequestTimeout.TotalSeconds:F0} s";
        }
        catch (HttpRequestException e)
        {
            finding = $"the connection failed: {e.Message}";
        }

        if (finding is not null)
        {
            var found = request with { Finding = finding };
            _findings.Enqueue(found);
            progress.WriteLine($"FINDING {request.Family} {request.Method} {Truncate(request.PathAndQuery)}: {Truncate(finding)}");
            var number = Interlocked.Increment(ref _saved);
            if (options.FindingsDir is { } dir && number <= MaxSavedFindings)
            {
                Directory.CreateDirectory(dir);
                await File.WriteAllTextAsync(Path.Combine(dir, $"{request.Family}-{options.Seed}-{number:D4}.json"), found.ToJson(), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private static HttpRequestMessage ToMessage(FuzzRequest request)
    {
        var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(request.PathAndQuery, UriKind.Relative));
        if (request.Body.Length > 0 || request.ContentType is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }

        if (request.Accept is not null)
        {
            message.Headers.TryAddWithoutValidation("Accept", request.Accept);
        }

        if (request.Authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", request.Authorization);
        }

        return message;
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0 && buffer.Length < MaxBodyRead)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Creates the namespace and one object of each seed kind (the patch families' targets).</summary>
    private static async Task EnsureSeedsAsync(HttpClient client, CancellationToken cancellationToken)
    {
        await PostAsync(client, "/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{FuzzCorpus.Namespace}}}"}}""", cancellationToken).ConfigureAwait(false);
        foreach (var seed in FuzzCorpus.Seeds)
        {
            await PostAsync(client, seed.Collection, seed.Json, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Keeps the store small over a long campaign: empties each fuzzed collection and puts the seeds back.</summary>
    private static async Task CleanupAsync(HttpClient client, CancellationToken cancellationToken)
    {
        foreach (var seed in FuzzCorpus.Seeds)
        {
            using var response = await client.DeleteAsync(new Uri(seed.Collection, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        }

        await EnsureSeedsAsync(client, cancellationToken).ConfigureAwait(false);
    }

    private static async Task PostAsync(HttpClient client, string path, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.Conflict)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }

    private static async Task<bool> AliveAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative), timeout.Token).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }

    private void CopyLog(BenchTarget target)
    {
        if (options.FindingsDir is { } dir && target.LogFile is { } log && File.Exists(log))
        {
            Directory.CreateDirectory(dir);
            File.Copy(log, Path.Combine(dir, $"server-{options.Seed}.log"), overwrite: true);
        }
    }

    private static string Truncate(string text) => text.Length > 200 ? text[..200] + "..." : text;

    internal static string Mb(long? bytes) => bytes is { } b ? $"{b / 1024.0 / 1024.0:F0} MB" : "n/a";
}
