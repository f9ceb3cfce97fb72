using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Timonel.Client.Controllers;

/// <summary>
/// Controller references and the ownerReferences patches upstream's ControllerRefManager sends
/// (ownerRefControllerPatch, GenerateDeleteOwnerRefStrategicMergeBytes). Each patch names the
/// object's uid: the server applies it to metadata.uid, which is immutable, so a patch aimed at an
/// object that was replaced by a namesake fails validation instead of changing the new one.
/// </summary>
public static class ControllerRefs
{
    /// <summary>A controller reference that blocks the owner's foreground deletion until the object is gone.</summary>
    public static V1OwnerReference ControllerRef(string apiVersion, string kind, V1ObjectMeta owner) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Name = owner.Name,
        Uid = owner.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>Whether the object's controller reference names this owner's uid.</summary>
    public static bool IsControlledBy(V1ObjectMeta meta, string uid) => ObjectSelectors.ControllerOf(meta)?.Uid == uid;

    /// <summary>Adds <paramref name="controllerRef"/> (and <paramref name="finalizers"/>) to the object with this uid.</summary>
    public static V1Patch AdoptPatch(V1OwnerReference controllerRef, string objectUid, IReadOnlyList<string>? finalizers = null)
    {
        var metadata = new JsonObject
        {
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = controllerRef.ApiVersion,
                ["kind"] = controllerRef.Kind,
                ["name"] = controllerRef.Name,
                ["uid"] = controllerRef.Uid,
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }),
            ["uid"] = objectUid,
        };
        if (finalizers is { Count: > 0 })
        {
            metadata["finalizers"] = new JsonArray([.. finalizers.Select(f => JsonValue.Create(f))]);
        }

        return new V1Patch(new JsonObject { ["metadata"] = metadata }.ToJsonString(), V1Patch.PatchType.StrategicMergePatch);
    }

    /// <summary>Removes the reference to <paramref name="ownerUid"/> (and <paramref name="finalizers"/>) from the object with this uid.</summary>
    public static V1Patch ReleasePatch(string ownerUid, string objectUid, IReadOnlyList<string>? finalizers = null)
    {
        var metadata = new JsonObject
        {
            ["ownerReferences"] = new JsonArray(new JsonObject { ["$patch"] = "delete", ["uid"] = ownerUid }),
            ["uid"] = objectUid,
        };
        if (finalizers is { Count: > 0 })
        {
            metadata["$deleteFromPrimitiveList/finalizers"] = new JsonArray([.. finalizers.Select(f => JsonValue.Create(f))]);
        }

        return new V1Patch(new JsonObject { ["metadata"] = metadata }.ToJsonString(), V1Patch.PatchType.StrategicMergePatch);
    }

    /// <summary>A manager for pods, patched through the core API.</summary>
    public static ControllerRefManager<V1Pod> ForPods(
        IKubernetes client, IKubernetesObject<V1ObjectMeta> owner, string apiVersion, string kind, Api.Selectors.LabelSelector selector,
        Func<CancellationToken, Task<V1ObjectMeta>> readOwner, IReadOnlyList<string>? finalizers = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ControllerRefManager<V1Pod>(
            owner, apiVersion, kind, selector, readOwner,
            (pod, patch, ct) => client.CoreV1.PatchNamespacedPodAsync(patch, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct),
            finalizers);
    }

    /// <summary>A manager for ReplicaSets (a Deployment's), patched through apps/v1.</summary>
    public static ControllerRefManager<V1ReplicaSet> ForReplicaSets(
        IKubernetes client, IKubernetesObject<V1ObjectMeta> owner, string apiVersion, string kind, Api.Selectors.LabelSelector selector,
        Func<CancellationToken, Task<V1ObjectMeta>> readOwner)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ControllerRefManager<V1ReplicaSet>(
            owner, apiVersion, kind, selector, readOwner,
            (rs, patch, ct) => client.AppsV1.PatchNamespacedReplicaSetAsync(patch, rs.Metadata.Name, rs.Metadata.NamespaceProperty, cancellationToken: ct));
    }
}
