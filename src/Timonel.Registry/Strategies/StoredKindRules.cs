using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// Upstream's defaulting and required-field validation of the stored-only kinds
/// (pkg/apis/*/v1/defaults.go and pkg/apis/*/validation), for <see cref="StoredKindStrategy"/>.
/// </summary>
public static class StoredKindRules
{
    private static readonly string[] DistinguisherMethods = ["ByUser", "ByNamespace"];
    private static readonly string[] PriorityLevelTypes = ["Exempt", "Limited"];
    private static readonly string[] SideEffects = ["None", "NoneOnDryRun"];
    private static readonly string[] FailurePolicies = ["Ignore", "Fail"];
    private static readonly string[] ValidationActions = ["Deny", "Warn", "Audit"];

    public static void FlowSchemaDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        if (spec.Int("matchingPrecedence") is null or 0)
        {
            spec["matchingPrecedence"] = 1000;
        }
    }

    public static void FlowSchema(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        if (spec.Obj("priorityLevelConfiguration").Str("name") is not { Length: > 0 })
        {
            errs.Add(FieldError.Required("spec.priorityLevelConfiguration.name", "must reference a priority level"));
        }

        if (spec.Int("matchingPrecedence") is { } p && (p < 1 || p > 10000))
        {
            errs.Add(FieldError.Invalid("spec.matchingPrecedence", p, "must be between 1 and 10000, inclusive"));
        }

        if (spec.Obj("distinguisherMethod") is { } method)
        {
            FieldChecks.OneOf(method, "type", "spec.distinguisherMethod.type", DistinguisherMethods, errs, required: true);
        }

        foreach (var (i, rule) in spec.Arr("rules").Objects())
        {
            if (rule.Arr("subjects") is not { Count: > 0 })
            {
                errs.Add(FieldError.Required($"spec.rules[{i}].subjects", "subjects must contain at least one value"));
            }
        }
    }

    public static void PriorityLevelDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        if (spec.Obj("limited") is { } limited)
        {
            limited.Default("nominalConcurrencyShares", 30);
            limited.Default("lendablePercent", 0);
            if (limited.Obj("limitResponse").Obj("queuing") is { } queuing)
            {
                DefaultPositive(queuing, "queues", 64);
                DefaultPositive(queuing, "handSize", 8);
                DefaultPositive(queuing, "queueLengthLimit", 50);
            }
        }

        if (spec.Obj("exempt") is { } exempt)
        {
            exempt.Default("nominalConcurrencyShares", 0);
            exempt.Default("lendablePercent", 0);
        }
        else if (spec.Str("type") == "Exempt")
        {
            spec["exempt"] = new JsonObject { ["nominalConcurrencyShares"] = 0, ["lendablePercent"] = 0 };
        }
    }

    public static void PriorityLevel(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        FieldChecks.OneOf(spec, "type", "spec.type", PriorityLevelTypes, errs, required: true);
        switch (spec.Str("type"))
        {
            case "Limited" when spec.Obj("limited") is null:
                errs.Add(FieldError.Required("spec.limited", "must not be empty when type is Limited"));
                break;
            case "Limited" when spec.Obj("limited").Obj("limitResponse") is { } response:
                FieldChecks.OneOf(response, "type", "spec.limited.limitResponse.type", ["Queue", "Reject"], errs, required: true);
                break;
            case "Exempt" when spec.Has("limited"):
                errs.Add(FieldError.Forbidden("spec.limited", "must be nil if the type is not Limited"));
                break;
        }
    }

    public static void WebhookDefaults(JsonObject obj, bool mutating)
    {
        foreach (var (_, hook) in obj.Arr("webhooks").Objects())
        {
            hook.DefaultString("failurePolicy", "Fail");
            hook.DefaultString("matchPolicy", "Equivalent");
            hook.Default("namespaceSelector", new JsonObject());
            hook.Default("objectSelector", new JsonObject());
            hook.Default("timeoutSeconds", 10);
            if (mutating)
            {
                hook.DefaultString("reinvocationPolicy", "Never");
            }

            if (hook.Obj("clientConfig").Obj("service") is { } service)
            {
                service.Default("port", 443);
            }

            foreach (var (_, rule) in hook.Arr("rules").Objects())
            {
                rule.DefaultString("scope", "*");
            }
        }
    }

    public static void Webhooks(JsonObject obj, List<FieldError> errs)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, hook) in obj.Arr("webhooks").Objects())
        {
            var at = $"webhooks[{i}]";
            var name = hook.Str("name") ?? "";
            if (name.Length == 0)
            {
                errs.Add(FieldError.Required($"{at}.name", ""));
            }
            else if (!names.Add(name))
            {
                errs.Add(FieldError.Duplicate($"{at}.name", name));
            }

            FieldChecks.OneOf(hook, "sideEffects", $"{at}.sideEffects", SideEffects, errs, required: true);
            FieldChecks.OneOf(hook, "failurePolicy", $"{at}.failurePolicy", FailurePolicies, errs);
            if (hook.Arr("admissionReviewVersions") is not { Count: > 0 })
            {
                errs.Add(FieldError.Required($"{at}.admissionReviewVersions", "must specify one of v1, v1beta1"));
            }

            var config = hook.Obj("clientConfig");
            if (config.Str("url") is null && config.Obj("service") is null)
            {
                errs.Add(FieldError.Required($"{at}.clientConfig", "exactly one of url or service is required"));
            }
        }
    }

    public static void AdmissionPolicyDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.DefaultString("failurePolicy", "Fail");
        if (spec.Obj("matchConstraints") is { } match)
        {
            match.DefaultString("matchPolicy", "Equivalent");
            match.Default("namespaceSelector", new JsonObject());
            match.Default("objectSelector", new JsonObject());
        }
    }

    public static void AdmissionPolicy(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        if (spec.Arr("validations") is not { Count: > 0 } && spec.Arr("auditAnnotations") is not { Count: > 0 })
        {
            errs.Add(FieldError.Required("spec.validations", "validations or auditAnnotations must contain at least one item"));
        }

        if (spec.Obj("matchConstraints") is null)
        {
            errs.Add(FieldError.Required("spec.matchConstraints", ""));
        }

        foreach (var (i, v) in spec.Arr("validations").Objects())
        {
            if (v.Str("expression") is not { Length: > 0 })
            {
                errs.Add(FieldError.Required($"spec.validations[{i}].expression", "expression is not specified"));
            }
        }
    }

    public static void AdmissionPolicyBinding(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        if (spec.Str("policyName") is not { Length: > 0 })
        {
            errs.Add(FieldError.Required("spec.policyName", ""));
        }

        if (spec.Arr("validationActions") is not { Count: > 0 } actions)
        {
            errs.Add(FieldError.Required("spec.validationActions", "at least one validation action is required"));
            return;
        }

        foreach (var (i, action) in actions.Strings())
        {
            if (!ValidationActions.Contains(action))
            {
                errs.Add(FieldError.NotSupported($"spec.validationActions[{i}]", action, ValidationActions));
            }
        }
    }

    public static void RuntimeClass(JsonObject obj, List<FieldError> errs)
    {
        var handler = obj.Str("handler") ?? "";
        if (handler.Length == 0)
        {
            errs.Add(FieldError.Required("handler", ""));
            return;
        }

        foreach (var msg in NameValidation.IsDns1123Label(handler))
        {
            errs.Add(FieldError.Invalid("handler", handler, msg));
        }
    }

    public static void CsiDriverDefaults(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        spec.Default("attachRequired", true);
        spec.Default("podInfoOnMount", false);
        spec.Default("storageCapacity", false);
        spec.Default("requiresRepublish", false);
        spec.Default("seLinuxMount", false);
        spec.DefaultString("fsGroupPolicy", "ReadWriteOnceWithFSType");
        spec.Default("volumeLifecycleModes", new JsonArray("Persistent"));
    }

    public static void CsiDriver(JsonObject obj, List<FieldError> errs)
    {
        FieldChecks.OneOf(obj.Obj("spec"), "fsGroupPolicy", "spec.fsGroupPolicy", ["ReadWriteOnceWithFSType", "File", "None"], errs);
        foreach (var (i, mode) in obj.Obj("spec").Arr("volumeLifecycleModes").Strings())
        {
            if (mode is not ("Persistent" or "Ephemeral"))
            {
                errs.Add(FieldError.NotSupported($"spec.volumeLifecycleModes[{i}]", mode, ["Persistent", "Ephemeral"]));
            }
        }
    }

    public static void CsiNode(JsonObject obj, List<FieldError> errs)
    {
        foreach (var (i, driver) in obj.Obj("spec").Arr("drivers").Objects())
        {
            RequiredString(driver, "name", $"spec.drivers[{i}].name", errs);
            RequiredString(driver, "nodeID", $"spec.drivers[{i}].nodeID", errs);
        }
    }

    public static void VolumeAttachment(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        RequiredString(spec, "attacher", "spec.attacher", errs);
        RequiredString(spec, "nodeName", "spec.nodeName", errs);
        var source = spec.Obj("source");
        if (source.Has("persistentVolumeName") == source.Has("inlineVolumeSpec"))
        {
            errs.Add(FieldError.Required("spec.source", "must specify exactly one of inlineVolumeSpec and persistentVolumeName"));
        }
    }

    public static void CsiStorageCapacity(JsonObject obj, List<FieldError> errs) => RequiredString(obj, "storageClassName", "storageClassName", errs);

    public static void CertificateSigningRequest(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        RequiredString(spec, "signerName", "spec.signerName", errs);
        if (spec.Arr("usages") is not { Count: > 0 })
        {
            errs.Add(FieldError.Required("spec.usages", ""));
        }

        if (spec.Str("request") is not { Length: > 0 } request)
        {
            errs.Add(FieldError.Required("spec.request", ""));
            return;
        }

        string pem;
        try
        {
            pem = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(request));
        }
        catch (FormatException)
        {
            errs.Add(FieldError.Invalid("spec.request", request, "must be base64-encoded PEM"));
            return;
        }

        if (!pem.Contains("-----BEGIN CERTIFICATE REQUEST-----", StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid("spec.request", "[]byte{...}", "PEM block type must be CERTIFICATE REQUEST"));
        }
    }

    /// <summary>spec.service.port defaults to 443, as upstream's.</summary>
    public static void ApiServiceDefaults(JsonObject obj)
    {
        if (obj.Obj("spec")?.Obj("service") is { } service && service["port"] is null)
        {
            service["port"] = 443;
        }
    }

    /// <summary>Upstream's APIService validation, with its messages.</summary>
    public static void ApiService(JsonObject obj, List<FieldError> errs)
    {
        var spec = obj.Obj("spec");
        var group = spec.Str("group") ?? "";
        var version = spec.Str("version") ?? "";
        // "v1." for the core group, as upstream names it.
        var expected = $"{version}.{group}";
        if (obj.Obj("metadata").Str("name") is { Length: > 0 } name && NameValidation.IsPathSegmentName(name, false).Count == 0 && name != expected)
        {
            errs.Add(FieldError.Invalid("metadata.name", name, $"must be `spec.version+\".\"+spec.group`: \"{expected}\""));
        }

        if (group.Length == 0 && version != "v1")
        {
            errs.Add(FieldError.Required("spec.group", "only v1 may have an empty group and it better be legacy kube"));
        }

        if (group.Length > 0)
        {
            foreach (var problem in NameValidation.IsDns1123Subdomain(group))
            {
                errs.Add(FieldError.Invalid("spec.group", group, problem));
            }
        }

        foreach (var problem in NameValidation.IsDns1035Label(version))
        {
            errs.Add(FieldError.Invalid("spec.version", version, problem));
        }

        if (spec.Int("groupPriorityMinimum") is not (> 0 and <= 20000))
        {
            errs.Add(FieldError.Invalid("spec.groupPriorityMinimum", spec.Int("groupPriorityMinimum") ?? 0, "must be positive and less than 20000"));
        }

        if (spec.Int("versionPriority") is not (> 0 and <= 1000))
        {
            errs.Add(FieldError.Invalid("spec.versionPriority", spec.Int("versionPriority") ?? 0, "must be positive and less than 1000"));
        }

        var caBundle = spec.Str("caBundle") ?? "";
        var insecure = spec.Bool("insecureSkipTLSVerify") == true;
        var caBytes = caBundle.Length > 0 && Base64.TryDecodedLength(caBundle, out var length) ? length : caBundle.Length;
        if (spec.Obj("service") is not { } service)
        {
            if (caBundle.Length > 0)
            {
                errs.Add(FieldError.Invalid("spec.caBundle", $"{caBytes} bytes", "local APIServices may not have a caBundle"));
            }

            if (insecure)
            {
                errs.Add(new FieldError(FieldErrorType.Invalid, "spec.insecureSkipTLSVerify", "local APIServices may not have insecureSkipTLSVerify", "true", QuoteValue: false));
            }

            return;
        }

        if (service.Str("namespace") is not { Length: > 0 })
        {
            errs.Add(FieldError.Required("spec.service.namespace", ""));
        }

        if (service.Str("name") is not { Length: > 0 })
        {
            errs.Add(FieldError.Required("spec.service.name", ""));
        }

        var port = service.Int("port") ?? 0;
        if (NameValidation.IsValidPortNum(port) is { Count: > 0 } portProblems)
        {
            errs.Add(FieldError.Invalid("spec.service.port", port, "port is not valid: " + string.Join(", ", portProblems)));
        }

        if (insecure && caBundle.Length > 0)
        {
            errs.Add(new FieldError(FieldErrorType.Invalid, "spec.insecureSkipTLSVerify", "may not be true if caBundle is present", "true", QuoteValue: false));
        }
    }

    private static void RequiredString(JsonObject? parent, string key, string path, List<FieldError> errs)
    {
        if (parent.Str(key) is not { Length: > 0 })
        {
            errs.Add(FieldError.Required(path, ""));
        }
    }

    private static void DefaultPositive(JsonObject obj, string key, int value)
    {
        if (obj.Int(key) is null or 0)
        {
            obj[key] = value;
        }
    }
}
