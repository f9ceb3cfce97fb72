using System.Diagnostics;

namespace Timonel.Cli.Bench;

/// <summary>
/// A closed-loop load: <c>concurrency</c> workers each send one request, wait for its answer,
/// and send the next, until a fixed count is done or a duration has passed. Every answer's
/// latency is kept; failures are counted and the first one is kept for the report.
/// </summary>
internal static class ClosedLoop
{
    /// <summary>One request: returns null on success, else a short description of the failure.</summary>
    public delegate Task<string?> Operation(int index, CancellationToken cancellationToken);

    public static async Task<RateResult> RunAsync(string name, int concurrency, int? count, TimeSpan? duration, int? serverPid, Operation operation, CancellationToken cancellationToken)
    {
        var next = -1;
        var failures = 0;
        string? firstError = null;
        var perWorker = new Latencies[concurrency];
        var cpu = CpuShare.Start(serverPid);
        var started = Stopwatch.GetTimestamp();
        var deadline = duration is { } d ? started + (long)(d.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var latencies = perWorker[w] = new Latencies();
            while (true)
            {
                var index = Interlocked.Increment(ref next);
                if ((count is { } c && index >= c) || Stopwatch.GetTimestamp() >= deadline)
                {
                    return;
                }

                var sent = Stopwatch.GetTimestamp();
                string? error;
                try
                {
                    error = await operation(index, cancellationToken).ConfigureAwait(false);
                }
                catch (HttpRequestException e)
                {
                    error = e.Message;
                }

                if (error is null)
                {
                    latencies.Add(Stopwatch.GetTimestamp() - sent);
                }
                else
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstError, error, null);
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(workers).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var merged = Latencies.Merge(perWorker);
        return new RateResult(name, merged.Count, failures, seconds, merged, cpu.Stop(), firstError);
    }

    /// <summary>Null for a 2xx answer, else "HTTP 409: first bytes of the body".</summary>
    public static async Task<string?> FailureOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            await response.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return $"HTTP {(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}";
    }
}
