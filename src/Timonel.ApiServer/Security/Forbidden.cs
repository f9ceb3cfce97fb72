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
        var group = attributes.ApiGroup;
        var resource = attributes.Resource;
        // Upstream's NewForbidden: "forbidden: ..." without a resource (non-resource paths),
        // "<resource>[.<group>] is forbidden: ..." without a name, else with the quoted name.
        string message;
        if (group.Length == 0 && resource.Length == 0)
        {
            message = $"forbidden: {why}";
        }
        else
        {
            var qualified = group.Length == 0 ? resource : $"{resource}.{group}";
            message = attributes.Name.Length == 0 ? $"{qualified} is forbidden: {why}" : $"{qualified} \"{attributes.Name}\" is forbidden: {why}";
        }

        return new ApiException(HttpStatusCode.Forbidden, "Forbidden", message, new StatusDetails(attributes.Name, group, resource.Length == 0 ? null : resource));
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
