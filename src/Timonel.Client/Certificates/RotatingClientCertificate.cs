using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.Extensions.Logging;

namespace Timonel.Client.Certificates;

/// <summary>
/// A client certificate that is replaced before it expires without restarting its users, as the
/// kubelet's certificate manager: API clients made with <see cref="Configure"/> present
/// <see cref="Current"/> on each new TLS connection; a background loop gets the next certificate
/// at upstream's jittered deadline (70–90 % of the lifetime) and retries with backoff on failure.
/// Connections are recycled every <see cref="ConnectionLifetime"/>, so requests move to the new
/// certificate well before the old one expires (long watches end and are re-opened by their informers).
/// </summary>
public sealed partial class RotatingClientCertificate : IAsyncDisposable
{
    /// <summary>How long a pooled connection (and the certificate it authenticated with) is reused.</summary>
    public static readonly TimeSpan ConnectionLifetime = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan MinRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromMinutes(5);

    // Task.Delay takes at most ~49 days; a year-long certificate is waited for in steps.
    private static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private readonly Func<X509Certificate2, CancellationToken, Task<X509Certificate2>> _renew;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<double> _jitter;
    private readonly CancellationTokenSource _stop = new();
    private X509Certificate2 _current;
    private X509Certificate2? _previous;
    private Task _loop = Task.CompletedTask;
    private int _renewals;

    /// <param name="initial">The certificate to present now (with its private key).</param>
    /// <param name="renew">Gets the next certificate, given the current one.</param>
    /// <param name="jitter">A number in [0, 1) per deadline; null: random, as upstream.</param>
    public RotatingClientCertificate(X509Certificate2 initial, Func<X509Certificate2, CancellationToken, Task<X509Certificate2>> renew, TimeProvider time, ILogger logger, Func<double>? jitter = null)
    {
        _current = initial;
        _renew = renew;
        _time = time;
        _logger = logger;
        _jitter = jitter ?? Random.Shared.NextDouble;
    }

    public X509Certificate2 Current => Volatile.Read(ref _current);

    /// <summary>How many times the certificate was replaced.</summary>
    public int Renewals => Volatile.Read(ref _renewals);

    /// <summary>Starts the renewal loop (once).</summary>
    public void Start()
    {
        if (_loop.IsCompleted && !_stop.IsCancellationRequested)
        {
            _loop = Task.Run(() => RenewLoopAsync(_stop.Token));
        }
    }

    /// <summary>Makes <paramref name="config"/>'s clients present <see cref="Current"/> at each TLS handshake.</summary>
    public KubernetesClientConfiguration Configure(KubernetesClientConfiguration config)
    {
        var earlier = config.FirstMessageHandlerSetup;
        config.FirstMessageHandlerSetup = handler =>
        {
            earlier?.Invoke(handler);
            if (handler is not SocketsHttpHandler sockets)
            {
                throw new InvalidOperationException($"a rotating client certificate needs a SocketsHttpHandler, not {handler.GetType().Name}");
            }

            sockets.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => Current;
            sockets.PooledConnectionLifetime = ConnectionLifetime;
        };
        return config;
    }

    /// <summary>Presents <paramref name="next"/> from now on (the one before stays usable for connections still open).</summary>
    public void Replace(X509Certificate2 next)
    {
        var old = Interlocked.Exchange(ref _current, next);
        Interlocked.Exchange(ref _previous, old)?.Dispose();
        Interlocked.Increment(ref _renewals);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        Current.Dispose();
        _previous?.Dispose();
    }

    private async Task RenewLoopAsync(CancellationToken cancellationToken)
    {
        var retry = MinRetry;
        var deadline = NodeClientCertificates.RenewalDeadline(Current, _jitter());
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = deadline - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                Log.Waiting(_logger, Current.Subject, deadline);
                await Task.Delay(wait < MaxWait ? wait : MaxWait, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                var next = await _renew(Current, cancellationToken).ConfigureAwait(false);
                Replace(next);
                Log.Renewed(_logger, next.Subject, next.NotAfter.ToUniversalTime());
                retry = MinRetry;
                deadline = NodeClientCertificates.RenewalDeadline(next, _jitter());
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Upstream retries with backoff too; the current certificate stays in use until it expires.
                Log.RenewalFailed(_logger, Current.Subject, retry, e.Message);
                deadline = _time.GetUtcNow() + retry;
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, MaxRetry.Ticks));
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "client certificate {Subject}: renewal at {Deadline:u}")]
        public static partial void Waiting(ILogger logger, string subject, DateTimeOffset deadline);

        [LoggerMessage(Level = LogLevel.Information, Message = "client certificate {Subject} renewed, valid until {NotAfter:u}")]
        public static partial void Renewed(ILogger logger, string subject, DateTime notAfter);

        [LoggerMessage(Level = LogLevel.Warning, Message = "client certificate {Subject}: renewal failed, retrying in {Retry}: {Error}")]
        public static partial void RenewalFailed(ILogger logger, string subject, TimeSpan retry, string error);
    }
}
