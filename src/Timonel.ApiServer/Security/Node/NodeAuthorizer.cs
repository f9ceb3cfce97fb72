using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;

namespace Timonel.ApiServer.Security.Node;

/// <summary>
/// Upstream 1.33's node authorizer (plugin/pkg/auth/authorizer/node, AuthorizeNodeWithSelectors
/// on, its default): decides only for users "system:node:&lt;name&gt;" in group "system:nodes",
/// and answers Allow or NoOpinion, never Deny, so that a later authorizer (RBAC) may still
/// allow. Secrets, configmaps, PVCs, PVs, volume attachments, service-account tokens and
/// single pods are allowed only when the <see cref="NodeGraph"/> links them to the node; its
/// own Node, Lease and CSINode by name; what NodeRestriction admission narrows (node writes,
/// mirror pods, pod status, evictions) for every node; everything else by the static
/// system:node rules.
/// </summary>
internal sealed partial class NodeAuthorizer(NodeGraph graph, ILogger<NodeAuthorizer> log) : IAuthorizer, IRuleResolver
{
    private const string NodeLeaseNamespace = "kube-node-lease";

    private readonly NodeRules _rules = new();

    public Task<AuthorizationDecision> AuthorizeAsync(RequestAttributes attributes, CancellationToken cancellationToken) =>
        Task.FromResult(Authorize(attributes));

    /// <summary>
    /// Upstream's node authorizer cannot enumerate what a node may do (it depends on the graph):
    /// a node's rules review is incomplete; anyone else gets nothing from here.
    /// </summary>
    public Task<UserRules> RulesForAsync(UserInfo user, string @namespace, CancellationToken cancellationToken) =>
        Task.FromResult(NodeIdentity.TryGet(user, out _)
            ? new UserRules([], [], Incomplete: true, "node authorizer does not support user rule resolution")
            : new UserRules([], [], Incomplete: false));

    private AuthorizationDecision Authorize(RequestAttributes a)
    {
        if (!NodeIdentity.TryGet(a.User, out var node))
        {
            return AuthorizationDecision.NoOpinion;
        }

        if (node.Length == 0)
        {
            return Refuse(node, a, $"unknown node for user \"{a.User.Name}\"");
        }

        if (a.IsResourceRequest)
        {
            switch (a.ApiGroup, a.Resource)
            {
                case ("", "secrets"):
                    return ReadNamespaced(node, VertexKind.Secret, a);
                case ("", "configmaps"):
                    return ReadNamespaced(node, VertexKind.ConfigMap, a);
                case ("", "persistentvolumeclaims"):
                    return a.Subresource == "status" ? StatusUpdate(node, VertexKind.PersistentVolumeClaim, a) : Get(node, VertexKind.PersistentVolumeClaim, a);
                case ("", "persistentvolumes"):
                    return Get(node, VertexKind.PersistentVolume, a);
                case ("storage.k8s.io", "volumeattachments"):
                    return Get(node, VertexKind.VolumeAttachment, a);
                case ("", "serviceaccounts"):
                    return CreateToken(node, a);
                case ("coordination.k8s.io", "leases"):
                    return Lease(node, a);
                case ("storage.k8s.io", "csinodes"):
                    return CsiNode(node, a);
                case ("", "nodes"):
                    return Node(node, a);
                case ("", "pods"):
                    return Pod(node, a);
            }
        }

        // What is not subdivided by object is granted to every node by the static rules.
        return _rules.Allow(a) ? AuthorizationDecision.Allow : AuthorizationDecision.NoOpinion;
    }

    private AuthorizationDecision StatusUpdate(string node, VertexKind kind, RequestAttributes a)
    {
        if (a.Verb is not ("update" or "patch"))
        {
            return Refuse(node, a, "can only get/update/patch this type");
        }

        return Related(node, kind, a);
    }

    private AuthorizationDecision Get(string node, VertexKind kind, RequestAttributes a)
    {
        if (a.Verb != "get")
        {
            return Refuse(node, a, "can only get individual resources of this type");
        }

        if (a.Subresource.Length > 0)
        {
            return Refuse(node, a, "cannot get subresource");
        }

        return Related(node, kind, a);
    }

    private AuthorizationDecision ReadNamespaced(string node, VertexKind kind, RequestAttributes a)
    {
        if (a.Verb is not ("get" or "list" or "watch"))
        {
            return Refuse(node, a, "can only read resources of this type");
        }

        if (a.Subresource.Length > 0)
        {
            return Refuse(node, a, "cannot read subresource");
        }

        if (a.Namespace.Length == 0)
        {
            return Refuse(node, a, "can only read namespaced object of this type");
        }

        // A list or watch is allowed only for one named object (fieldSelector metadata.name).
        return Related(node, kind, a);
    }

