using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Timonel.Controllers.History;

/// <summary>
/// What a StatefulSet's or DaemonSet's ControllerRevision records: the pod template as the
/// strategic-merge patch <c>{"spec":{"template":{..., "$patch":"replace"}}}</c>, as upstream stores
/// it (so `kubectl rollout history/undo` read it the same way).
/// </summary>
public static class TemplateRevisions
{
    /// <summary>The revision data for a template, in one canonical spelling (same template, same string).</summary>
    public static string DataOf(V1PodTemplateSpec template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var node = JsonNode.Parse(KubernetesJson.Serialize(template))!.AsObject();
        node["$patch"] = "replace";
        return new JsonObject { ["spec"] = new JsonObject { ["template"] = node } }.ToJsonString();
    }

    /// <summary>The pod template a revision recorded; null when its data holds none.</summary>
    public static V1PodTemplateSpec? TemplateOf(V1ControllerRevision revision)
    {
        ArgumentNullException.ThrowIfNull(revision);
        if (revision.Data is null)
        {
            return null;
        }

        var data = revision.Data is JsonNode node ? node : JsonNode.Parse(KubernetesJson.Serialize(revision.Data));
        if (data?["spec"]?["template"] is not JsonObject template)
        {
            return null;
        }

        var copy = template.DeepClone().AsObject();
        copy.Remove("$patch");
        return KubernetesJson.Deserialize<V1PodTemplateSpec>(copy.ToJsonString());
    }

    /// <summary>Whether the revision recorded exactly this data (compared after both are put in canonical form).</summary>
    public static bool Records(V1ControllerRevision revision, string data)
    {
        var template = TemplateOf(revision);
        return template is not null && DataOf(template) == data;
    }
}
