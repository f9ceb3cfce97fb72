using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Strategies.Validation;

namespace Timonel.Registry.Strategies;

/// <summary>
/// The common shape of every strategy (upstream's registry strategy): status handling decided
/// by whether the kind has a status subresource, metadata validated for all kinds, and hooks
/// for a kind's own defaulting and checks. Instances are stateless and shared.
/// </summary>
public abstract class ResourceStrategy : IResourceStrategy
{
    protected ResourceStrategy(bool namespaced, bool hasStatus)
    {
        Namespaced = namespaced;
        HasStatus = hasStatus;
    }

    /// <summary>Whether objects live in a namespace.</summary>
    public bool Namespaced { get; }

    /// <summary>Whether status is written only through /status (reset on create, kept on main updates).</summary>
    public bool HasStatus { get; }

    /// <summary>The rule metadata.name follows; DNS-1123 subdomain unless a kind says otherwise.</summary>
    protected virtual NameRule NameRule => NameRules.DnsSubdomain;

    /// <summary>Whether a /status update keeps the old labels too (upstream's apps kinds do).</summary>
    protected virtual bool StatusUpdateKeepsLabels => false;

    /// <summary>
    /// The status a new object starts with, as upstream's PrepareForCreate resets it to an empty
    /// Go struct and encodes it: fields without omitempty appear as zeros (ReplicaSet's replicas,
    /// Service's loadBalancer), the rest vanish, so most kinds show "status": {}. Clients read
    /// resp.status right after a create.
    /// </summary>
    protected virtual JsonObject InitialStatus() => [];

    public virtual void PrepareForCreate(JsonObject obj)
    {
        if (HasStatus)
        {
            obj["status"] = InitialStatus();
        }
    }

    public virtual void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        if (HasStatus)
        {
            CopyFromOld(obj, old, "status");
        }
    }

    public virtual void PrepareForStatusUpdate(JsonObject obj, JsonObject old)
    {
        foreach (var key in obj.Select(p => p.Key).ToList())
        {
            if (key is not ("status" or "metadata" or "apiVersion" or "kind"))
            {
                obj.Remove(key);
            }
        }
        foreach (var (key, value) in old)
        {
            if (key is not ("status" or "metadata" or "apiVersion" or "kind"))
            {
                obj[key] = value?.DeepClone();
            }
        }
        if (StatusUpdateKeepsLabels && obj["metadata"] is JsonObject meta)
        {
            CopyFromOld(meta, old.Obj("metadata") ?? [], "labels");
        }
    }

    public virtual void ApplyDefaults(JsonObject obj) { }

    public IReadOnlyList<FieldError> ValidateCreate(JsonObject obj)
    {
        var errs = new List<FieldError>();
        ObjectMetaValidation.Validate(obj.Obj("metadata"), NameRule, Namespaced, errs);
        Validate(obj, errs);
        return errs;
    }

    public IReadOnlyList<FieldError> ValidateUpdate(JsonObject obj, JsonObject old)
    {
        var errs = new List<FieldError>();
        ObjectMetaValidation.ValidateUpdate(obj.Obj("metadata"), old.Obj("metadata"), NameRule, Namespaced, errs);
        Validate(obj, errs);
        ValidateTransition(obj, old, errs);
        return errs;
    }

    /// <summary>Checks of the object itself, on create and on update.</summary>
    protected virtual void Validate(JsonObject obj, List<FieldError> errs) { }

    /// <summary>Checks of an update against the old object (immutable fields).</summary>
    protected virtual void ValidateTransition(JsonObject obj, JsonObject old, List<FieldError> errs) { }

    /// <summary>Replaces obj[key] with a copy of old[key], or removes it when old has none.</summary>
    protected static void CopyFromOld(JsonObject obj, JsonObject old, string key)
    {
        if (old[key] is { } value)
        {
            obj[key] = value.DeepClone();
        }
        else
        {
            obj.Remove(key);
        }
    }
}
