using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Publishes the client CA in kube-system/extension-apiserver-authentication (key
/// client-ca-file), as upstream's API server does: kubelets read it to accept the API server's
/// client certificate. Rewritten when the CA changed.
/// </summary>
internal sealed class AuthenticationConfigMap(ResourceCatalog catalog, ObjectWriter writer, ObjectStore objects)
{
    public const string Namespace = "kube-system";
    public const string Name = "extension-apiserver-authentication";
    public const string ClientCaKey = "client-ca-file";

    public async Task EnsureAsync(string clientCaPem, CancellationToken cancellationToken)
    {
        var configMaps = catalog.Find("", "v1", "configmaps")!;
        var current = await objects.GetAsync(configMaps, Namespace, Name, cancellationToken).ConfigureAwait(false);
        if (current is not null && current.Object["data"]?[ClientCaKey]?.GetValue<string>() == clientCaPem)
        {
            return;
        }

        var desired = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = Namespace },
            ["data"] = new JsonObject { [ClientCaKey] = clientCaPem },
        };
        try
        {
            if (current is null)
            {
                await writer.CreateAsync(configMaps, Namespace, desired, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var updated = (JsonObject)current.Object.DeepClone();
                updated["data"] = new JsonObject { [ClientCaKey] = clientCaPem };
                await writer.UpdateAsync(configMaps, updated, current, null, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ApiException e) when (e.Reason is "AlreadyExists" or "Conflict")
        {
            // Another server of the cluster wrote it at the same moment.
        }
    }
}
