using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Strategies;

/// <summary>Placeholder strategy: status reset on create, kept on update; no checks yet.</summary>
public class GenericStrategy : IResourceStrategy
{
    public virtual void PrepareForCreate(JsonObject obj) => obj.Remove("status");

    public virtual void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        obj.Remove("status");
        if (old["status"] is { } status)
        {
            obj["status"] = status.DeepClone();
        }
    }

    public virtual void PrepareForStatusUpdate(JsonObject obj, JsonObject old)
    {
        foreach (var prop in old)
        {
            if (prop.Key is not ("status" or "metadata" or "apiVersion" or "kind"))
            {
                obj[prop.Key] = prop.Value?.DeepClone();
            }
        }
    }

    public virtual void ApplyDefaults(JsonObject obj) { }

    public virtual IReadOnlyList<FieldError> ValidateCreate(JsonObject obj) => [];

    public virtual IReadOnlyList<FieldError> ValidateUpdate(JsonObject obj, JsonObject old) => [];
}
