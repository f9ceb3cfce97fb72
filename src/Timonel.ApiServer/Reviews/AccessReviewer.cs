using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Reviews;

/// <summary>
/// The authorization.k8s.io/v1 reviews, each answered by the server's own
/// <see cref="IAuthorizer"/> (never a verdict of its own): SubjectAccessReview (any user),
/// LocalSubjectAccessReview (any user, inside one namespace), SelfSubjectAccessReview (the
/// caller) and SelfSubjectRulesReview (the caller's rules, from the authorizer's
/// <see cref="IRuleResolver"/>). Validation and messages are upstream's.
/// </summary>
internal sealed class AccessReviewer(IAuthorizer authorizer)
{
    private const string Group = "authorization.k8s.io";

    /// <summary>SubjectAccessReview: spec.user, spec.groups, spec.uid and spec.extra are who is asking.</summary>
    public async Task SubjectAsync(JsonObject review, CancellationToken ct)
    {
        const string kind = "SubjectAccessReview";
        var fields = new ReviewFields(kind);
        var errors = new List<FieldError>();
        MetadataMustBeEmpty(review, allowNamespace: false, errors);
        var (attributes, subject) = ReadSpec(review, fields, errors, requireSubject: true);
        Throw(kind, errors);
        review["status"] = await DecideAsync(attributes!(subject!), ct).ConfigureAwait(false);
    }

    /// <summary>LocalSubjectAccessReview: as SubjectAccessReview, for resources of <paramref name="ns"/> only.</summary>
    public async Task LocalAsync(JsonObject review, string ns, CancellationToken ct)
    {
        const string kind = "LocalSubjectAccessReview";
        var fields = new ReviewFields(kind);
        var errors = new List<FieldError>();
        MetadataMustBeEmpty(review, allowNamespace: true, errors);
        var spec = fields.Obj(review, "spec", "spec");
        if (spec?["nonResourceAttributes"] is not null)
        {
            errors.Add(FieldError.Invalid("spec.nonResourceAttributes", spec["nonResourceAttributes"]!.ToJsonString(), "disallowed on this kind of request"));
        }

        var (attributes, subject) = ReadSpec(review, fields, errors, requireSubject: true);
        Throw(kind, errors);
        var requested = fields.Str(spec!["resourceAttributes"], "namespace", "spec.resourceAttributes.namespace");
        if (requested != ns)
        {
            throw ApiException.BadRequest($"spec.resourceAttributes.namespace must match namespace: {ns}");
        }

        review["status"] = await DecideAsync(attributes!(subject!), ct).ConfigureAwait(false);
    }

    /// <summary>SelfSubjectAccessReview: the caller (after impersonation) is who is asking.</summary>
    public async Task SelfAsync(JsonObject review, UserInfo caller, CancellationToken ct)
    {
        const string kind = "SelfSubjectAccessReview";
        var errors = new List<FieldError>();
        MetadataMustBeEmpty(review, allowNamespace: false, errors);
        var (attributes, _) = ReadSpec(review, new ReviewFields(kind), errors, requireSubject: false);
        Throw(kind, errors);
        review["status"] = await DecideAsync(attributes!(caller), ct).ConfigureAwait(false);
    }

