using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.Strategies;
using Xunit;

namespace Timonel.Api.Tests.Strategies;

/// <summary>Runs a strategy the way the API server does, with the server's own fields filled in.</summary>
internal static class StrategyHarness
{
    public const string Uid = "3f6c2b1e-8d7a-4c1b-9e2f-5a4b3c2d1e0f";

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>Create: server fields, PrepareForCreate, ApplyDefaults, ValidateCreate.</summary>
    public static (JsonObject Obj, IReadOnlyList<FieldError> Errors) Create(IResourceStrategy strategy, string json)
    {
        var obj = Parse(json);
        var meta = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = meta;
        meta["uid"] = Uid;
        meta["creationTimestamp"] = "2025-01-01T00:00:00Z";
        strategy.PrepareForCreate(obj);
        strategy.ApplyDefaults(obj);
        return (obj, strategy.ValidateCreate(obj));
    }

    /// <summary>A valid create whose result is the stored object.</summary>
    public static JsonObject Stored(IResourceStrategy strategy, string json)
    {
        var (obj, errors) = Create(strategy, json);
        Assert.True(errors.Count == 0, "unexpected errors: " + string.Join("; ", errors));
        return obj;
    }

    /// <summary>Update of the main resource from a stored object and a changed copy.</summary>
    public static (JsonObject Obj, IReadOnlyList<FieldError> Errors) Update(IResourceStrategy strategy, JsonObject old, Action<JsonObject> change)
    {
        var obj = (JsonObject)old.DeepClone();
        change(obj);
        strategy.PrepareForUpdate(obj, old);
        strategy.ApplyDefaults(obj);
        return (obj, strategy.ValidateUpdate(obj, old));
    }

    public static void HasError(IReadOnlyList<FieldError> errors, FieldErrorType type, string field, string? detailPart = null)
    {
        Assert.True(
            errors.Any(e => e.Type == type && e.Field == field && (detailPart is null || e.Detail.Contains(detailPart, StringComparison.Ordinal))),
            $"expected {type} at {field}{(detailPart is null ? "" : $" containing \"{detailPart}\"")}, got: {string.Join("; ", errors)}");
    }
}
