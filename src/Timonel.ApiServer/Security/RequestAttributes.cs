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
    string Name = "");
