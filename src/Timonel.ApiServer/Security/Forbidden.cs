using System.Net;
using Timonel.Api.Errors;

namespace Timonel.ApiServer.Security;

/// <summary>
/// The 403 a refused request gets, worded as upstream's responsewriters.Forbidden words it, e.g.
/// pods "p" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns".
/// </summary>
public static class Forbidden
{
    public static ApiException For(RequestAttributes attributes, string reason)
    {
        var what = Message(attributes);
        var why = reason.Length == 0 ? what : $"{what}: {reason}";
        return Of(attributes.ApiGroup, attributes.Resource, attributes.Name, why);
    }

    /// <summary>
    /// Upstream's NewForbidden(groupResource, name, err): "forbidden: ..." without a resource
    /// (non-resource paths), "&lt;resource&gt;[.&lt;group&gt;] is forbidden: ..." without a name, else
    /// with the quoted name.
    /// </summary>
    public static ApiException Of(string group, string resource, string name, string why)
    {
        string message;
        if (group.Length == 0 && resource.Length == 0)
        {
            message = $"forbidden: {why}";
        }
        else
        {
            var qualified = group.Length == 0 ? resource : $"{resource}.{group}";
            message = name.Length == 0 ? $"{qualified} is forbidden: {why}" : $"{qualified} \"{name}\" is forbidden: {why}";
        }

        return new ApiException(HttpStatusCode.Forbidden, "Forbidden", message, new StatusDetails(name, group, resource.Length == 0 ? null : resource));
    }

    /// <summary>Upstream's forbiddenMessage: who cannot do what, where.</summary>
    public static string Message(RequestAttributes attributes)
    {
        var user = attributes.User.Name;
        if (!attributes.IsResourceRequest)
        {
            return $"User \"{user}\" cannot {attributes.Verb} path \"{attributes.Path}\"";
        }

        var resource = attributes.Subresource.Length == 0 ? attributes.Resource : $"{attributes.Resource}/{attributes.Subresource}";
        return attributes.Namespace.Length > 0
            ? $"User \"{user}\" cannot {attributes.Verb} resource \"{resource}\" in API group \"{attributes.ApiGroup}\" in the namespace \"{attributes.Namespace}\""
            : $"User \"{user}\" cannot {attributes.Verb} resource \"{resource}\" in API group \"{attributes.ApiGroup}\" at the cluster scope";
    }
}
