using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Api.Selectors;

namespace Timonel.Controllers.ReplicaSet;

/// <summary>Small helpers the workload controllers share: deep copies, selectors, API error details.</summary>
public static class ObjectCopies
{
    /// <summary>A deep copy of a (cached, read-only) object.</summary>
    public static T DeepCopy<T>(T obj) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));

    /// <summary>The metav1.LabelSelector as a matcher; null selects nothing, as upstream.</summary>
    public static LabelSelector ToSelector(V1LabelSelector? selector) =>
        selector is null ? LabelSelector.Nothing : LabelSelector.FromLabelSelectorJson(JsonNode.Parse(KubernetesJson.Serialize(selector))!.AsObject());

    public static bool Matches(LabelSelector selector, V1ObjectMeta? meta) =>
        selector.Matches((IReadOnlyDictionary<string, string>?)meta?.Labels ?? new Dictionary<string, string>());

    public static HttpStatusCode? StatusOf(Exception e) => (e as HttpOperationException)?.Response?.StatusCode;

    public static bool IsNotFound(Exception e) => StatusOf(e) == HttpStatusCode.NotFound;

    public static bool IsAlreadyExists(Exception e) => StatusOf(e) == HttpStatusCode.Conflict && ReasonOf(e) == "AlreadyExists";

    /// <summary>The API's Status message (what upstream prints for an error), else the exception's message.</summary>
    public static string MessageOf(Exception e)
    {
        if (e is HttpOperationException { Response.Content: { Length: > 0 } content })
        {
            try
            {
                using var doc = JsonDocument.Parse(content);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                {
                    return m.GetString()!;
                }
            }
            catch (JsonException)
            {
                // Not a Status body: fall back to the exception's own text.
            }
        }

        return e.Message;
    }

    private static string? ReasonOf(Exception e)
    {
        if (e is HttpOperationException { Response.Content: { Length: > 0 } content })
        {
            try
            {
                using var doc = JsonDocument.Parse(content);
                return doc.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        return null;
    }
}
