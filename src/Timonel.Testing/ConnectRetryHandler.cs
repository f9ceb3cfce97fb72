namespace Timonel.Testing;

/// <summary>
/// Retries a request whose connection could not be established (TCP connect or TLS handshake
/// failed), which means the server never saw it, so sending it again cannot duplicate a write.
/// Component tests start hundreds of in-process servers on a loaded machine and about one
/// handshake in a thousand is cut off with "unexpected EOF" before the server logs anything;
/// a test's first request must not fail on that. Errors after the request was sent are not retried.
/// </summary>
public sealed class ConnectRetryHandler : DelegatingHandler
{
    private const int Attempts = 3;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (attempt < Attempts && e.HttpRequestError is HttpRequestError.SecureConnectionError or HttpRequestError.ConnectionError)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
