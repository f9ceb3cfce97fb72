using System.Text.Json.Nodes;
using Timonel.Api.Validation;

namespace Timonel.ApiServer.Security.Node;

/// <summary>
/// The edges one object declares in the <see cref="NodeGraph"/>, as upstream's graph
/// populator derives them: a bound pod links to its node, and what it uses (secrets,
/// configmaps, its service account, PVCs, generic ephemeral volumes' PVCs) to itself; a PV
/// links to its claim and its secrets to itself; a VolumeAttachment to its node.
/// </summary>
internal static class GraphEdges
{
    /// <summary>The pod's vertex and edges; none when it is not bound to a node (upstream ignores unscheduled pods).</summary>
    public static (Vertex Owner, List<(Vertex, Vertex)> Edges) OfPod(JsonObject pod)
    {
        var ns = ObjectMetaAccess.Namespace(pod) ?? "";
        var name = ObjectMetaAccess.Name(pod) ?? "";
        var self = new Vertex(VertexKind.Pod, ns, name);
        var edges = new List<(Vertex, Vertex)>();
        var spec = pod.Obj("spec");
        if (spec.Str("nodeName") is not { Length: > 0 } nodeName)
        {
            return (self, edges);
        }

        edges.Add((self, Vertex.Node(nodeName)));
        if (spec.Str("serviceAccountName") is { Length: > 0 } account)
        {
            edges.Add((new Vertex(VertexKind.ServiceAccount, ns, account), self));
        }

        foreach (var secret in PodSecretNames(spec))
        {
            edges.Add((new Vertex(VertexKind.Secret, ns, secret), self));
        }

        foreach (var configMap in PodConfigMapNames(spec))
        {
            edges.Add((new Vertex(VertexKind.ConfigMap, ns, configMap), self));
        }

        foreach (var (_, volume) in spec.Arr("volumes").Objects())
        {
            if (volume.Obj("persistentVolumeClaim").Str("claimName") is { Length: > 0 } claim)
            {
                edges.Add((new Vertex(VertexKind.PersistentVolumeClaim, ns, claim), self));
            }
            else if (volume.Has("ephemeral") && volume.Str("name") is { Length: > 0 } volumeName)
            {
                // A generic ephemeral volume's claim is named <pod>-<volume> (upstream's ephemeral.VolumeClaimName).
                edges.Add((new Vertex(VertexKind.PersistentVolumeClaim, ns, $"{name}-{volumeName}"), self));
            }
        }

        return (self, edges);
    }

    /// <summary>The PV's vertex and edges: to its bound claim, and from the secrets its source names.</summary>
    public static (Vertex Owner, List<(Vertex, Vertex)> Edges) OfPersistentVolume(JsonObject pv)
    {
        var self = new Vertex(VertexKind.PersistentVolume, "", ObjectMetaAccess.Name(pv) ?? "");
        var edges = new List<(Vertex, Vertex)>();
        var spec = pv.Obj("spec");
        var claimRef = spec.Obj("claimRef");
        if (claimRef.Str("name") is { Length: > 0 } claim)
        {
            edges.Add((self, new Vertex(VertexKind.PersistentVolumeClaim, claimRef.Str("namespace") ?? "", claim)));
        }

        foreach (var (ns, secret) in PersistentVolumeSecrets(spec, claimRef.Str("namespace") ?? ""))
        {
            edges.Add((new Vertex(VertexKind.Secret, ns, secret), self));
        }

        return (self, edges);
    }

    /// <summary>The VolumeAttachment's vertex and its edge to the node it attaches to.</summary>
    public static (Vertex Owner, List<(Vertex, Vertex)> Edges) OfVolumeAttachment(JsonObject attachment)
    {
        var self = new Vertex(VertexKind.VolumeAttachment, "", ObjectMetaAccess.Name(attachment) ?? "");
        var edges = new List<(Vertex, Vertex)>();
        if (attachment.Obj("spec").Str("nodeName") is { Length: > 0 } node)
        {
            edges.Add((self, Vertex.Node(node)));
        }

        return (self, edges);
    }