    private AuthorizationDecision Related(string node, VertexKind kind, RequestAttributes a)
    {
        if (a.Name.Length == 0)
        {
            return Refuse(node, a, "No Object name found");
        }

        return graph.HasPath(new Vertex(kind, a.Namespace, a.Name), node)
            ? AuthorizationDecision.Allow
            : Refuse(node, a, $"no relationship found between node '{node}' and this object");
    }

    private AuthorizationDecision CreateToken(string node, RequestAttributes a)
    {
        if (a.Verb != "create" || a.Name.Length == 0)
        {
            return Refuse(node, a, "can only create tokens for individual service accounts");
        }

        if (a.Subresource != "token")
        {
            return Refuse(node, a, "can only create token subresource of serviceaccount");
        }

        return Related(node, VertexKind.ServiceAccount, a);
    }

    private AuthorizationDecision Lease(string node, RequestAttributes a)
    {
        if (a.Verb is not ("get" or "create" or "update" or "patch" or "delete"))
        {
            return Refuse(node, a, "can only get, create, update, patch, or delete a node lease");
        }

        if (a.Namespace != NodeLeaseNamespace)
        {
            return Refuse(node, a, $"can only access leases in the \"{NodeLeaseNamespace}\" system namespace");
        }

        // A create names no object in its path: NodeRestriction checks the body's name.
        if (a.Verb != "create" && a.Name != node)
        {
            return Refuse(node, a, "can only access node lease with the same name as the requesting node");
        }

        return AuthorizationDecision.Allow;
    }

    private AuthorizationDecision CsiNode(string node, RequestAttributes a)
    {
        if (a.Verb is not ("get" or "create" or "update" or "patch" or "delete"))
        {
            return Refuse(node, a, "can only get, create, update, patch, or delete a CSINode");
        }

        if (a.Subresource.Length > 0)
        {
            return Refuse(node, a, "cannot authorize CSINode subresources");
        }

        if (a.Verb != "create" && a.Name != node)
        {
            return Refuse(node, a, "can only access CSINode with the same name as the requesting node");
        }

        return AuthorizationDecision.Allow;
    }

    private AuthorizationDecision Node(string node, RequestAttributes a)
    {
        switch (a.Subresource, a.Verb)
        {
            case ("", "create" or "update" or "patch"):
            case ("status", "update" or "patch"):
                // NodeRestriction limits these to the node's own object.
                return AuthorizationDecision.Allow;
            case ("", "get" or "list" or "watch"):
                // By name, not through the graph, so a kubelet can read its Node before creating it.
                return a.Name == node ? AuthorizationDecision.Allow
                    : a.Name.Length == 0 ? Refuse(node, a, $"node '{node}' cannot read all nodes, only its own Node object")
                    : Refuse(node, a, $"node '{node}' cannot read '{a.Name}', only its own Node object");
            default:
                return Refuse(node, a, "");
        }
    }

    private AuthorizationDecision Pod(string node, RequestAttributes a)
    {
        switch (a.Subresource, a.Verb)
        {
            case ("", "get"):
                return Get(node, VertexKind.Pod, a);
            case ("", "list" or "watch"):
                if (SelectsNode(a.FieldSelector, node))
                {
                    return AuthorizationDecision.Allow;
                }

                return a.Name.Length > 0 ? Related(node, VertexKind.Pod, a) : Refuse(node, a, "can only list/watch pods with spec.nodeName field selector");
            case ("", "create" or "delete"):
            case ("status", "update" or "patch"):
            case ("eviction", "create"):
                // Mirror pods, pod status and evictions: NodeRestriction limits them to the node's own pods.
                return AuthorizationDecision.Allow;
            default:
                return Refuse(node, a, "");
        }
    }

    private static bool SelectsNode(string fieldSelector, string node)
    {
        if (fieldSelector.Length == 0)
        {
            return false;
        }

        try
        {
            return FieldSelector.Parse(fieldSelector).RequiresExactMatch("spec.nodeName", out var selected) && selected == node;
        }
        catch (ApiException)
        {
            // The list itself refuses a selector it cannot parse; here it just selects nothing.
            return false;
        }
    }

    private AuthorizationDecision Refuse(string node, RequestAttributes a, string reason)
    {
        Log.NoOpinion(log, node, a.Verb, a.Resource, a.Subresource, a.Namespace, a.Name, reason);
        return new AuthorizationDecision(AuthorizationVerdict.NoOpinion, reason);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Node authorizer has no opinion for node {Node}: {Verb} {Resource}/{Subresource} {Namespace}/{Name}: {Reason}")]
        public static partial void NoOpinion(ILogger logger, string node, string verb, string resource, string subresource, string @namespace, string name, string reason);
    }
}
