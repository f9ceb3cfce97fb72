using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Admission;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Security.Rbac;

/// <summary>
/// RBAC's privilege-escalation prevention (upstream's policy-based storage for the four RBAC
/// resources), on every create, update and patch of them by a client:
/// a Role or ClusterRole may be written only by a user who already holds every permission it
/// grants (in its namespace, or cluster-wide for a ClusterRole) or may "escalate" it; a
/// ClusterRole with an aggregationRule needs everything, as it can gather anything; a
/// RoleBinding or ClusterRoleBinding only by a user who holds the referenced role's permissions
/// (in the binding's namespace) or may "bind" that role. system:masters is never checked.
/// </summary>
internal sealed class RbacEscalationCheck(IAuthorizer authorizer, RbacAuthorizer rbac, PrivilegedGroupAuthorizer privileged) : IRequesterAdmissionHook
{
    private const string Group = "rbac.authorization.k8s.io";

    public bool AppliesTo(ApiResource resource) =>
        resource.Group == Group && resource.Plural is "roles" or "clusterroles" or "rolebindings" or "clusterrolebindings";

    public Task AdmitCreateAsync(ApiResource resource, JsonObject obj, UserInfo user, CancellationToken cancellationToken) =>
        CheckAsync(resource, obj, old: null, user, cancellationToken);

    public Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, UserInfo user, CancellationToken cancellationToken) =>
        // Only the fields the garbage collector needs to finish a delete changed: nothing is granted.
        OnlyGarbageCollectionFieldsChanged(obj, old) ? Task.CompletedTask : CheckAsync(resource, obj, old, user, cancellationToken);

    private async Task CheckAsync(ApiResource resource, JsonObject obj, JsonObject? old, UserInfo user, CancellationToken cancellationToken)
    {
        if (privileged.IsPrivileged(user))
        {
            return;
        }

        var ns = ObjectMetaAccess.Namespace(obj) ?? "";
        var name = ObjectMetaAccess.Name(obj) ?? "";
        if (resource.Plural is "roles" or "clusterroles")
        {
            // Upstream asks with the request's name, which a create (POST) does not have.
            if (await AllowedAsync(new RequestAttributes(user, "escalate", true, "", Group, "*", resource.Plural, "", ns, old is null ? "" : name), cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await ConfirmNoEscalationAsync(user, ns, PolicyRule.ListFrom(obj["rules"]), resource, name, null, cancellationToken).ConfigureAwait(false);
            if (resource.Plural == "clusterroles" && (HasAggregationRule(obj) || (old is not null && HasAggregationRule(old))))
            {
                await ConfirmNoEscalationAsync(user, ns, PolicyRule.FullAuthority, resource, name, "must have cluster-admin privileges to use the aggregationRule", cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var roleRef = obj.Obj("roleRef");
        var kind = roleRef.Str("kind") ?? "";
        var roleName = roleRef.Str("name") ?? "";
        var roleResource = kind switch
        {
            "ClusterRole" => "clusterroles",
            "Role" => "roles",
            // Upstream would fail with an internal error here; validation refuses the kind instead.
            _ => null,
        };
        if (roleResource is null)
        {
            return;
        }

        if (await AllowedAsync(new RequestAttributes(user, "bind", true, "", roleRef.Str("apiGroup") ?? "", "*", roleResource, "", ns, roleName), cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var (rules, _) = (await rbac.PolicyAsync(cancellationToken).ConfigureAwait(false)).RoleReference(kind, roleName, ns);
        if (rules is null)
        {
            // As upstream, whose rule resolver reads the role through the registry.
            throw ApiException.NotFound(Group, roleResource, roleName);
        }

        await ConfirmNoEscalationAsync(user, ns, rules, resource, name, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> AllowedAsync(RequestAttributes attributes, CancellationToken cancellationToken) =>
        (await authorizer.AuthorizeAsync(attributes, cancellationToken).ConfigureAwait(false)).Verdict == AuthorizationVerdict.Allow;

    /// <summary>Upstream's ConfirmNoEscalation: the user's own rules in <paramref name="ns"/> must cover <paramref name="granted"/>.</summary>
    private async Task ConfirmNoEscalationAsync(UserInfo user, string ns, IReadOnlyList<PolicyRule> granted, ApiResource resource, string name, string? refusal, CancellationToken cancellationToken)
    {
        var held = await rbac.HeldAsync(user, ns, cancellationToken).ConfigureAwait(false);
        var (covered, missing) = RuleCoverage.Covers(held.Rules, granted);
        if (covered)
        {
            return;
        }

        if (refusal is null)
        {
            var described = RuleCoverage.Compact(missing).Select(r => r.CompactString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            refusal = $"user {PolicyRule.GoQuote(user.Name)} (groups={PolicyRule.GoQuotedList(user.Groups)}) is attempting to grant RBAC permissions not currently held:\n{string.Join('\n', described)}";
            if (held.Errors.Count > 0)
            {
                refusal += $"; resolution errors: [{held.ErrorText()}]";
            }
        }

        throw Forbidden.Of(Group, resource.Plural, name, refusal);
    }

    private static bool HasAggregationRule(JsonObject role) => role.Obj("aggregationRule").Arr("clusterRoleSelectors") is { Count: > 0 };

    /// <summary>Upstream's IsOnlyMutatingGCFields: equal once owner references, finalizers and the server's bookkeeping are set aside.</summary>
    private static bool OnlyGarbageCollectionFieldsChanged(JsonObject obj, JsonObject old)
    {
        static JsonObject Without(JsonObject o)
        {
            var copy = (JsonObject)o.DeepClone();
            if (copy["metadata"] is JsonObject meta)
            {
                foreach (var field in new[] { "ownerReferences", "finalizers", "selfLink", "managedFields", "resourceVersion" })
                {
                    meta.Remove(field);
                }
            }

            return copy;
        }

        return JsonNode.DeepEquals(Without(obj), Without(old));
    }
}
