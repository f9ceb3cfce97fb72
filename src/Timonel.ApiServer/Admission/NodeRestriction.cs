using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Security.Node;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Upstream 1.33's NodeRestriction admission plugin: a node's kubelet (user
/// "system:node:&lt;name&gt;" in group "system:nodes") may write only what belongs to it: its
/// own Node (not its taints, ownerReferences or protected labels), mirror pods bound to it,
/// the status of its pods, evictions of its pods, tokens bound to its pods, its own Lease and
/// CSINode, and the status of PVCs. Other users pass untouched, so the plugin is harmless
/// under any authorizer. Refusals are 403s worded as upstream's.
/// </summary>
internal sealed class NodeRestriction(WatchedObjects nodes, PodPlacements pods) : RequestAdmissionHook
{
    private const string MirrorPodAnnotation = "kubernetes.io/config.mirror";
    private const string NodeLeaseNamespace = "kube-node-lease";

    public override Task ValidateAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (!NodeIdentity.TryGet(request.User, out var node))
        {
            return Task.CompletedTask;
        }

        if (node.Length == 0)
        {
            throw Forbidden(request, $"could not determine node from user \"{request.User.Name}\"");
        }

        return (request.Resource.Group, request.Resource.Plural) switch
        {
            ("", "pods") => AdmitPodAsync(node, request, cancellationToken),
            ("", "nodes") => AdmitNode(node, request),
            ("", "persistentvolumeclaims") => AdmitClaim(node, request),
            ("", "serviceaccounts") => AdmitTokenAsync(node, request, cancellationToken),
            ("coordination.k8s.io", "leases") => AdmitLease(request),
            ("storage.k8s.io", "csinodes") => AdmitCsiNode(request),
            _ => Task.CompletedTask,
        };
    }

    private Task AdmitPodAsync(string node, AdmissionRequest request, CancellationToken cancellationToken) => request.Subresource switch
    {
        "" => request.Operation switch
        {
            AdmissionOperation.Create => AdmitMirrorPodAsync(node, request, cancellationToken),
            AdmissionOperation.Delete => Require(request.OldObject.Obj("spec").Str("nodeName") == node, request, $"node \"{node}\" can only delete pods with spec.nodeName set to itself"),
            _ => throw Forbidden(request, $"unexpected operation \"{Operation(request)}\", node \"{node}\" can only create and delete mirror pods"),
        },
        "status" => AdmitPodStatus(node, request),
        "eviction" => AdmitEvictionAsync(node, request, cancellationToken),
        var other => throw Forbidden(request, $"unexpected pod subresource \"{other}\", only 'status' and 'eviction' are allowed"),
    };

    private async Task AdmitMirrorPodAsync(string node, AdmissionRequest request, CancellationToken cancellationToken)
    {
        var pod = request.Object!;
        var meta = pod.Obj("metadata");
        if (meta.Obj("annotations")?.ContainsKey(MirrorPodAnnotation) != true)
        {
            throw Forbidden(request, $"pod does not have \"{MirrorPodAnnotation}\" annotation, node \"{node}\" can only create mirror pods");
        }

        var spec = pod.Obj("spec");
        if (spec.Str("nodeName") != node)
        {
            throw Forbidden(request, $"node \"{node}\" can only create pods with spec.nodeName set to itself");
        }

        var owners = meta.Arr("ownerReferences")?.ToList() ?? [];
        if (owners.Count > 1)
        {
            throw Forbidden(request, $"node \"{node}\" can only create pods with a single owner reference set to itself");
        }

        if (owners.Count == 0 || owners[0] is not JsonObject owner
            || owner.Str("apiVersion") != "v1" || owner.Str("kind") != "Node" || owner.Str("name") != node)
        {
            throw Forbidden(request, $"node \"{node}\" can only create pods with an owner reference set to itself");
        }

        if (owner.Bool("controller") != true)
        {
            throw Forbidden(request, $"node \"{node}\" can only create pods with a controller owner reference set to itself");
        }

        if (owner.Bool("blockOwnerDeletion") == true)
        {
            throw Forbidden(request, $"node \"{node}\" must not set blockOwnerDeletion on an owner reference");
        }

        var self = await nodes.GetAsync(null, node, cancellationToken).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", "nodes", node);
        var uid = ObjectMetaAccess.Uid(self) ?? "";
        if (owner.Str("uid") != uid)
        {
            throw Forbidden(request, $"node {node} UID mismatch: expected {uid} got {owner.Str("uid")}");
        }

        // A mirror pod may not reference any other API object the node could then read.
        if (spec.Str("serviceAccountName") is { Length: > 0 })
        {
            throw Forbidden(request, $"node \"{node}\" can not create pods that reference a service account");
        }

        if (GraphEdges.PodSecretNames(spec).Any())
        {
            throw Forbidden(request, $"node \"{node}\" can not create pods that reference secrets");
        }

        if (GraphEdges.PodConfigMapNames(spec).Any())
        {
            throw Forbidden(request, $"node \"{node}\" can not create pods that reference configmaps");
        }

        var volumes = spec.Arr("volumes").Objects().Select(v => v.Item).ToList();
        if (volumes.Any(v => v.Obj("projected").Arr("sources").Objects().Any(s => s.Item.Has("clusterTrustBundle"))))
        {
            throw Forbidden(request, $"node \"{node}\" can not create pods that reference clustertrustbundles");
        }

        if (volumes.Any(v => v.Has("persistentVolumeClaim")))
        {
            throw Forbidden(request, $"node \"{node}\" can not create pods that reference persistentvolumeclaims");
        }
    }

    private static Task AdmitPodStatus(string node, AdmissionRequest request)
    {
        if (request.Operation != AdmissionOperation.Update)
        {
            throw Forbidden(request, $"unexpected operation \"{Operation(request)}\"");
        }

        if (request.OldObject.Obj("spec").Str("nodeName") != node)
        {
            throw Forbidden(request, $"node \"{node}\" can only update pod status for pods with spec.nodeName set to itself");
        }

        if (!SameMap(request.Object.Obj("metadata").Obj("labels"), request.OldObject.Obj("metadata").Obj("labels")))
        {
            throw Forbidden(request, $"node \"{node}\" cannot update labels through pod status");
        }

        if (!JsonAccess.Same(ClaimStatuses(request.Object), ClaimStatuses(request.OldObject)))
        {
            throw Forbidden(request, $"node \"{node}\" cannot update resource claim statues");
        }

        return Task.CompletedTask;
    }

    private async Task AdmitEvictionAsync(string node, AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation != AdmissionOperation.Create)
        {
            throw Forbidden(request, $"unexpected operation {Operation(request)}");
        }

        // The name in the path wins over the Eviction's own.
        var podName = request.Name.Length > 0 ? request.Name : ObjectMetaAccess.Name(request.Object!) ?? "";
        if (podName.Length == 0)
        {
            throw Forbidden(request, "could not determine pod from request data");
        }

        var pod = await pods.FindAsync(request.Namespace, podName, cancellationToken).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", "pods", podName);
        if (pod.NodeName != node)
        {
            throw Forbidden(request, $"node {node} can only evict pods with spec.nodeName set to itself");
        }
    }

    private static Task AdmitNode(string node, AdmissionRequest request)
    {
        if (request.Name != node)
        {
            throw Forbidden(request, $"node \"{node}\" is not allowed to modify node \"{request.Name}\"");
        }

        var obj = request.Object;
        var old = request.OldObject;
        if (request.Operation == AdmissionOperation.Create)
        {
            if (obj.Obj("spec")?["configSource"] is not null)
            {
                throw Forbidden(request, $"node \"{node}\" is not allowed to create pods with a non-nil configSource");
            }

            var forbidden = NodeLabels.Forbidden(NodeLabels.Modified(Labels(obj), new Dictionary<string, string>()));
            if (forbidden.Count > 0)
            {
                throw Forbidden(request, $"node \"{node}\" is not allowed to set the following labels: {string.Join(", ", forbidden)}");
            }
        }
        else if (request.Operation == AdmissionOperation.Update)
        {
            if (obj.Obj("spec")?["configSource"] is { } source && !JsonAccess.Same(source, old.Obj("spec")?["configSource"]))
            {
                throw Forbidden(request, $"node \"{node}\" is not allowed to update configSource to a new non-nil configSource");
            }

            if (!JsonAccess.Same(EmptyAsNull(obj.Obj("spec")?["taints"]), EmptyAsNull(old.Obj("spec")?["taints"])))
            {
                throw Forbidden(request, $"node \"{node}\" is not allowed to modify taints");
            }

            if (!JsonAccess.Same(EmptyAsNull(obj.Obj("metadata")?["ownerReferences"]), EmptyAsNull(old.Obj("metadata")?["ownerReferences"])))
            {
                throw Forbidden(request, $"node \"{node}\" is not allowed to modify ownerReferences");
            }

            var forbidden = NodeLabels.Forbidden(NodeLabels.Modified(Labels(obj), Labels(old)));
            if (forbidden.Count > 0)
            {
                // Upstream's wording has no subject here.
                throw Forbidden(request, $"is not allowed to modify labels: {string.Join(", ", forbidden)}");
            }
        }

        return Task.CompletedTask;
    }

    private static Task AdmitClaim(string node, AdmissionRequest request)
    {
        if (request.Subresource != "status")
        {
            throw Forbidden(request, "may only update PVC status");
        }

        if (request.Operation != AdmissionOperation.Update)
        {
            throw Forbidden(request, $"unexpected operation \"{Operation(request)}\"");
        }

        // Only the status fields a kubelet reports on expansion may change.
        if (!JsonAccess.Same(ClaimWithoutReportedStatus(request.Object!), ClaimWithoutReportedStatus(request.OldObject!)))
        {
            throw Forbidden(request, $"node \"{node}\" is not allowed to update fields other than status.capacity and status.conditions");
        }

        return Task.CompletedTask;
    }

    private async Task AdmitTokenAsync(string node, AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation != AdmissionOperation.Create || request.Subresource != "token")
        {
            return;
        }

        var reference = request.Object.Obj("spec").Obj("boundObjectRef");
        if (reference is null || reference.Str("apiVersion") != "v1" || reference.Str("kind") != "Pod" || reference.Str("name") is not { Length: > 0 } podName)
        {
            throw Forbidden(request, "node requested token not bound to a pod");
        }

        if (reference.Str("uid") is not { Length: > 0 } uid)
        {
            throw Forbidden(request, "node requested token with a pod binding without a uid");
        }

        var pod = await pods.FindAsync(request.Namespace, podName, cancellationToken).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", "pods", podName);
        if (pod.Uid != uid)
        {
            throw Forbidden(request, $"the UID in the bound object reference ({uid}) does not match the UID in record. The object might have been deleted and then recreated");
        }

        if (pod.NodeName != node)
        {
            throw Forbidden(request, "node requested token bound to a pod scheduled on a different node");
        }
    }

    private static Task AdmitLease(AdmissionRequest request)
    {
        if (request.Namespace != NodeLeaseNamespace)
        {
            throw Forbidden(request, $"can only access leases in the \"{NodeLeaseNamespace}\" system namespace");
        }

        return NameIsNode(request, "can only access node lease with the same name as the requesting node");
    }

    private static Task AdmitCsiNode(AdmissionRequest request) =>
        NameIsNode(request, "can only access CSINode with the same name as the requesting node");

    // On create the path names no object: the name is the body's.
    private static Task NameIsNode(AdmissionRequest request, string message)
    {
        NodeIdentity.TryGet(request.User, out var node);
        var name = request.Operation == AdmissionOperation.Create ? ObjectMetaAccess.Name(request.Object!) : request.Name;
        return Require(name == node, request, message);
    }

    private static Task Require(bool holds, AdmissionRequest request, string message) =>
        holds ? Task.CompletedTask : throw Forbidden(request, message);

    private static JsonNode? ClaimStatuses(JsonObject? pod) => EmptyAsNull(pod.Obj("status")?["resourceClaimStatuses"]);

    private static JsonObject ClaimWithoutReportedStatus(JsonObject claim)
    {
        var copy = (JsonObject)claim.DeepClone();
        if (copy.Obj("metadata") is { } meta)
        {
            meta.Remove("resourceVersion");
            meta.Remove("managedFields");
        }

        if (copy.Obj("status") is { } status)
        {
            // RecoverVolumeExpansionFailure is on by default in 1.33: its allocated fields may change too.
            foreach (var field in (string[])["capacity", "conditions", "allocatedResourceStatuses", "allocatedResources"])
            {
                status.Remove(field);
            }
        }

        return copy;
    }

    private static IReadOnlyDictionary<string, string> Labels(JsonObject? obj) =>
        obj.Obj("metadata").Obj("labels").StringMap().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static bool SameMap(JsonObject? a, JsonObject? b) =>
        NodeLabels.Modified(a.StringMap().ToDictionary(StringComparer.Ordinal), b.StringMap().ToDictionary(StringComparer.Ordinal)).Count == 0;

    // Go compares nil and empty slices as equal semantically: so do we.
    private static JsonNode? EmptyAsNull(JsonNode? node) => node is JsonArray { Count: 0 } ? null : node;

    private static string Operation(AdmissionRequest request) => request.Operation.ToString().ToUpperInvariant();

    // Upstream's admission.NewForbidden: '<resource> "<name>" is forbidden: <reason>', the name from the request or the object.
    private static ApiException Forbidden(AdmissionRequest request, string reason)
    {
        var name = request.Name.Length > 0 ? request.Name : request.Object is { } obj ? ObjectMetaAccess.Name(obj) ?? "" : "";
        var resource = request.Resource.GroupResource;
        var message = name.Length > 0 ? $"{resource} \"{name}\" is forbidden: {reason}" : $"{resource} is forbidden: {reason}";
        return new ApiException(HttpStatusCode.Forbidden, "Forbidden", message, new StatusDetails(name, request.Resource.Group, request.Resource.Plural));
    }
}
