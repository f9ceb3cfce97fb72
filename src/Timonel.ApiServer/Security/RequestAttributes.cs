namespace Timonel.ApiServer.Security;

/// <summary>
/// What a request asks to do, as an authorizer sees it (upstream's authorizer.AttributesRecord).
/// For a resource request, <see cref="Verb"/> is one of get, list, watch, create, update, patch,
/// delete, deletecollection (or proxy), and the group, version, resource, subresource,
/// namespace and name say what it addresses; for any other path (/healthz, /version, /apis)
/// <see cref="IsResourceRequest"/> is false, <see cref="Verb"/> is the lower-case HTTP method and
/// <see cref="Path"/> is the URL path.
/// </summary>
public sealed record RequestAttributes(
    UserInfo User,
    string Verb,
    bool IsResourceRequest,
    string Path,
    string ApiGroup = "",
    string ApiVersion = "",
    string Resource = "",
    string Subresource = "",
    string Namespace = "",
    string Name = "")
{
    /// <summary>
    /// The fieldSelector of a list, watch or deletecollection as sent (empty when none), for
    /// authorizers that decide on it (upstream's GetFieldSelector: the node authorizer lets a
    /// node list only its own pods by spec.nodeName).
    /// </summary>
    public string FieldSelector { get; init; } = "";
}
