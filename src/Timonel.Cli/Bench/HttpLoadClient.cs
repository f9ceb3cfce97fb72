using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Timonel.Cli.Bench;

/// <summary>
/// A small closed-loop HTTP/1.1 load client over raw sockets, run as its own process by the
/// ingress benchmark (`timonel bench http-load`) so its CPU is neither the proxy's nor the
/// backend's, and light (no HttpClient machinery) so it leaves the shared cores to what is
/// measured. Each worker keeps one keep-alive connection and sends one GET at a time; an answer
/// must carry Content-Length (Kestrel's, for a body it sized) — anything else is a failure.
/// </summary>
internal static class HttpLoadClient
{
    private const int BufferSize = 64 * 1024;

    private static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(10);

    /// <summary>What one load run measured; printed as one line "ok failed seconds p50Ms p99Ms cpuSeconds firstError".</summary>
    public sealed record Result(int Ok, int Failed, double Seconds, double P50Ms, double P99Ms, double CpuSeconds, string? FirstError)
    {
        public double PerSecond => Seconds <= 0 ? 0 : Ok / Seconds;

        public string Format() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Ok} {Failed} {Seconds:R} {P50Ms:R} {P99Ms:R} {CpuSeconds:R} {FirstError ?? "-"}");

        /// <exception cref="FormatException">The line is not one <see cref="Format"/> wrote.</exception>
        public static Result Parse(string line)
        {
            var f = line.Split(' ', 7);
            if (f.Length != 7)
            {
                throw new FormatException($"not a load result: {line}");
            }

            var c = System.Globalization.CultureInfo.InvariantCulture;
            return new Result(int.Parse(f[0], c), int.Parse(f[1], c), double.Parse(f[2], c), double.Parse(f[3], c), double.Parse(f[4], c), double.Parse(f[5], c), f[6] == "-" ? null : f[6]);
        }
    }

    /// <summary>Warms up, calls <paramref name="onMeasuring"/>, then measures.</summary>
    public static async Task<Result> RunAsync(IPEndPoint target, string host, int concurrency, TimeSpan warmup, TimeSpan duration, Action onMeasuring, CancellationToken cancellationToken)
    {
        var request = Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        if (warmup > TimeSpan.Zero)
        {
            await RunWorkersAsync(target, request, concurrency, warmup, cancellationToken).ConfigureAwait(false);
        }

        onMeasuring();
        var cpuBefore = ProcessStats.OwnCpuSeconds();
        var started = Stopwatch.GetTimestamp();
        var workers = await RunWorkersAsync(target, request, concurrency, duration, cancellationToken).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpu = ProcessStats.OwnCpuSeconds() - cpuBefore;
        var latencies = Latencies.Merge(workers.Select(w => w.Latencies));
        return new Result(latencies.Count, workers.Sum(w => w.Failed), seconds, latencies.PercentileMs(50), latencies.PercentileMs(99), cpu,
            workers.Select(w => w.FirstError).FirstOrDefault(e => e is not null));
    }

    private sealed class Worker
    {
        public Latencies Latencies { get; } = new();

        public int Failed { get; set; }

        public string? FirstError { get; set; }
    }

    private static async Task<Worker[]> RunWorkersAsync(IPEndPoint target, byte[] request, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, concurrency).Select(_ => new Worker()).ToArray();
        // A server that stops answering must not hang the run: what is still open this long after the end fails.
        using var hung = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hung.CancelAfter(duration + AnswerGrace);
        await Task.WhenAll(workers.Select(w => Task.Run(() => LoopAsync(w, target, request, deadline, hung.Token), cancellationToken))).ConfigureAwait(false);
        return workers;
    }

    private static async Task LoopAsync(Worker worker, IPEndPoint target, byte[] request, long deadline, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        Socket? socket = null;
        try
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var sent = Stopwatch.GetTimestamp();
                string? error;
                try
                {
                    if (socket is null)
                    {
                        socket = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                        await socket.ConnectAsync(target, cancellationToken).ConfigureAwait(false);
                    }

                    await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    error = await ReadAnswerAsync(socket, buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    error = e.Message;
                }
                catch (OperationCanceledException)
                {
                    worker.Failed++;
                    worker.FirstError ??= $"no answer within {AnswerGrace.TotalSeconds:F0} s after the run's end";
                    return;
                }

                if (error is null)
                {
                    worker.Latencies.Add(Stopwatch.GetTimestamp() - sent);
                    continue;
                }

                worker.Failed++;
                worker.FirstError ??= error;
                // A failed exchange leaves the connection in an unknown state: start a new one.
                socket?.Dispose();
                socket = null;
            }
        }
        finally
        {
            socket?.Dispose();
        }
    }

    /// <summary>Reads one answer; null when it was a complete 200 with a Content-Length body, else why not.</summary>
    private static async Task<string?> ReadAnswerAsync(Socket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var received = 0;
        var headerEnd = -1;
        while (headerEnd < 0)
        {
            if (received == buffer.Length)
            {
                return "answer headers larger than the client's buffer";
            }

            var n = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return "connection closed before the answer's headers";
            }

            received += n;
            headerEnd = buffer.AsSpan(0, received).IndexOf("\r\n\r\n"u8);
        }

        var (status, length, problem) = ParseHead(buffer.AsSpan(0, headerEnd));
        if (problem is not null)
        {
            return problem;
        }

        // The body is read and dropped; only its end matters.
        long remaining = headerEnd + 4 + length - received;
        while (remaining > 0)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return "connection closed inside the answer's body";
            }

            remaining -= n;
        }

        if (remaining < 0)
        {
            return "more bytes than the answer's Content-Length (the client does not pipeline)";
        }

        return status == 200 ? null : $"HTTP {status}";
    }

    /// <summary>The status code and Content-Length of an answer's head (status line and headers, without the blank line).</summary>
    internal static (int Status, long Length, string? Problem) ParseHead(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1.1 "u8) || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out _))
        {
            return (0, 0, $"not an HTTP/1.1 status line: {Encoding.ASCII.GetString(statusLine)}");
        }

        long length = -1;
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon < 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out length, out var used) || used != value.Length || length < 0)
                {
                    return (status, 0, $"bad Content-Length: {Encoding.ASCII.GetString(value)}");
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                return (status, 0, "a chunked answer (the load client needs Content-Length)");
            }
        }

        return length < 0 ? (status, 0, "an answer without Content-Length") : (status, length, null);
    }
}