    /// <summary>Upstream's VisitPodSecretNames over every container kind and volume source that names a secret.</summary>
    public static IEnumerable<string> PodSecretNames(JsonObject? spec)
    {
        foreach (var (_, pull) in spec.Arr("imagePullSecrets").Objects())
        {
            if (pull.Str("name") is { Length: > 0 } name)
            {
                yield return name;
            }
        }

        foreach (var container in Containers(spec))
        {
            foreach (var (_, from) in container.Arr("envFrom").Objects())
            {
                if (from.Obj("secretRef").Str("name") is { Length: > 0 } name)
                {
                    yield return name;
                }
            }

            foreach (var (_, variable) in container.Arr("env").Objects())
            {
                if (variable.Obj("valueFrom").Obj("secretKeyRef").Str("name") is { Length: > 0 } name)
                {
                    yield return name;
                }
            }
        }

        foreach (var (_, volume) in spec.Arr("volumes").Objects())
        {
            if (volume.Obj("secret").Str("secretName") is { Length: > 0 } secret)
            {
                yield return secret;
            }

            foreach (var (_, source) in volume.Obj("projected").Arr("sources").Objects())
            {
                if (source.Obj("secret").Str("name") is { Length: > 0 } projected)
                {
                    yield return projected;
                }
            }

            // Volume plugins whose secretRef lives in the pod's namespace.
            foreach (var plugin in (string[])["cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos"])
            {
                if (volume.Obj(plugin).Obj("secretRef").Str("name") is { Length: > 0 } pluginSecret)
                {
                    yield return pluginSecret;
                }
            }

            if (volume.Obj("azureFile").Str("secretName") is { Length: > 0 } azure)
            {
                yield return azure;
            }

            if (volume.Obj("csi").Obj("nodePublishSecretRef").Str("name") is { Length: > 0 } csi)
            {
                yield return csi;
            }
        }
    }

    /// <summary>Upstream's VisitPodConfigmapNames: env, envFrom, configMap volumes and projected sources.</summary>
    public static IEnumerable<string> PodConfigMapNames(JsonObject? spec)
    {
        foreach (var container in Containers(spec))
        {
            foreach (var (_, from) in container.Arr("envFrom").Objects())
            {
                if (from.Obj("configMapRef").Str("name") is { Length: > 0 } name)
                {
                    yield return name;
                }
            }

            foreach (var (_, variable) in container.Arr("env").Objects())
            {
                if (variable.Obj("valueFrom").Obj("configMapKeyRef").Str("name") is { Length: > 0 } name)
                {
                    yield return name;
                }
            }
        }

        foreach (var (_, volume) in spec.Arr("volumes").Objects())
        {
            if (volume.Obj("configMap").Str("name") is { Length: > 0 } configMap)
            {
                yield return configMap;
            }

            foreach (var (_, source) in volume.Obj("projected").Arr("sources").Objects())
            {
                if (source.Obj("configMap").Str("name") is { Length: > 0 } projected)
                {
                    yield return projected;
                }
            }
        }
    }

    private static IEnumerable<JsonObject> Containers(JsonObject? spec)
    {
        foreach (var list in (string[])["initContainers", "containers", "ephemeralContainers"])
        {
            foreach (var (_, container) in spec.Arr(list).Objects())
            {
                yield return container;
            }
        }
    }

    // Upstream's VisitPVSecretNames: a source's secretRef names its namespace, or defaults to the claim's.
    private static IEnumerable<(string Namespace, string Name)> PersistentVolumeSecrets(JsonObject? spec, string claimNamespace)
    {
        if (spec.Obj("azureFile") is { } azure && azure.Str("secretName") is { Length: > 0 } azureSecret)
        {
            yield return (azure.Str("secretNamespace") is { Length: > 0 } azureNs ? azureNs : claimNamespace, azureSecret);
        }

        foreach (var plugin in (string[])["cephfs", "cinder", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos"])
        {
            if (spec.Obj(plugin).Obj("secretRef") is { } reference && reference.Str("name") is { Length: > 0 } secret)
            {
                yield return (reference.Str("namespace") is { Length: > 0 } ns ? ns : claimNamespace, secret);
            }
        }

        var csi = spec.Obj("csi");
        foreach (var field in (string[])["controllerPublishSecretRef", "nodeStageSecretRef", "nodePublishSecretRef", "controllerExpandSecretRef", "nodeExpandSecretRef"])
        {
            if (csi.Obj(field) is { } reference && reference.Str("name") is { Length: > 0 } secret && reference.Str("namespace") is { Length: > 0 } ns)
            {
                yield return (ns, secret);
            }
        }
    }
}
