using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// apiextensions.k8s.io/v1 CustomResourceDefinition validation with upstream's field paths and
/// messages (apiextensions validation.go; the conversion fields keep upstream's internal names,
/// as its errors do). Schemas must be structural (<see cref="Schema.StructuralSchemaCheck"/>).
/// </summary>
public static class CrdValidation
{
    public const string ApprovalAnnotation = "api-approved.kubernetes.io";

    private static readonly string[] Scopes = ["Cluster", "Namespaced"];
    private static readonly string[] ConversionStrategies = ["None", "Webhook"];
    private static readonly string[] ConversionReviewVersions = ["v1", "v1beta1"];
    private static readonly HashSet<string> ColumnTypes = ["boolean", "date", "integer", "number", "string"];
    private static readonly HashSet<string> ColumnFormats = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"];

    /// <summary>Upstream's MaxSelectableFields.</summary>
    public const int MaxSelectableFields = 8;

    private const string ApprovalPr = "see https://github.com/kubernetes/enhancements/pull/1111";

    public static void Validate(JsonObject crd, JsonObject? old, List<FieldError> errs)
    {
        var spec = crd.Obj("spec");
        var group = spec.Str("group") ?? "";
        var names = spec.Obj("names");
        var name = crd.Obj("metadata").Str("name") ?? "";
        if (name.Length > 0 && name != $"{names.Str("plural")}.{group}")
        {
            errs.Add(FieldError.Invalid("metadata.name", name, "must be spec.names.plural+\".\"+spec.group"));
        }

        ValidateApproval(crd, old, group, errs);
        if (group.Length == 0)
        {
            errs.Add(FieldError.Required("spec.group"));
        }
        else if (NameValidation.IsDns1123Subdomain(group) is { Count: > 0 } groupErrs)
        {
            errs.Add(FieldError.Invalid("spec.group", group, string.Join(",", groupErrs)));
        }
        else if (!group.Contains('.', StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid("spec.group", group, "should be a domain with at least one dot"));
        }

        switch (spec.Str("scope"))
        {
            case null or "":
                errs.Add(FieldError.Required("spec.scope"));
                break;
            case "Cluster" or "Namespaced":
                break;
            case var other:
                errs.Add(FieldError.NotSupported("spec.scope", other, Scopes));
                break;
        }

        ValidateVersions(spec, errs);
        ValidateConversion(spec.Obj("conversion"), errs);
        if (spec.Bool("preserveUnknownFields") == true)
        {
            errs.Add(new FieldError(FieldErrorType.Invalid, "spec.preserveUnknownFields", "must be false in order to use defaults in the schema", "true", QuoteValue: false));
        }

        foreach (var field in new[] { "plural", "singular", "kind", "listKind" })
        {
            if (names.Str(field) is not { Length: > 0 })
            {
                errs.Add(FieldError.Required($"spec.names.{field}"));
            }
        }

        ValidateNames(names, "spec.names", errs);
        ValidateNames(crd.Obj("status").Obj("acceptedNames"), "status.acceptedNames", errs);
        if (old is not null)
        {
            ValidateUpdate(crd, old, errs);
        }
    }

    /// <summary>Checks of a names block (spec.names or status.acceptedNames), as upstream's ValidateCustomResourceDefinitionNames.</summary>
    public static void ValidateNames(JsonObject? names, string path, List<FieldError> errs)
    {
        if (names is null)
        {
            return;
        }

        Dns1035(names.Str("plural"), $"{path}.plural", "", errs);
        Dns1035(names.Str("singular"), $"{path}.singular", "", errs);
        var kind = names.Str("kind");
        var listKind = names.Str("listKind");
        if (kind is { Length: > 0 } && NameValidation.IsDns1035Label(kind.ToLowerInvariant()) is { Count: > 0 } kindErrs)
        {
            errs.Add(FieldError.Invalid($"{path}.kind", kind, "may have mixed case, but should otherwise match: " + string.Join(",", kindErrs)));
        }

        if (listKind is { Length: > 0 } && NameValidation.IsDns1035Label(listKind.ToLowerInvariant()) is { Count: > 0 } listErrs)
        {
            errs.Add(FieldError.Invalid($"{path}.listKind", listKind, "may have mixed case, but should otherwise match: " + string.Join(",", listErrs)));
        }

        foreach (var (i, shortName) in names.Arr("shortNames").Strings())
        {
            if (NameValidation.IsDns1035Label(shortName) is { Count: > 0 } e)
            {
                errs.Add(FieldError.Invalid($"{path}.shortNames[{i}]", shortName, string.Join(",", e)));
            }
        }

        if (kind is { Length: > 0 } && kind == listKind)
        {
            errs.Add(FieldError.Invalid($"{path}.listKind", listKind, "kind and listKind may not be the same"));
        }

        foreach (var (i, category) in names.Arr("categories").Strings())
        {
            if (NameValidation.IsDns1035Label(category) is { Count: > 0 } e)
            {
                errs.Add(FieldError.Invalid($"{path}.categories[{i}]", category, string.Join(",", e)));
            }
        }
    }

