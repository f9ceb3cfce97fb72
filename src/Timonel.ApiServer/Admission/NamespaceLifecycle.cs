using System.Collections.Frozen;
using System.Net;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// Upstream's NamespaceLifecycle admission plugin: namespaced objects go only into namespaces
/// that exist and are not terminating, and the namespaces the system needs (default,
/// kube-system, kube-public, upstream's immortal set) may not be deleted.
/// </summary>
internal sealed class NamespaceLifecycle(WatchedObjects namespaces) : IAdmissionHook, IDeleteAdmissionHook
{
    /// <summary>Namespaces a delete is refused for, as upstream registers the plugin.</summary>
    public static readonly FrozenSet<string> ImmortalNamespaces = new[] { "default", "kube-system", "kube-public" }.ToFrozenSet(StringComparer.Ordinal);

    public bool AppliesTo(ApiResource resource) => resource.Namespaced;

    public async Task AdmitCreateAsync(ApiResource resource, JsonObject obj, bool dryRun, CancellationToken cancellationToken)
    {
        var name = ObjectMetaAccess.Namespace(obj)!;
        var ns = await namespaces.GetAsync(null, name, cancellationToken).ConfigureAwait(false)
            ?? throw ApiException.NotFound("", "namespaces", name);
        if (ObjectMetaAccess.IsDeleting(ns) || JsonAccess.AsString(ns["status"]?["phase"]) == "Terminating")
        {
            // Events may still be written so that the deletion can be observed, as upstream allows.
            if (resource.Plural == "events")
            {
                return;
            }

            throw new ApiException(HttpStatusCode.Forbidden, "Forbidden",
                $"{resource.GroupResource} \"{ObjectMetaAccess.Name(obj)}\" is forbidden: unable to create new content in namespace {name} because it is being terminated",
                new StatusDetails(ObjectMetaAccess.Name(obj), resource.Group, resource.Plural, [new StatusCause("NamespaceTerminating", $"namespace {name} is being terminated", "metadata.namespace")]));
        }
    }

    public Task AdmitDeleteAsync(ApiResource resource, JsonObject current, CancellationToken cancellationToken)
    {
        if (resource.Definition == namespaces.Resource.Definition && ObjectMetaAccess.Name(current) is { } name && ImmortalNamespaces.Contains(name))
        {
            throw new ApiException(HttpStatusCode.Forbidden, "Forbidden",
                $"{resource.GroupResource} \"{name}\" is forbidden: this namespace may not be deleted",
                new StatusDetails(name, resource.Group, resource.Plural));
        }

        return Task.CompletedTask;
    }

    public Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, bool dryRun, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AbortAsync(ApiResource resource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task UpdatedAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeletedAsync(ApiResource resource, JsonObject deleted, CancellationToken cancellationToken) => Task.CompletedTask;
}
