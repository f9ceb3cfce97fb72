using System.Text.Json.Nodes;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry.Conversion;

/// <summary>Builds each Webhook-strategy CRD's <see cref="ConversionWebhook"/> on the server's shared service resolver and caller.</summary>
internal sealed class ConversionWebhooks(WebhookServiceResolver services, WebhookCaller caller)
{
    public IRemoteVersionConverter For(JsonObject crd) => new ConversionWebhook(crd, services, caller);
}
