using static Timonel.ApiServer.Registry.Rbac.Rules;
using static Timonel.ApiServer.Registry.Rbac.SubjectDefinition;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// What nodes need beyond upstream's bootstrap policy. kubeadm's TLS bootstrap bindings
/// (phases/bootstraptoken/node/tlsbootstrap.go): the join token's bootstrappers may create CSRs
/// and have node client ones auto-approved, nodes may renew their own certificate. And the rights
/// of the service proxy and cluster DNS server that run inside every agent with the node's own
/// certificate (upstream they run as system:kube-proxy and CoreDNS's service account): read the
/// Services, EndpointSlices and Namespaces they serve from, and write the node's DNS
/// EndpointSlice in kube-system; and of the kubelet's server (the client CA it trusts the API
/// server by), its host-gw routes (all Nodes) and local-path reclaimer (PersistentVolumes).
/// </summary>
internal static class NodeBootstrapPolicy
{
    public const string BootstrappersGroup = "system:bootstrappers";
    public const string NodesGroup = "system:nodes";
    public const string AgentServicesRole = "timonel:node-agent-services";
    public const string DnsEndpointSliceRole = "timonel:node-dns-endpointslices";
    private const string KubeSystem = "kube-system";

    public static IEnumerable<RoleDefinition> ClusterRoles()
    {
        yield return new RoleDefinition(AgentServicesRole,
            // The proxy's and the DNS server's informers (upstream: system:node-proxier, system:coredns).
            Rule("list", "watch").Groups(Core).Resources("services", "namespaces"),
            Rule("list", "watch").Groups(Discovery).Resources("endpointslices"),
            // The network policy controller (upstream: kube-router's account in k3s): every
            // NetworkPolicy, and every Pod as a possible peer (the Node authorizer allows only
            // the node's own pods).
            Rule("list", "watch").Groups(Networking).Resources("networkpolicies"),
            Rule("list", "watch").Groups(Core).Resources("pods"),
            // The kubelet's host-gw routes to the other nodes' pod CIDRs (upstream: flannel's own
            // account): a list and watch of every Node, where the Node authorizer allows only the
            // node's own (a get of another node stays refused).
            Rule("list", "watch").Groups(Core).Resources("nodes"),
            // The node's half of the local-path provisioner: it deletes the Released volumes it
            // provisioned once their directory is gone (the Node authorizer lets a node only get
            // the volumes of its pods).
            Rule("list", "watch", "delete").Groups(Core).Resources("persistentvolumes"));
    }

    public static IEnumerable<BindingDefinition> ClusterRoleBindings()
    {
        yield return new BindingDefinition("timonel:kubelet-bootstrap", "ClusterRole", "system:node-bootstrapper", Group(BootstrappersGroup));
        yield return new BindingDefinition("timonel:node-autoapprove-bootstrap", "ClusterRole", "system:certificates.k8s.io:certificatesigningrequests:nodeclient", Group(BootstrappersGroup));
        yield return new BindingDefinition("timonel:node-autoapprove-certificate-rotation", "ClusterRole", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", Group(NodesGroup));
        yield return new BindingDefinition(AgentServicesRole, "ClusterRole", AgentServicesRole, Group(NodesGroup));
    }

    public static IEnumerable<(string Namespace, RoleDefinition Role)> Roles()
    {
        // The node's kube-system/kube-dns-NODE slice (create cannot be limited by name in RBAC).
        yield return (KubeSystem, new RoleDefinition(DnsEndpointSliceRole,
            Rule("get", "create", "update", "delete").Groups(Discovery).Resources("endpointslices")));
    }

    public static IEnumerable<(string Namespace, BindingDefinition Binding)> RoleBindings()
    {
        yield return (KubeSystem, new BindingDefinition(DnsEndpointSliceRole, "Role", DnsEndpointSliceRole, Group(NodesGroup)));
        // The kubelet's server trusts the API server's client certificate by the client CA it
        // reads from extension-apiserver-authentication (upstream: the kubelet's --client-ca-file).
        yield return (KubeSystem, new BindingDefinition("timonel:node-authentication-reader", "Role", "extension-apiserver-authentication-reader", Group(NodesGroup)));
    }
}
