using System.Net;
using k8s.Autorest;

namespace Timonel.Controllers;

/// <summary>Recognises the API answers controllers treat as "nothing to do" rather than failures.</summary>
internal static class ApiErrors
{
    public static bool IsNotFound(HttpOperationException e) => e.Response.StatusCode == HttpStatusCode.NotFound;

    public static bool IsAlreadyExists(HttpOperationException e) => e.Response.StatusCode == HttpStatusCode.Conflict && e.Response.Content?.Contains("AlreadyExists", StringComparison.Ordinal) == true;

    public static bool IsConflict(HttpOperationException e) => e.Response.StatusCode == HttpStatusCode.Conflict;

    /// <summary>403 from NamespaceLifecycle admission: the namespace is terminating, so creating in it is pointless.</summary>
    public static bool IsNamespaceTerminating(HttpOperationException e) =>
        e.Response.StatusCode == HttpStatusCode.Forbidden && e.Response.Content?.Contains("being terminated", StringComparison.Ordinal) == true;
}
