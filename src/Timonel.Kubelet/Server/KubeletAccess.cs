using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Timonel.Api.Errors;

namespace Timonel.Kubelet.Server;

/// <summary>
/// Authentication and authorization of the kubelet's server as upstream's kubelet does them with
/// webhook modes: a client certificate of the cluster's client CA, else a bearer token checked
/// with a TokenReview; then a SubjectAccessReview for get/create/... on nodes/{stats,metrics,log,proxy}
/// named after this node. The API server's own certificate needs no review (it is the only
/// caller of logs, exec, attach and port-forward, and has system:kubelet-api-admin upstream).
/// Answers are cached as upstream caches them: tokens 2 minutes (10 s when refused), allowed 5
/// minutes, denied 30 seconds.
/// </summary>
public sealed class KubeletAccess
{
    public static readonly TimeSpan AuthenticatedTtl = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan UnauthenticatedTtl = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan AuthorizedTtl = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan UnauthorizedTtl = TimeSpan.FromSeconds(30);

    private readonly CallerAuthenticator _certificates;
    private readonly IKubernetes? _client;
    private readonly string _nodeName;
    private readonly DecisionCache<KubeletCaller?> _tokens;
    private readonly DecisionCache<bool> _decisions;

    public KubeletAccess(CallerAuthenticator certificates, IKubernetes? client, string nodeName, TimeProvider time)
    {
        _certificates = certificates;
        _client = client;
        _nodeName = nodeName;
        _tokens = new DecisionCache<KubeletCaller?>(time);
        _decisions = new DecisionCache<bool>(time);
    }

    /// <summary>The caller, or a 401 Status when neither a certificate nor a token names one.</summary>
    public async Task<KubeletCaller> AuthenticateAsync(X509Certificate2? certificate, string? authorization, CancellationToken ct)
    {
        if (await _certificates.AuthenticateAsync(certificate, ct).ConfigureAwait(false) is { } byCertificate)
        {
            return byCertificate;
        }

        const string Bearer = "Bearer ";
        if (authorization is not null && authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && authorization[Bearer.Length..].Trim() is { Length: > 0 } token)
        {
            if (await ReviewTokenAsync(token, ct).ConfigureAwait(false) is { } byToken)
            {
                return byToken;
            }
        }

        throw ApiException.Unauthorized();
    }

    /// <summary>Returns when the caller may make the request; a 403 Status when a SubjectAccessReview says no.</summary>
    public async Task AuthorizeAsync(KubeletCaller caller, HttpRequest request, CancellationToken ct)
    {
        if (caller.IsApiServer)
        {
            return;
        }

        var attributes = KubeletRequestAttributes.For(request.Method, request.Path.Value ?? "/", _nodeName);
        var who = $"user={caller.User}, verb={attributes.Verb}, resource=nodes, subresource={attributes.Subresource}";
        var key = string.Join('\0', [caller.User, caller.Uid ?? "", string.Join(',', caller.Groups), attributes.Verb, attributes.Subresource, ExtraKey(caller)]);
        if (!_decisions.TryGet(key, out var allowed))
        {
            allowed = await ReviewAccessAsync(caller, attributes, who, ct).ConfigureAwait(false);
            _decisions.Set(key, allowed, allowed ? AuthorizedTtl : UnauthorizedTtl);
        }

        if (!allowed)
        {
            throw ApiException.Forbidden($"Forbidden ({who})");
        }
    }

    private async Task<KubeletCaller?> ReviewTokenAsync(string token, CancellationToken ct)
    {
        // The cache key is a digest: the kubelet keeps no caller's token in memory.
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_tokens.TryGet(key, out var cached))
        {
            return cached;
        }

        if (_client is null)
        {
            return null;
        }

        try
        {
            var review = await _client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } }, cancellationToken: ct).ConfigureAwait(false);
            var status = review.Status;
            KubeletCaller? caller = status?.Authenticated == true && status.User?.Username is { Length: > 0 } user
                ? new KubeletCaller(
                    user,
                    [.. status.User.Groups ?? []],
                    Uid: status.User.Uid,
                    Extra: status.User.Extra?.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value], StringComparer.Ordinal))
                : null;
            _tokens.Set(key, caller, caller is null ? UnauthenticatedTtl : AuthenticatedTtl);
            return caller;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            // Not cached: the token may be good once the API server answers again.
            return null;
        }
    }

    private async Task<bool> ReviewAccessAsync(KubeletCaller caller, KubeletRequestAttributes attributes, string who, CancellationToken ct)
    {
        if (_client is null)
        {
            return false;
        }

        var review = new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = caller.User,
                Groups = [.. caller.Groups],
                Uid = caller.Uid,
                Extra = caller.Extra?.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value]),
                ResourceAttributes = new V1ResourceAttributes { Verb = attributes.Verb, Group = "", Version = "v1", Resource = "nodes", Subresource = attributes.Subresource, Name = attributes.NodeName },
            },
        };
        try
        {
            var answer = await _client.AuthorizationV1.CreateSubjectAccessReviewAsync(review, cancellationToken: ct).ConfigureAwait(false);
            return answer.Status?.Allowed == true;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            // As upstream: the request fails without a decision, and nothing is cached.
            throw new ApiException(HttpStatusCode.InternalServerError, "InternalError", $"Authorization error ({who}): {e.Message}");
        }
    }

    private static string ExtraKey(KubeletCaller caller) =>
        caller.Extra is null ? "" : string.Join(';', caller.Extra.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + string.Join(',', e.Value)));
}
