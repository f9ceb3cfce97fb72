using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Timonel.Cli.Bench;

/// <summary>
/// Watches every pod over the API (as scheduler_perf's throughput collector watches pods) and
/// records, per benchmark pod, the moment its spec.nodeName was first seen set: the bind as a
/// client of the API server observes it. Pods are named i-N (initial) and m-N (measured).
/// </summary>
internal sealed class PodBindWatch : IAsyncDisposable
{
    private readonly long[] _initBound;
    private readonly long[] _measureBound;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _initCount;
    private int _measureCount;

    private PodBindWatch(int initPods, int measurePods, Task<Stream> opened)
    {
        _initBound = new long[initPods];
        _measureBound = new long[measurePods];
        _loop = ReadAsync(opened, _stop.Token);
    }

    /// <summary>Stopwatch timestamps of the first observed bind of each measured pod (0: not yet).</summary>
    public IReadOnlyList<long> MeasureBound => _measureBound;

    public int InitBoundCount => Volatile.Read(ref _initCount);

    public int MeasureBoundCount => Volatile.Read(ref _measureCount);

    /// <summary>Lists pods for a resourceVersion, then watches from it.</summary>
    public static async Task<PodBindWatch> StartAsync(HttpClient client, int initPods, int measurePods, CancellationToken cancellationToken)
    {
        using var list = await client.GetAsync(new Uri("api/v1/pods?limit=1", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        list.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await list.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        var rv = doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString();
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/pods?watch=true&resourceVersion={Uri.EscapeDataString(rv ?? "0")}", UriKind.Relative));
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return new PodBindWatch(initPods, measurePods, response.Content.ReadAsStreamAsync(cancellationToken));
    }

    /// <summary>Waits until <paramref name="count"/> pods of a kind are bound, or the timeout passes (returns false).</summary>
    public async Task<bool> WaitAsync(bool measured, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while ((measured ? MeasureBoundCount : InitBoundCount) < count)
        {
            if (_loop.IsCompleted)
            {
                await _loop.ConfigureAwait(false);
                throw new InvalidOperationException("the pod watch ended early");
            }

            if (deadline.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private async Task ReadAsync(Task<Stream> opened, CancellationToken cancellationToken)
    {
        await using var stream = await opened.ConfigureAwait(false);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            var now = Stopwatch.GetTimestamp();
            if (line.Length == 0)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            var type = doc.RootElement.GetProperty("type").GetString();
            if (type == "ERROR")
            {
                throw new InvalidOperationException("the pod watch failed: " + line);
            }

            if (type is not ("ADDED" or "MODIFIED"))
            {
                continue;
            }

            var obj = doc.RootElement.GetProperty("object");
            if (!obj.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("nodeName", out var node) || node.ValueKind != JsonValueKind.String)
            {
                continue;
            }

            var name = obj.GetProperty("metadata").GetProperty("name").GetString() ?? "";
            if (name.Length < 3 || name[1] != '-' || !int.TryParse(name.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }

            var (bound, measured) = name[0] == 'm' ? (_measureBound, true) : (_initBound, false);
            if (index < bound.Length && bound[index] == 0)
            {
                bound[index] = now;
                if (measured)
                {
                    Interlocked.Increment(ref _measureCount);
                }
                else
                {
                    Interlocked.Increment(ref _initCount);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