    private static void Dns1035(string? value, string path, string prefix, List<FieldError> errs)
    {
        if (value is { Length: > 0 } && NameValidation.IsDns1035Label(value) is { Count: > 0 } e)
        {
            errs.Add(FieldError.Invalid(path, value, prefix + string.Join(",", e)));
        }
    }

    private static void ValidateVersions(JsonObject? spec, List<FieldError> errs)
    {
        var versions = spec.Arr("versions");
        var storage = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = true;
        var hasStatus = false;
        foreach (var (i, version) in versions.Objects())
        {
            var path = $"spec.versions[{i}]";
            var name = version.Str("name") ?? "";
            if (version.Bool("storage") == true)
            {
                storage++;
            }

            if (!seen.Add(name))
            {
                unique = false;
            }

            if (NameValidation.IsDns1035Label(name) is { Count: > 0 } nameErrs)
            {
                errs.Add(FieldError.Invalid($"{path}.name", name, string.Join(",", nameErrs)));
            }

            ValidateSchema(version.Obj("schema").Obj("openAPIV3Schema"), $"{path}.schema.openAPIV3Schema", errs);
            var subresources = version.Obj("subresources");
            hasStatus |= subresources?["status"] is not null;
            ValidateScale(subresources.Obj("scale"), $"{path}.subresources.scale", errs);
            foreach (var (j, column) in version.Arr("additionalPrinterColumns").Objects())
            {
                ValidateColumn(column, $"{path}.additionalPrinterColumns[{j}]", errs);
            }

            ValidateSelectableFields(version, $"{path}.selectableFields", errs);
            if (version.Str("deprecationWarning") is { } warning && version.Bool("deprecated") != true)
            {
                errs.Add(FieldError.Invalid($"{path}.deprecationWarning", warning, "can only be set for deprecated versions"));
            }
        }

        if (!unique)
        {
            errs.Add(new FieldError(FieldErrorType.Invalid, "spec.versions", "must contain unique version names"));
        }

        if (storage != 1)
        {
            errs.Add(new FieldError(FieldErrorType.Invalid, "spec.versions", "must have exactly one version marked as storage version"));
        }
    }

    private static void ValidateSchema(JsonObject? schema, string path, List<FieldError> errs)
    {
        if (schema is null)
        {
            errs.Add(FieldError.Required(path, "schemas are required"));
            return;
        }

        var before = errs.Count;
        switch (schema.Str("type"))
        {
            case null or "":
                errs.Add(FieldError.Required($"{path}.type", "must not be empty at the root"));
                break;
            case "object":
                break;
            case var other:
                errs.Add(FieldError.Invalid($"{path}.type", other, "must be object at the root"));
                break;
        }

        Schema.StructuralSchemaCheck.Validate(schema, path, errs);

        // CEL rules compile only against a structural schema without errors (their types come from it), as upstream.
        if (errs.Count == before)
        {
            Cel.CrdRuleValidator.ValidateSchema(schema, path, errs);
        }
    }

    private static void ValidateScale(JsonObject? scale, string path, List<FieldError> errs)
    {
        if (scale is null)
        {
            return;
        }

        var spec = scale.Str("specReplicasPath");
        if (spec is not { Length: > 0 })
        {
            errs.Add(FieldError.Required($"{path}.specReplicasPath"));
        }
        else if (SimplePath(spec, $"{path}.specReplicasPath", errs) && !spec.StartsWith(".spec.", StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid($"{path}.specReplicasPath", spec, "should be a json path under .spec"));
        }

        var status = scale.Str("statusReplicasPath");
        if (status is not { Length: > 0 })
        {
            errs.Add(FieldError.Required($"{path}.statusReplicasPath"));
        }
        else if (SimplePath(status, $"{path}.statusReplicasPath", errs) && !status.StartsWith(".status.", StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid($"{path}.statusReplicasPath", status, "should be a json path under .status"));
        }

        if (scale.Str("labelSelectorPath") is { Length: > 0 } selector && SimplePath(selector, $"{path}.labelSelectorPath", errs)
            && !selector.StartsWith(".spec.", StringComparison.Ordinal) && !selector.StartsWith(".status.", StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid($"{path}.labelSelectorPath", selector, "should be a json path under either .spec or .status"));
        }
    }

