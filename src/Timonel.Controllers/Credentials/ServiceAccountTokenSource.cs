using System.Net;
using System.Net.Http.Headers;
using k8s;
using k8s.Authentication;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Timonel.Controllers.Credentials;

/// <summary>
/// A bearer token for one service account, obtained through TokenRequest with the controller
/// manager's client and renewed before it expires, as upstream's controller client builder does:
/// the account is created when missing, tokens last an hour, and a token is replaced once 80% of
/// its lifetime (at least ten minutes, against clock skew) has passed. Concurrent requests share
/// one fetch; a fetch retries four times with a doubling delay from half a second, then fails the
/// request that needed it (the controller retries it).
/// </summary>
public sealed partial class ServiceAccountTokenSource(IKubernetes root, string serviceAccount, TimeProvider time, ILogger log) : ITokenProvider
{
    public const long ExpirationSeconds = 3600;

    private const int LeewayPercent = 20;
    private const int Attempts = 4;
    private static readonly TimeSpan MinimumLifetime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);

    private readonly Lock _gate = new();
    private Issued? _current;
    private Task<Issued>? _fetching;

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        var issued = Volatile.Read(ref _current);
        if (issued is null || time.GetUtcNow() >= issued.RenewAt)
        {
            issued = await FetchOnceAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new AuthenticationHeaderValue("Bearer", issued.Token);
    }

    private Task<Issued> FetchOnceAsync()
    {
        lock (_gate)
        {
            if (_fetching is null || _fetching.IsCompleted)
            {
                // Not tied to one caller's token: the fetch serves every caller waiting on it.
                _fetching = Task.Run(() => FetchAsync(CancellationToken.None));
            }

            return _fetching;
        }
    }

    private async Task<Issued> FetchAsync(CancellationToken cancellationToken)
    {
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await EnsureAccountAsync(cancellationToken).ConfigureAwait(false);
                var request = new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { Audiences = [], ExpirationSeconds = ExpirationSeconds } };
                var response = await root.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, serviceAccount, ControllerServiceAccounts.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                var now = time.GetUtcNow();
                var expires = response.Status?.ExpirationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : now;
                var lifetime = expires - now < MinimumLifetime ? MinimumLifetime : expires - now;
                var issued = new Issued(response.Status?.Token ?? "", now + lifetime - (lifetime * LeewayPercent / 100));
                Volatile.Write(ref _current, issued);
                Log.Issued(log, serviceAccount, issued.RenewAt);
                return issued;
            }
            catch (Exception e) when (attempt < Attempts && e is HttpOperationException or HttpRequestException)
            {
                Log.RequestFailed(log, serviceAccount, e.Message);
            }

            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            delay *= 2;
        }
    }

    /// <summary>Creates the account when it is missing (the first start, or someone deleted it).</summary>
    private async Task EnsureAccountAsync(CancellationToken cancellationToken)
    {
        try
        {
            await root.CoreV1.ReadNamespacedServiceAccountAsync(serviceAccount, ControllerServiceAccounts.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            var account = new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = serviceAccount, NamespaceProperty = ControllerServiceAccounts.Namespace } };
            try
            {
                await root.CoreV1.CreateNamespacedServiceAccountAsync(account, ControllerServiceAccounts.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException conflict) when (conflict.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // Another server's manager made it first.
            }
        }
    }

    private sealed record Issued(string Token, DateTimeOffset RenewAt);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "token for service account kube-system/{Account} issued; renewed after {RenewAt:O}")]
        public static partial void Issued(ILogger logger, string account, DateTimeOffset renewAt);

        [LoggerMessage(Level = LogLevel.Warning, Message = "token request for service account kube-system/{Account} failed, retrying: {Reason}")]
        public static partial void RequestFailed(ILogger logger, string account, string reason);
    }
}
