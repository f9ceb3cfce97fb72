using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>RoleBindings and ClusterRoleBindings (rbac/v1): a required roleRef that never changes, well-formed subjects.</summary>
public sealed class RoleBindingStrategy(bool namespaced) : ResourceStrategy(namespaced, hasStatus: false)
{
    public const string RbacGroup = "rbac.authorization.k8s.io";
    private static readonly string[] SubjectKinds = ["ServiceAccount", "User", "Group"];

    protected override NameRule NameRule => NameRules.PathSegment;

    protected override void Validate(JsonObject obj, List<FieldError> errs)
    {
        var roleRef = obj.Obj("roleRef");
        string[] kinds = Namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
        if (roleRef.Str("apiGroup") != RbacGroup)
        {
            errs.Add(FieldError.NotSupported("roleRef.apiGroup", roleRef.Str("apiGroup") ?? "", [RbacGroup]));
        }
        var kind = roleRef.Str("kind") ?? "";
        if (!kinds.Contains(kind))
        {
            errs.Add(FieldError.NotSupported("roleRef.kind", kind, kinds));
        }
        var name = roleRef.Str("name") ?? "";
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required("roleRef.name", ""));
        }
        else
        {
            foreach (var msg in NameValidation.IsPathSegmentName(name, false))
            {
                errs.Add(FieldError.Invalid("roleRef.name", name, msg));
            }
        }
        foreach (var (i, subject) in obj.Arr("subjects").Objects())
        {
            ValidateSubject(subject, $"subjects[{i}]", Namespaced, errs);
        }
    }

    private static void ValidateSubject(JsonObject subject, string at, bool namespaced, List<FieldError> errs)
    {
        var name = subject.Str("name") ?? "";
        if (name.Length == 0)
        {
            errs.Add(FieldError.Required($"{at}.name", ""));
        }
        var apiGroup = subject.Str("apiGroup") ?? "";
        switch (subject.Str("kind"))
        {
            case "ServiceAccount":
                foreach (var msg in name.Length == 0 ? [] : NameValidation.IsDns1123Subdomain(name))
                {
                    errs.Add(FieldError.Invalid($"{at}.name", name, msg));
                }
                if (apiGroup.Length > 0)
                {
                    errs.Add(FieldError.NotSupported($"{at}.apiGroup", apiGroup, [""]));
                }
                if (!namespaced && string.IsNullOrEmpty(subject.Str("namespace")))
                {
                    errs.Add(FieldError.Required($"{at}.namespace", ""));
                }
                break;
            case "User" or "Group":
                if (apiGroup != RbacGroup)
                {
                    errs.Add(FieldError.NotSupported($"{at}.apiGroup", apiGroup, [RbacGroup]));
                }
                break;
            default:
                errs.Add(FieldError.NotSupported($"{at}.kind", subject.Str("kind") ?? "", SubjectKinds));
                break;
        }
    }

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        if (!JsonAccess.Same(obj["roleRef"], old["roleRef"]))
        {
            errs.Add(FieldError.Invalid("roleRef", JsonAccess.Compact(obj["roleRef"]), "cannot change roleRef"));
        }
    }
}
