using System.Text.Json.Nodes;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission;

/// <summary>
/// A validating request admission registered with the other hooks, so the writer and the
/// deleter pick it out as an <see cref="IRequestAdmission"/>; as an <see cref="IAdmissionHook"/>
/// it applies to nothing and reserves nothing.
/// </summary>
internal abstract class RequestAdmissionHook : IRequestAdmission, IAdmissionHook
{
    public abstract Task ValidateAsync(AdmissionRequest request, CancellationToken cancellationToken);

    public bool AppliesTo(ApiResource resource) => false;

    public Task AdmitCreateAsync(ApiResource resource, JsonObject obj, bool dryRun, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, bool dryRun, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AbortAsync(ApiResource resource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task UpdatedAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeletedAsync(ApiResource resource, JsonObject deleted, CancellationToken cancellationToken) => Task.CompletedTask;
}
