namespace Timonel.Kubelet.Server;

/// <summary>
/// What a kubelet request is authorized as, upstream's kubelet mapping: resource nodes, name this
/// node, the subresource by path (/stats → stats, /metrics → metrics, /logs → log, anything
/// else → proxy) and the verb by method (GET/HEAD get, POST create, PUT update, PATCH patch,
/// DELETE delete).
/// </summary>
public sealed record KubeletRequestAttributes(string Verb, string Subresource, string NodeName)
{
    public static KubeletRequestAttributes For(string method, string path, string nodeName)
    {
        var verb = method.ToUpperInvariant() switch
        {
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "get",
        };
        return new KubeletRequestAttributes(verb, SubresourceOf(path), nodeName);
    }

    private static string SubresourceOf(string path)
    {
        if (IsUnder(path, "/stats"))
        {
            return "stats";
        }

        if (IsUnder(path, "/metrics"))
        {
            return "metrics";
        }

        return IsUnder(path, "/logs") ? "log" : "proxy";
    }

    private static bool IsUnder(string path, string prefix) =>
        path == prefix || path.StartsWith(prefix + "/", StringComparison.Ordinal);
}
