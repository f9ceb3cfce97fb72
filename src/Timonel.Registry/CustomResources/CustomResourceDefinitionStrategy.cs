using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// apiextensions.k8s.io/v1 CustomResourceDefinitions: v1's defaults (singular, listKind,
/// conversion None), status.storedVersions kept to the storage versions ever used, and
/// upstream's validation (<see cref="CrdValidation"/>). Status is the server's (NamesAccepted,
/// Established, Terminating; see the CRD controller).
/// </summary>
public sealed class CustomResourceDefinitionStrategy() : ResourceStrategy(namespaced: false, hasStatus: true)
{
    public override void PrepareForCreate(JsonObject obj)
    {
        base.PrepareForCreate(obj);
        AddStoredVersion(obj);
    }

    public override void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        base.PrepareForUpdate(obj, old);
        AddStoredVersion(obj);
    }

    public override void ApplyDefaults(JsonObject obj)
    {
        if (obj["spec"] is not JsonObject spec)
        {
            return;
        }

        if (spec["names"] is JsonObject names && names.Str("kind") is { Length: > 0 } kind)
        {
            if (names.Str("singular") is not { Length: > 0 })
            {
                names["singular"] = kind.ToLowerInvariant();
            }

            if (names.Str("listKind") is not { Length: > 0 })
            {
                names["listKind"] = kind + "List";
            }
        }

        if (spec["conversion"] is null)
        {
            spec["conversion"] = new JsonObject { ["strategy"] = "None" };
        }
    }

    protected override void Validate(JsonObject obj, List<FieldError> errs) => CrdValidation.Validate(obj, null, errs);

    protected override void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs)
    {
        // Validate ran the create checks; add the update's own ones.
        var updateErrs = new List<FieldError>();
        CrdValidation.Validate(obj, old, updateErrs);
        var createErrs = new List<FieldError>();
        CrdValidation.Validate(obj, null, createErrs);
        errs.AddRange(updateErrs.Where(e => !createErrs.Contains(e)));
        // The approval check passes on update when the state did not change.
        errs.RemoveAll(e => e.Field.StartsWith("metadata.annotations[" + CrdValidation.ApprovalAnnotation, StringComparison.Ordinal) && !updateErrs.Contains(e));
    }

    // A version that becomes the storage version is remembered until an admin removes it (objects may still be stored in it).
    private static void AddStoredVersion(JsonObject obj)
    {
        var storage = obj.Obj("spec").Arr("versions").Objects().Where(v => v.Item.Bool("storage") == true).Select(v => v.Item.Str("name")).OfType<string>().ToList();
        if (storage.Count != 1)
        {
            return;
        }

        var status = obj["status"] as JsonObject ?? [];
        obj["status"] = status;
        var stored = status["storedVersions"] as JsonArray;
        if (stored is null)
        {
            stored = [];
            status["storedVersions"] = stored;
        }

        if (!stored.Strings().Any(s => s.Value == storage[0]))
        {
            stored.Add(storage[0]);
        }
    }
}
