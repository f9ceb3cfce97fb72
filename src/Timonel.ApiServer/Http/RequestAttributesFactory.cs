using Microsoft.AspNetCore.Http;
using Timonel.Api.Selectors;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Http;

/// <summary>
/// Reads a request's <see cref="RequestAttributes"/> from its method, path and query the way
/// upstream's RequestInfoFactory does, so that an authorizer (RBAC) sees the verbs and names
/// kube-apiserver would give it. Independent of routing: a path the server cannot serve still
/// gets attributes, because upstream authorizes before it routes.
/// </summary>
internal static class RequestAttributesFactory
{
    public static RequestAttributes From(UserInfo user, string method, string path, IQueryCollection query)
    {
        var nonResource = new RequestAttributes(user, method.ToLowerInvariant(), false, path);
        var parts = Split(path);
        if (parts.Length < 3 || parts[0] is not ("api" or "apis"))
        {
            return nonResource;
        }

        var i = 1;
        var group = "";
        if (parts[0] == "apis")
        {
            // /apis/{group}/{version} with nothing after it is discovery, not a resource.
            if (parts.Length < 4)
            {
                return nonResource;
            }

            group = parts[i++];
        }

        var version = parts[i++];
        var rest = parts[i..];
        string verb;
        if (rest[0] is "watch" or "proxy")
        {
            if (rest.Length < 2)
            {
                // Upstream fails the request info here, and the request is then served without it
                // (as a non-resource path); it is authorized as one too.
                return nonResource;
            }

            verb = rest[0];
            rest = rest[1..];
        }
        else
        {
            verb = method switch
            {
                "POST" => "create",
                "GET" or "HEAD" => "get",
                "PUT" => "update",
                "PATCH" => "patch",
                "DELETE" => "delete",
                _ => "",
            };
        }

        var ns = "";
        if (rest[0] == "namespaces" && rest.Length > 1)
        {
            ns = rest[1];
            // /namespaces/{ns}/{resource}/...: the namespace scopes another resource; but
            // /namespaces/{name}/status and /finalize are the namespace's own subresources.
            if (rest.Length > 2 && rest[2] is not ("status" or "finalize"))
            {
                rest = rest[2..];
            }
        }

        var resource = rest[0];
        var name = rest.Length >= 2 ? rest[1] : "";
        // A proxy's path after the name is the proxied path, not a subresource.
        var subresource = rest.Length >= 3 && verb != "proxy" ? rest[2] : "";

        if (name.Length == 0 && verb == "get")
        {
            verb = IsWatch(query) ? "watch" : "list";
        }

        if (name.Length == 0 && verb is "list" or "watch" && NameFromFieldSelector(query) is { } selected)
        {
            name = selected;
        }

        if (name.Length == 0 && verb == "delete")
        {
            verb = "deletecollection";
        }

        return new RequestAttributes(user, verb, true, path, group, version, resource, subresource, ns, name)
        {
            FieldSelector = verb is "list" or "watch" or "deletecollection" ? query["fieldSelector"].ToString() : "",
        };
    }

    private static string[] Split(string path)
    {
        var trimmed = path.Trim('/');
        return trimmed.Length == 0 ? [] : trimmed.Split('/');
    }

    // The same reading of ?watch= as the list options make, so a request is authorized as what it is served as.
    private static bool IsWatch(IQueryCollection query) => QueryBool.Parse(query["watch"]);

    // A list or watch of one object by fieldSelector=metadata.name=X is authorized as that
    // object's (so RBAC resourceNames apply), if X is a valid path segment.
    private static string? NameFromFieldSelector(IQueryCollection query)
    {
        var text = query["fieldSelector"].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        FieldSelector selector;
        try
        {
            selector = FieldSelector.Parse(text);
        }
        catch (Timonel.Api.Errors.ApiException)
        {
            // Upstream ignores a selector it cannot parse here; the handler refuses it later.
            return null;
        }

        return selector.RequiresExactMatch("metadata.name", out var name) && IsValidPathSegment(name) ? name : null;
    }

    private static bool IsValidPathSegment(string name) =>
        name is not ("." or "..") && !name.Contains('/', StringComparison.Ordinal) && !name.Contains('%', StringComparison.Ordinal);
}
