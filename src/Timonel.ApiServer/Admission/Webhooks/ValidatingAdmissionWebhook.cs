namespace Timonel.ApiServer.Admission.Webhooks;

/// <summary>
/// The ValidatingAdmissionWebhook plugin as a request admission: registered last among the
/// hooks, so the webhooks see what the built-in plugins have let through.
/// </summary>
internal sealed class ValidatingAdmissionWebhook(AdmissionWebhooks webhooks) : RequestAdmissionHook
{
    public override Task ValidateAsync(AdmissionRequest request, CancellationToken cancellationToken) => webhooks.ValidateAsync(request, cancellationToken);
}
