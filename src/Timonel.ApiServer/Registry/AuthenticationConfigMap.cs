using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Publishes kube-system/extension-apiserver-authentication as upstream's API server does: the
/// client CA (client-ca-file), which kubelets and extension API servers use to accept client
/// certificates, and the request-header settings (requestheader-*) with which an extension API
/// server trusts the user the aggregator names in X-Remote-User / X-Remote-Group /
/// X-Remote-Extra-*: the front-proxy CA and the one common name its client certificate carries.
/// Each server adds its own front-proxy CA to the bundle (servers sharing a datastore do not
/// share that CA), so a backend accepts whichever server proxies to it.
/// </summary>
internal sealed class AuthenticationConfigMap(ResourceCatalog catalog, ObjectWriter writer, ObjectStore objects)
{
    public const string Namespace = "kube-system";
    public const string Name = "extension-apiserver-authentication";
    public const string ClientCaKey = "client-ca-file";
    public const string RequestHeaderCaKey = "requestheader-client-ca-file";

    /// <summary>The common name of the aggregator's client certificate (upstream's default allowed name).</summary>
    public const string FrontProxyClientName = "front-proxy-client";

    public async Task EnsureAsync(string clientCaPem, string frontProxyCaPem, CancellationToken cancellationToken)
    {
        var configMaps = catalog.Find("", "v1", "configmaps")!;
        var current = await objects.GetAsync(configMaps, Namespace, Name, cancellationToken).ConfigureAwait(false);
        var data = Desired(clientCaPem, frontProxyCaPem, current?.Object["data"]?[RequestHeaderCaKey]?.GetValue<string>());
        if (current is not null && JsonNode.DeepEquals(current.Object["data"], data))
        {
            return;
        }

        try
        {
            if (current is null)
            {
                var desired = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = Namespace },
                    ["data"] = data,
                };
                await writer.CreateAsync(configMaps, Namespace, desired, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var updated = (JsonObject)current.Object.DeepClone();
                updated["data"] = data;
                await writer.UpdateAsync(configMaps, updated, current, null, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ApiException e) when (e.Reason is "AlreadyExists" or "Conflict")
        {
            // Another server of the cluster wrote it at the same moment.
        }
    }

    private static JsonObject Desired(string clientCaPem, string frontProxyCaPem, string? publishedBundle)
    {
        var bundle = publishedBundle ?? "";
        if (!bundle.Contains(frontProxyCaPem.Trim(), StringComparison.Ordinal))
        {
            bundle = bundle.Length == 0 ? frontProxyCaPem : bundle.TrimEnd('\n') + "\n" + frontProxyCaPem;
        }

        // Upstream writes the header lists as JSON arrays in strings.
        return new JsonObject
        {
            [ClientCaKey] = clientCaPem,
            ["requestheader-allowed-names"] = $"[\"{FrontProxyClientName}\"]",
            [RequestHeaderCaKey] = bundle,
            ["requestheader-extra-headers-prefix"] = "[\"X-Remote-Extra-\"]",
            ["requestheader-group-headers"] = "[\"X-Remote-Group\"]",
            ["requestheader-username-headers"] = "[\"X-Remote-User\"]",
        };
    }
}