    /// <summary>SelfSubjectRulesReview: what the caller may do in spec.namespace.</summary>
    public async Task RulesAsync(JsonObject review, UserInfo caller, CancellationToken ct)
    {
        var fields = new ReviewFields("SelfSubjectRulesReview");
        var ns = fields.Str(fields.Obj(review, "spec", "spec"), "namespace", "spec.namespace");
        if (ns.Length == 0)
        {
            throw ApiException.BadRequest("no namespace on request");
        }

        UserRules rules;
        if (authorizer is IRuleResolver resolver)
        {
            try
            {
                rules = await resolver.RulesForAsync(caller, ns, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                rules = new UserRules([], [], Incomplete: true, e.Message);
            }
        }
        else
        {
            // As upstream's webhook authorizer: it can judge requests but not list them.
            rules = new UserRules([], [], Incomplete: true, "the server's authorizer does not support user rule resolution");
        }

        var status = new JsonObject
        {
            ["resourceRules"] = new JsonArray([.. rules.ResourceRules.Select(r => (JsonNode?)ResourceRuleJson(r))]),
            ["nonResourceRules"] = new JsonArray([.. rules.NonResourceRules.Select(r => (JsonNode?)NonResourceRuleJson(r))]),
            ["incomplete"] = rules.Incomplete,
        };
        if (rules.EvaluationError.Length > 0)
        {
            status["evaluationError"] = rules.EvaluationError;
        }

        review["status"] = status;
    }

    /// <summary>
    /// Reads spec's attributes (exactly one of resourceAttributes and nonResourceAttributes) and,
    /// when <paramref name="requireSubject"/>, its user; errors are added, not thrown.
    /// </summary>
    private static (Func<UserInfo, RequestAttributes>? Attributes, UserInfo? Subject) ReadSpec(JsonObject review, ReviewFields fields, List<FieldError> errors, bool requireSubject)
    {
        var spec = fields.Obj(review, "spec", "spec");
        var resource = fields.Obj(spec, "resourceAttributes", "spec.resourceAttributes");
        var nonResource = fields.Obj(spec, "nonResourceAttributes", "spec.nonResourceAttributes");
        if (resource is not null && nonResource is not null)
        {
            errors.Add(FieldError.Invalid("spec.nonResourceAttributes", nonResource.ToJsonString(), "cannot be specified in combination with resourceAttributes"));
        }
        else if (resource is null && nonResource is null)
        {
            errors.Add(FieldError.Invalid("spec.resourceAttributes", "null", "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
        }

        UserInfo? subject = null;
        if (requireSubject)
        {
            var name = fields.Str(spec, "user", "spec.user");
            var groups = fields.Strings(spec, "groups", "spec.groups");
            if (name.Length == 0 && groups.Count == 0)
            {
                errors.Add(FieldError.Invalid("spec.user", "", "at least one of user or group must be specified"));
            }

            // The subject as given: no system:authenticated added (upstream's AuthorizationAttributesFrom).
            var uid = fields.Str(spec, "uid", "spec.uid");
            subject = new UserInfo(name, groups) { Uid = uid.Length == 0 ? null : uid, Extra = fields.Extra(spec, "extra", "spec.extra") };
        }

        if (resource is not null)
        {
            var verb = fields.Str(resource, "verb", "spec.resourceAttributes.verb");
            var group = fields.Str(resource, "group", "spec.resourceAttributes.group");
            var version = fields.Str(resource, "version", "spec.resourceAttributes.version");
            var plural = fields.Str(resource, "resource", "spec.resourceAttributes.resource");
            var sub = fields.Str(resource, "subresource", "spec.resourceAttributes.subresource");
            var ns = fields.Str(resource, "namespace", "spec.resourceAttributes.namespace");
            var name = fields.Str(resource, "name", "spec.resourceAttributes.name");
            // Upstream matches every version when none is given.
            return (user => new RequestAttributes(user, verb, true, "", group, version.Length == 0 ? "*" : version, plural, sub, ns, name), subject);
        }

        if (nonResource is not null)
        {
            var path = fields.Str(nonResource, "path", "spec.nonResourceAttributes.path");
            var verb = fields.Str(nonResource, "verb", "spec.nonResourceAttributes.verb");
            return (user => new RequestAttributes(user, verb, false, path), subject);
        }

        return (null, subject);
    }

    private async Task<JsonObject> DecideAsync(RequestAttributes attributes, CancellationToken ct)
    {
        AuthorizationDecision decision;
        string? evaluationError = null;
        try
        {
            decision = await authorizer.AuthorizeAsync(attributes, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An authorizer that fails has no verdict: the review says why, as upstream's evaluationError.
            decision = AuthorizationDecision.NoOpinion;
            evaluationError = e.Message;
        }

        var status = new JsonObject { ["allowed"] = decision.Verdict == AuthorizationVerdict.Allow };
        if (decision.Verdict == AuthorizationVerdict.Deny)
        {
            status["denied"] = true;
        }

        if (decision.Reason.Length > 0)
        {
            status["reason"] = decision.Reason;
        }

        if (evaluationError is not null)
        {
            status["evaluationError"] = evaluationError;
        }

        return status;
    }

    /// <summary>Upstream refuses reviews with metadata (a name, labels…): they are not objects that are kept.</summary>
    private static void MetadataMustBeEmpty(JsonObject review, bool allowNamespace, List<FieldError> errors)
    {
        if (review["metadata"] is not JsonObject metadata)
        {
            return;
        }

        var set = metadata.Where(p => !(allowNamespace && p.Key == "namespace") && !IsEmpty(p.Value)).ToList();
        if (set.Count > 0)
        {
            errors.Add(FieldError.Invalid("metadata", new JsonObject(set.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString(), allowNamespace ? "must be empty except for namespace" : "must be empty"));
        }
    }

    private static bool IsEmpty(JsonNode? node) => node switch
    {
        null => true,
        JsonObject o => o.Count == 0,
        JsonArray a => a.Count == 0,
        JsonValue v => v.ToJsonString() is "\"\"" or "0" or "false",
        _ => false,
    };

    private static void Throw(string kind, List<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(Group, kind, "", errors);
        }
    }

    private static JsonObject ResourceRuleJson(ResourceRule rule)
    {
        var json = new JsonObject { ["verbs"] = Strings(rule.Verbs) };
        if (rule.ApiGroups.Count > 0)
        {
            json["apiGroups"] = Strings(rule.ApiGroups);
        }

        if (rule.Resources.Count > 0)
        {
            json["resources"] = Strings(rule.Resources);
        }

        if (rule.ResourceNames.Count > 0)
        {
            json["resourceNames"] = Strings(rule.ResourceNames);
        }

        return json;
    }

    private static JsonObject NonResourceRuleJson(NonResourceRule rule)
    {
        var json = new JsonObject { ["verbs"] = Strings(rule.Verbs) };
        if (rule.NonResourceUrls.Count > 0)
        {
            json["nonResourceURLs"] = Strings(rule.NonResourceUrls);
        }

        return json;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);
}
