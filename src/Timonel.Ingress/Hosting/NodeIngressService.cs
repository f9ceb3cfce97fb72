using k8s;
using Microsoft.Extensions.Logging;

namespace Timonel.Ingress.Hosting;

/// <summary>
/// The ingress controller as a node agent runs it: started in the background, and while a port
/// cannot be bound (another server holds 80 or 443) retried with a warning instead of taking the
/// agent down, as the cluster DNS server waits for its address.
/// </summary>
public sealed partial class NodeIngressService : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ILogger _logger;
    private readonly Task _run;
    private readonly TaskCompletionSource<IngressController> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _retry;
    private int _disposed;

    private NodeIngressService(IKubernetes client, IngressControllerOptions options, ILoggerFactory loggers, TimeSpan retry)
    {
        _logger = loggers.CreateLogger("ingress");
        _retry = retry;
        _run = Task.Run(() => RunAsync(client, options, loggers, _stop.Token));
    }

    /// <summary>Completes once the proxy listens.</summary>
    public Task<IngressController> Started => _started.Task;

    /// <summary>Starts in the background; returns at once. The caller keeps <paramref name="client"/> alive until this is disposed.</summary>
    /// <exception cref="ArgumentException">A port is outside 0..65535 (the message names the flag).</exception>
    public static NodeIngressService Start(IKubernetes client, IngressControllerOptions options, ILoggerFactory loggers, TimeSpan? bindRetry = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        options.Proxy.Validate();
        return new NodeIngressService(client, options, loggers, bindRetry ?? TimeSpan.FromSeconds(10));
    }

    private async Task RunAsync(IKubernetes client, IngressControllerOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var warned = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                _started.TrySetResult(await IngressController.StartAsync(client, options, loggers, cancellationToken).ConfigureAwait(false));
                return;
            }
            catch (IOException e) when (!cancellationToken.IsCancellationRequested)
            {
                if (!warned)
                {
                    LogBindFailed(_logger, options.Proxy.HttpPort, options.Proxy.HttpsPort, e.Message);
                    warned = true;
                }
            }

            try
            {
                await Task.Delay(_retry, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_started.Task.IsCompletedSuccessfully)
        {
            await _started.Task.Result.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _started.TrySetCanceled();
        }

        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the ingress cannot listen on ports {HttpPort} and {HttpsPort} yet ({Reason}); retrying (--ingress-http-port / --ingress-https-port choose others, --disable ingress turns it off)")]
    private static partial void LogBindFailed(ILogger logger, int httpPort, int httpsPort, string reason);
}
