using k8s.Models;

namespace Timonel.Registry.Discovery;

/// <summary>
/// What a subresource serves: the kind it takes and returns and its verbs, as upstream publishes
/// them in discovery. A null group/version/kind means "the parent resource's".
/// </summary>
/// <param name="Name">"status", "scale", ...</param>
/// <param name="Group">Group of the kind it carries, or null for the parent's.</param>
/// <param name="Version">Version of that kind, or null for the parent's.</param>
/// <param name="Kind">The kind, or null for the parent's.</param>
/// <param name="ModelType">The KubernetesClient model of that kind, or null for the parent's (or none, for streaming ones).</param>
/// <param name="Verbs">Discovery verbs, sorted.</param>
/// <param name="Streaming">Connect-style (log, exec): no object body, left out of OpenAPI.</param>
public sealed record SubresourceKind(string Name, string? Group, string? Version, string? Kind, Type? ModelType, IReadOnlyList<string> Verbs, bool Streaming = false)
{
    private static readonly string[] GetPatchUpdate = ["get", "patch", "update"];
    private static readonly string[] Create = ["create"];
    private static readonly string[] CreateGet = ["create", "get"];

    private static readonly Dictionary<string, SubresourceKind> Table = new SubresourceKind[]
    {
        new("status", null, null, null, null, GetPatchUpdate),
        new("scale", "autoscaling", "v1", "Scale", typeof(V1Scale), GetPatchUpdate),
        new("binding", "", "v1", "Binding", typeof(V1Binding), Create),
        new("eviction", "policy", "v1", "Eviction", typeof(V1Eviction), Create),
        new("finalize", null, null, null, null, ["update"]),
        new("ephemeralcontainers", null, null, null, null, GetPatchUpdate),
        new("resize", null, null, null, null, GetPatchUpdate),
        new("approval", null, null, null, null, GetPatchUpdate),
        new("token", "authentication.k8s.io", "v1", "TokenRequest", typeof(Authenticationv1TokenRequest), Create),
        new("log", "", "v1", "Pod", null, ["get"], Streaming: true),
        new("exec", "", "v1", "PodExecOptions", null, CreateGet, Streaming: true),
        new("attach", "", "v1", "PodAttachOptions", null, CreateGet, Streaming: true),
        new("portforward", "", "v1", "PodPortForwardOptions", null, CreateGet, Streaming: true),
        new("proxy", "", "v1", "ProxyOptions", null, ["create", "delete", "get", "patch", "update"], Streaming: true),
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);

    /// <summary>The group, version, kind and model this subresource carries under <paramref name="parent"/>.</summary>
    public (string Group, string Version, string Kind, Type? ModelType) ResolveFor(Timonel.Registry.Resources.ApiResource parent) => Name switch
    {
        // nodes/proxy carries NodeProxyOptions, services/proxy ServiceProxyOptions.
        "proxy" => ("", "v1", parent.Kind + "ProxyOptions", null),
        _ when Kind is null => (parent.Group, parent.Version, parent.Kind, Streaming ? null : parent.ModelType),
        _ => (Group!, Version!, Kind, ModelType),
    };

    /// <summary>The description of a subresource; unknown names behave like status (parent kind; get, patch, update).</summary>
    public static SubresourceKind For(string name) =>
        Table.TryGetValue(name, out var known) ? known : new SubresourceKind(name, null, null, null, null, GetPatchUpdate);
}
