using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.ApiServer.ServiceAccounts;

/// <summary>
/// The TokenRequest subresource (POST serviceaccounts/&lt;name&gt;/token): validates the request
/// as upstream does, binds the token to a pod or secret when asked, and signs it.
/// </summary>
internal sealed class TokenRequestHandler(ServiceAccountIssuer issuer, ObjectStore objects, ResourceCatalog catalog, TimeProvider time)
{
    public const string Group = "authentication.k8s.io";
    public const string ApiVersion = "authentication.k8s.io/v1";

    /// <summary>The expirationSeconds the kubelet asks for; such pod-bound tokens are extended to a year, as upstream does.</summary>
    public const long KubeletExpirationSeconds = 3607;

    private static readonly TimeSpan Extended = TimeSpan.FromDays(365);

    private readonly ApiResource _serviceAccounts = catalog.Find("", "v1", "serviceaccounts")!;
    private readonly ApiResource _pods = catalog.Find("", "v1", "pods")!;
    private readonly ApiResource _secrets = catalog.Find("", "v1", "secrets")!;
    private readonly ApiResource _nodes = catalog.Find("", "v1", "nodes")!;

    /// <summary>The answered TokenRequest, status.token filled.</summary>
    /// <exception cref="ApiException">404 for a missing service account or bound object, 422 for a bad expiration, 400 or 409 for a bad binding.</exception>
    /// <param name="admit">Validating admission of the defaulted, valid request (upstream calls it after static validation); may throw.</param>
    public async Task<JsonObject> CreateAsync(string ns, string name, JsonObject request, CancellationToken ct, Func<JsonObject, CancellationToken, Task>? admit = null)
    {
        if (JsonAccess.AsString(request["kind"]) is { Length: > 0 } kind && kind != "TokenRequest"
            || JsonAccess.AsString(request["apiVersion"]) is { Length: > 0 } apiVersion && apiVersion != ApiVersion)
        {
            throw ApiException.BadRequest($"the body must be an {ApiVersion} TokenRequest, not {JsonAccess.AsString(request["apiVersion"])} {JsonAccess.AsString(request["kind"])}");
        }

        var account = await objects.GetAsync(_serviceAccounts, ns, name, ct).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", "serviceaccounts", name);
        var spec = TokenRequestValidation.ApplyDefaults(request, issuer.ApiAudiences);
        if (TokenRequestValidation.Validate(spec) is { Count: > 0 } errors)
        {
            throw ApiException.Invalid(Group, "TokenRequest", name, errors);
        }

        if (admit is not null)
        {
            await admit(request, ct).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        var seconds = spec["expirationSeconds"]!.GetValue<long>();
        var audiences = spec["audiences"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
        var claims = new ServiceAccountClaims(issuer.Issuer, audiences, now, now.AddSeconds(seconds), ns, new ObjectRef(name, ObjectMetaAccess.Uid(account.Object) ?? ""));
        if (spec["boundObjectRef"] is JsonObject bound)
        {
            claims = await BindAsync(claims, bound, ns, name, ct).ConfigureAwait(false);
        }

        if (claims.Pod is not null && seconds == KubeletExpirationSeconds && audiences.All(issuer.ApiAudiences.Contains))
        {
            // The kubelet refreshes at 80% of the lifetime; a client that does not reread the
            // file keeps working for a year while warnafter lets the server flag it.
            claims = claims with { Expires = now + Extended, WarnAfter = claims.Expires };
        }

        return new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = ApiVersion,
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = ObjectMetaAccess.Timestamp(now) },
            ["spec"] = spec.DeepClone(),
            ["status"] = new JsonObject
            {
                ["token"] = issuer.Sign(claims.ToJson()),
                ["expirationTimestamp"] = ObjectMetaAccess.Timestamp(now.AddSeconds(seconds)),
            },
        };
    }

    private async Task<ServiceAccountClaims> BindAsync(ServiceAccountClaims claims, JsonObject bound, string ns, string accountName, CancellationToken ct)
    {
        var kind = JsonAccess.AsString(bound["kind"]) ?? "";
        var apiVersion = JsonAccess.AsString(bound["apiVersion"]) ?? "";
        var name = JsonAccess.AsString(bound["name"]) ?? "";
        var uid = JsonAccess.AsString(bound["uid"]);
        var (group, version) = apiVersion.Split('/') is [var g, var v] ? (g, v) : ("", apiVersion);
        var resource = (group, kind) switch
        {
            ("", "Pod") => _pods,
            ("", "Secret") => _secrets,
            _ => throw ApiException.BadRequest($"cannot bind token to object of type {group}/{version}, Kind={kind}: only a Pod or a Secret"),
        };
        if (name.Length == 0)
        {
            throw ApiException.BadRequest("spec.boundObjectRef.name is required to bind a token to a " + kind);
        }

        var target = await objects.GetAsync(resource, ns, name, ct).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", resource.Plural, name);
        var actualUid = ObjectMetaAccess.Uid(target.Object) ?? "";
        if (!string.IsNullOrEmpty(uid) && uid != actualUid)
        {
            throw ApiException.Conflict("", kind, name, $"the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated");
        }

        bound["uid"] = actualUid;
        if (resource == _secrets)
        {
            return claims with { Secret = new ObjectRef(name, actualUid) };
        }

        var podAccount = JsonAccess.AsString(target.Object["spec"]?["serviceAccountName"]) ?? "default";
        if (podAccount != accountName)
        {
            throw ApiException.BadRequest($"cannot bind token for serviceaccount \"{accountName}\" to pod running with different serviceaccount name.");
        }

        claims = claims with { Pod = new ObjectRef(name, actualUid) };
        if (JsonAccess.AsString(target.Object["spec"]?["nodeName"]) is { Length: > 0 } nodeName
            && await objects.GetAsync(_nodes, null, nodeName, ct).ConfigureAwait(false) is { } node)
        {
            claims = claims with { Node = new ObjectRef(nodeName, ObjectMetaAccess.Uid(node.Object) ?? "") };
        }

        return claims;
    }
}