    private static bool SimplePath(string value, string path, List<FieldError> errs)
    {
        if (!value.StartsWith('.'))
        {
            errs.Add(FieldError.Invalid(path, value, "must be a simple json path starting with ."));
            return false;
        }

        return true;
    }

    private static void ValidateColumn(JsonObject column, string path, List<FieldError> errs)
    {
        if (column.Str("name") is not { Length: > 0 })
        {
            errs.Add(FieldError.Required($"{path}.name"));
        }

        var typeList = "must be one of " + string.Join(",", ColumnTypes.Order(StringComparer.Ordinal));
        switch (column.Str("type"))
        {
            case null or "":
                errs.Add(FieldError.Required($"{path}.type", typeList));
                break;
            case var t when !ColumnTypes.Contains(t):
                errs.Add(FieldError.Invalid($"{path}.type", t, typeList));
                break;
        }

        if (column.Str("format") is { Length: > 0 } format && !ColumnFormats.Contains(format))
        {
            errs.Add(FieldError.Invalid($"{path}.format", format, "must be one of " + string.Join(",", ColumnFormats.Order(StringComparer.Ordinal))));
        }

        if (column.Str("jsonPath") is not { Length: > 0 } jsonPath)
        {
            errs.Add(FieldError.Required($"{path}.jsonPath"));
        }
        else if (SimpleJsonPath.Parse(jsonPath) is { Error: { } error })
        {
            errs.Add(FieldError.Invalid($"{path}.jsonPath", jsonPath, error));
        }
    }

    /// <summary>Upstream's ValidateCustomResourceSelectableFields: string, boolean or integer fields outside metadata, no array notation, unique, at most 8.</summary>
    private static void ValidateSelectableFields(JsonObject version, string path, List<FieldError> errs)
    {
        if (version.Arr("selectableFields") is not { Count: > 0 } fields)
        {
            return;
        }

        if (version.Obj("schema").Obj("openAPIV3Schema") is not { } schema)
        {
            // Upstream's words, though the schema is what is missing.
            errs.Add(FieldError.Invalid(path, "", "selectableFields may only be set when version.schema.openAPIV3Schema is not included"));
            return;
        }

        var unique = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (i, field) in fields.Objects())
        {
            var fieldPath = $"{path}[{i}].jsonPath";
            if (field.Str("jsonPath") is not { Length: > 0 } jsonPath)
            {
                errs.Add(FieldError.Required(fieldPath));
                continue;
            }

            if (Cel.CrdFieldPath.Resolve(jsonPath, schema, out var leaf) is not { } segments || leaf is null)
            {
                errs.Add(FieldError.Invalid(fieldPath, jsonPath, "is an invalid path: does not refer to a valid field"));
                continue;
            }

            if (segments[0] == "metadata")
            {
                errs.Add(FieldError.Invalid(fieldPath, jsonPath, "must not point to fields in metadata"));
            }

            if (leaf.Str("type") is not ("string" or "boolean" or "integer"))
            {
                errs.Add(FieldError.Invalid(fieldPath, jsonPath, "must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed."));
            }

            if (!unique.Add(string.Join('.', segments)))
            {
                errs.Add(FieldError.Duplicate(fieldPath, jsonPath));
            }
        }

