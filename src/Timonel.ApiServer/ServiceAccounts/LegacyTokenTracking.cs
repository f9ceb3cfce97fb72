using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.ServiceAccounts;

/// <summary>
/// Upstream's legacy-token-tracking: kube-system/kube-apiserver-legacy-service-account-token-tracking
/// records (data "since", yyyy-MM-dd) the day the API servers started stamping legacy tokens'
/// last use. legacy-serviceaccount-token-cleaner reads it and waits a full clean-up period after
/// that day, so a token is never judged unused only because its use was never recorded.
/// </summary>
internal sealed class LegacyTokenTracking(ResourceCatalog catalog, ObjectWriter writer, ObjectStore objects, TimeProvider time)
{
    public const string Namespace = "kube-system";
    public const string Name = "kube-apiserver-legacy-service-account-token-tracking";
    public const string SinceKey = "since";

    /// <summary>Creates the ConfigMap when absent; an existing one keeps its older date.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var configMaps = catalog.Find("", "v1", "configmaps")!;
        if (await objects.GetAsync(configMaps, Namespace, Name, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        var desired = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = Name, ["namespace"] = Namespace },
            ["data"] = new JsonObject { [SinceKey] = LegacyServiceAccountToken.Date(time.GetUtcNow()) },
        };
        try
        {
            await writer.CreateAsync(configMaps, Namespace, desired, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Reason is "AlreadyExists")
        {
            // Another server of the cluster created it at the same moment.
        }
    }
}
