using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Timonel.Kubelet.Volumes;

/// <summary>
/// Bound service account tokens of one pod, fetched through the TokenRequest API
/// (POST serviceaccounts/NAME/token, bound to the pod) and fetched again once 80% of their
/// lifetime has passed, or after 24 hours, as upstream's token manager does.
/// </summary>
public sealed class ServiceAccountTokens
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);
    private readonly IKubernetes _client;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Account, string Audience, long Seconds), Issued> _tokens = [];

    public ServiceAccountTokens(IKubernetes client, TimeProvider time)
    {
        _client = client;
        _time = time;
    }

    /// <summary>A token for the pod's service account, from the cache while it is fresh.</summary>
    /// <exception cref="VolumeException">The API refused; a 404 means the server does not serve the TokenRequest API.</exception>
    public async Task<string> GetAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken cancellationToken)
    {
        var account = pod.Spec.ServiceAccountName is { Length: > 0 } name ? name : "default";
        var key = (account, audience ?? string.Empty, expirationSeconds);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_tokens.TryGetValue(key, out var cached) && !cached.NeedsRefresh(now))
            {
                return cached.Token;
            }
        }

        var request = new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                Audiences = string.IsNullOrEmpty(audience) ? [] : [audience],
                ExpirationSeconds = expirationSeconds,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid },
            },
        };
        Authenticationv1TokenRequest answer;
        try
        {
            answer = await _client.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, account, pod.Metadata.NamespaceProperty ?? "default", cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new VolumeException($"failed to fetch token: serviceaccounts \"{account}\" token not found (the service account is missing or the API server does not serve serviceaccounts/token): {e.Response.Content}", e);
        }
        catch (HttpOperationException e)
        {
            throw new VolumeException($"failed to fetch token: {(int)e.Response.StatusCode} {e.Response.Content}", e);
        }

        var token = answer.Status?.Token;
        if (string.IsNullOrEmpty(token))
        {
            throw new VolumeException($"failed to fetch token: the API server returned no token for serviceaccount \"{account}\"");
        }

        var expires = answer.Status!.ExpirationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : now.AddSeconds(expirationSeconds);
        lock (_lock)
        {
            _tokens[key] = new Issued(token, now, expires);
        }

        return token;
    }

    private sealed record Issued(string Token, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt)
    {
        public bool NeedsRefresh(DateTimeOffset now) =>
            now >= IssuedAt + ((ExpiresAt - IssuedAt) * 0.8) || now - IssuedAt > MaxAge;
    }
}
