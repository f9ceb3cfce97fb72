using k8s.Models;
using Timonel.ApiServer.Tests.Api;
using Timonel.Registry.Resources;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Resources;

/// <summary>
/// `kubectl get apiservices` lists one Available, Local APIService per group/version the server
/// serves, as kube-apiserver's aggregator registers its own APIs, and follows definitions added
/// and removed at run time.
/// </summary>
public sealed class LocalApiServicesTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private const string Group = "apisvc.timonel.dev";

    [Fact]
    public async Task GetApiServices_EveryServedGroupVersion_AvailableLocal()
    {
        var kubectl = new KubectlRunner(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("apisvc-home-").FullName);

        var listed = await kubectl.RunAsync(["get", "apiservices", "-o", "jsonpath={range .items[*]}{.metadata.name} {.spec.service} {.status.conditions[0].type}={.status.conditions[0].status}/{.status.conditions[0].reason}{\"\\n\"}{end}"]);

        Assert.True(listed.ExitCode == 0, listed.Stderr);
        var lines = listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        foreach (var (group, version) in fx.Host.Catalog.GroupVersions)
        {
            Assert.Contains($"{version}.{group}  Available=True/Local", lines);
        }

        Assert.Contains("v1.  Available=True/Local", lines);
        Assert.Contains("v1.apps  Available=True/Local", lines);
    }

    [Fact]
    public async Task AddThenRemoveDefinition_ItsApiServiceComesAndGoes()
    {
        var name = $"v1.{Group}";
        Assert.Equal(404, (await fx.Client.GetAsync($"/apis/apiregistration.k8s.io/v1/apiservices/{name}")).Code);

        fx.Host.Catalog.Add(new ResourceDefinition(Group, "v1", "Gadget", "gadgets", namespaced: true, typeof(V1ConfigMap)));
        try
        {
            await Eventually.WaitAsync(
                async _ => (await fx.Client.GetAsync($"/apis/apiregistration.k8s.io/v1/apiservices/{name}")).Body?["status"]?["conditions"]?[0]?["status"]?.GetValue<string>() == "True",
                TimeSpan.FromSeconds(10),
                $"APIService {name} Available");
        }
        finally
        {
            fx.Host.Catalog.Remove(Group, "gadgets");
        }

        await Eventually.WaitAsync(
            async _ => (await fx.Client.GetAsync($"/apis/apiregistration.k8s.io/v1/apiservices/{name}")).Code == 404,
            TimeSpan.FromSeconds(10),
            $"APIService {name} removed");
    }
}
