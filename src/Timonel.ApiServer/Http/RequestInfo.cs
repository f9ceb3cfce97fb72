namespace Timonel.ApiServer.Http;

/// <summary>What a resource request addresses, parsed from its path (upstream's RequestInfo).</summary>
public sealed record RequestInfo(
    string Group,
    string Version,
    string? Namespace,
    string Resource,
    string? Name,
    string? Subresource)
{
    /// <summary>Parses /api/v1/... and /apis/{group}/{version}/...; null when the path is not a resource path.</summary>
    public static RequestInfo? Parse(string path)
    {
        var parts = path.Trim('/').Split('/');
        int i;
        string group;
        string version;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            group = "";
            version = parts[1];
            i = 2;
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            group = parts[1];
            version = parts[2];
            i = 3;
        }
        else
        {
            return null;
        }

        var rest = parts[i..];
        if (rest.Any(p => p.Length == 0))
        {
            return null;
        }

        // /namespaces/{name}/status and /namespaces/{name}/finalize are subresources of the namespace itself.
        if (rest[0] == "namespaces" && rest.Length == 3 && rest[2] is "status" or "finalize")
        {
            return new RequestInfo(group, version, null, "namespaces", rest[1], rest[2]);
        }

        // /namespaces/{ns}/{resource}[/{name}[/{sub}]] — but /namespaces/{name} is the namespace itself.
        if (rest[0] == "namespaces" && rest.Length >= 3)
        {
            return new RequestInfo(group, version, rest[1], rest[2], rest.Length > 3 ? rest[3] : null, rest.Length > 4 ? string.Join('/', rest[4..]) : null);
        }

        return new RequestInfo(group, version, null, rest[0], rest.Length > 1 ? rest[1] : null, rest.Length > 2 ? string.Join('/', rest[2..]) : null);
    }
}
