using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Timonel.Controllers.Deployment;

/// <summary>
/// The pod-template-hash label and template equality (upstream's ComputeHash and EqualIgnoreHash):
/// a 32-bit FNV-1a hash of the template (plus the collision count), its decimal digits mapped onto
/// the "safe" alphabet that cannot spell words. The bytes hashed are canonical JSON, so equal
/// templates always hash alike in this implementation (upstream hashes Go's printed struct).
/// </summary>
public static class PodTemplateHash
{
    public const string Label = "pod-template-hash";

    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string Compute(V1PodTemplateSpec template, int? collisionCount)
    {
        ArgumentNullException.ThrowIfNull(template);
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(Canonical(template, dropHashLabel: false)))
        {
            hash = (hash ^ b) * 16777619u;
        }

        if (collisionCount is { } collisions)
        {
            foreach (var b in BitConverter.GetBytes((uint)collisions))
            {
                hash = (hash ^ b) * 16777619u;
            }
        }

        return SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Whether two templates are the same once the pod-template-hash label is ignored (nil and empty alike).</summary>
    public static bool EqualIgnoreHash(V1PodTemplateSpec? a, V1PodTemplateSpec? b) =>
        a is not null && b is not null && Canonical(a, dropHashLabel: true) == Canonical(b, dropHashLabel: true);

    /// <summary>Each character c of s becomes SafeAlphabet[c mod 27] (upstream's rand.SafeEncodeString).</summary>
    internal static string SafeEncode(string s) => string.Concat(s.Select(c => SafeAlphabet[c % SafeAlphabet.Length]));

    private static string Canonical(V1PodTemplateSpec template, bool dropHashLabel)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(template))!;
        if (dropHashLabel && node["metadata"]?["labels"] is JsonObject labels)
        {
            labels.Remove(Label);
        }

        return Normalize(node)?.ToJsonString() ?? "{}";
    }

    /// <summary>Sorted keys; nulls, empty objects and empty arrays dropped (Go's semantic equality treats nil and empty alike).</summary>
    private static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var sorted = new JsonObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (Normalize(value) is { } normalized)
                    {
                        sorted[key] = normalized;
                    }
                }

                return sorted.Count == 0 ? null : sorted;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array)
                {
                    items.Add(Normalize(item) ?? new JsonObject());
                }

                return items.Count == 0 ? null : items;
            case null:
                return null;
            default:
                return node.DeepClone();
        }
    }
}