        if (unique.Count > MaxSelectableFields)
        {
            errs.Add(FieldError.TooMany(path, unique.Count, MaxSelectableFields));
        }
    }

    private static void ValidateConversion(JsonObject? conversion, List<FieldError> errs)
    {
        if (conversion is null)
        {
            return;
        }

        var strategy = conversion.Str("strategy");
        if (strategy is not ("None" or "Webhook"))
        {
            errs.Add(FieldError.NotSupported("spec.conversion.strategy", strategy ?? "", ConversionStrategies));
            return;
        }

        var webhook = conversion.Obj("webhook");
        var clientConfig = webhook.Obj("clientConfig");
        var reviewVersions = webhook.Arr("conversionReviewVersions");
        if (strategy == "Webhook")
        {
            if (clientConfig is null)
            {
                errs.Add(FieldError.Required("spec.conversion.webhookClientConfig", "required when strategy is set to Webhook"));
            }
            else if ((clientConfig["url"] is null) == (clientConfig["service"] is null))
            {
                errs.Add(FieldError.Required("spec.conversion.webhookClientConfig", "exactly one of url or service is required"));
            }
            else if (clientConfig.Str("url") is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "https"))
            {
                errs.Add(FieldError.Invalid("spec.conversion.webhookClientConfig.url", url, "'https' is the only allowed URL scheme"));
            }
            else if (clientConfig.Obj("service") is { } service)
            {
                if (service.Str("name") is not { Length: > 0 })
                {
                    errs.Add(FieldError.Required("spec.conversion.webhookClientConfig.service.name", "service name is required"));
                }

                if (service.Str("namespace") is not { Length: > 0 })
                {
                    errs.Add(FieldError.Required("spec.conversion.webhookClientConfig.service.namespace", "service namespace is required"));
                }
            }

            if (reviewVersions is not { Count: > 0 })
            {
                errs.Add(FieldError.Required("spec.conversion.conversionReviewVersions", "must include at least one of " + string.Join(", ", ConversionReviewVersions)));
            }
            else if (!reviewVersions.Strings().Any(v => ConversionReviewVersions.Contains(v.Value)))
            {
                errs.Add(new FieldError(FieldErrorType.Invalid, "spec.conversion.conversionReviewVersions", "must include at least one of " + string.Join(", ", ConversionReviewVersions)));
            }
        }
        else
        {
            if (clientConfig is not null)
            {
                errs.Add(FieldError.Forbidden("spec.conversion.webhookClientConfig", "should not be set when strategy is not set to Webhook"));
            }

            if (reviewVersions is { Count: > 0 })
            {
                errs.Add(FieldError.Forbidden("spec.conversion.conversionReviewVersions", "should not be set when strategy is not set to Webhook"));
            }
        }
    }

    // Groups under k8s.io and kubernetes.io need the approval annotation, checked when its state changes (as upstream).
    private static void ValidateApproval(JsonObject crd, JsonObject? old, string group, List<FieldError> errs)
    {
        if (!(group is "k8s.io" or "kubernetes.io" || group.EndsWith(".k8s.io", StringComparison.Ordinal) || group.EndsWith(".kubernetes.io", StringComparison.Ordinal)))
        {
            return;
        }

        var state = ApprovalState(crd);
        if (old is not null && ApprovalState(old) == state)
        {
            return;
        }

        var path = $"metadata.annotations[{ApprovalAnnotation}]";
        if (state == Approval.Missing)
        {
            errs.Add(FieldError.Required(path, $"protected groups must have approval annotation \"{ApprovalAnnotation}\", {ApprovalPr}"));
        }
        else if (state == Approval.Invalid)
        {
            errs.Add(FieldError.Invalid(path, crd.Obj("metadata").Obj("annotations").Str(ApprovalAnnotation),
                $"protected groups must have approval annotation \"{ApprovalAnnotation}\" with either a URL or a reason starting with \"unapproved\", {ApprovalPr}"));
        }
    }

    private enum Approval
    {
        Missing,
        Invalid,
        Approved,
        Bypassed,
    }

    private static Approval ApprovalState(JsonObject crd) => crd.Obj("metadata").Obj("annotations").Str(ApprovalAnnotation) switch
    {
        null => Approval.Missing,
        var a when a.StartsWith("unapproved", StringComparison.Ordinal) => Approval.Bypassed,
        var a when Uri.TryCreate(a, UriKind.Absolute, out _) || a.StartsWith('/') => Approval.Approved,
        _ => Approval.Invalid,
    };

    private static void ValidateUpdate(JsonObject crd, JsonObject old, List<FieldError> errs)
    {
        var spec = crd.Obj("spec");
        var oldSpec = old.Obj("spec");
        var established = old.Obj("status").Arr("conditions").Objects().Any(c => c.Item.Str("type") == "Established" && c.Item.Str("status") == "True");
        if (established)
        {
            FieldChecks.Immutable(spec?["scope"], oldSpec?["scope"], "spec.scope", errs);
            FieldChecks.Immutable(spec.Obj("names")?["kind"], oldSpec.Obj("names")?["kind"], "spec.names.kind", errs);
        }

        FieldChecks.Immutable(spec?["group"], oldSpec?["group"], "spec.group", errs);
        FieldChecks.Immutable(spec.Obj("names")?["plural"], oldSpec.Obj("names")?["plural"], "spec.names.plural", errs);
        var versions = spec.Arr("versions").Objects().Select(v => v.Item.Str("name")).ToHashSet(StringComparer.Ordinal);
        foreach (var (i, stored) in crd.Obj("status").Arr("storedVersions").Strings())
        {
            if (!versions.Contains(stored))
            {
                errs.Add(FieldError.Invalid($"status.storedVersions[{i}]", stored, "must appear in spec.versions"));
            }
        }
    }
}
