using System.Text.Json.Nodes;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Admission.Webhooks;

/// <summary>
/// The ValidatingAdmissionWebhook plugin as a request admission: registered last among the
/// hooks, so the webhooks see what the built-in plugins have let through.
/// </summary>
internal sealed class ValidatingAdmissionWebhook(AdmissionWebhooks webhooks) : IRequestAdmission, IAdmissionHook
{
    public Task ValidateAsync(AdmissionRequest request, CancellationToken cancellationToken) => webhooks.ValidateAsync(request, cancellationToken);

    // As an IAdmissionHook it only joins the writer's and deleter's hooks, which pick out IRequestAdmission.
    public bool AppliesTo(ApiResource resource) => false;

    public Task AdmitCreateAsync(ApiResource resource, JsonObject obj, bool dryRun, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AdmitUpdateAsync(ApiResource resource, JsonObject obj, JsonObject old, bool dryRun, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AbortAsync(ApiResource resource, JsonObject obj, JsonObject? old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task UpdatedAsync(ApiResource resource, JsonObject obj, JsonObject old, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeletedAsync(ApiResource resource, JsonObject deleted, CancellationToken cancellationToken) => Task.CompletedTask;
}
