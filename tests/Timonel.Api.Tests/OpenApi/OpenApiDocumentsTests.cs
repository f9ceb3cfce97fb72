using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Timonel.Api.OpenApi;
using Timonel.Api.Resources;
using Xunit;

namespace Timonel.Api.Tests.OpenApi;

public sealed class OpenApiDocumentsTests
{
    private static readonly OpenApiDocuments Docs = new(ResourceCatalog.Default);

    [Fact]
    public void V3Index_ListsEveryGroupVersion_WithHashOfTheDocument()
    {
        var paths = JsonNode.Parse(Docs.V3Index)!["paths"]!.AsObject();

        foreach (var (group, version) in ResourceCatalog.Default.GroupVersions)
        {
            var key = group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";
            var url = paths[key]!["serverRelativeURL"]!.GetValue<string>();
            Assert.EndsWith("?hash=" + Convert.ToHexString(SHA512.HashData(Docs.V3[key])), url, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void V3_PatchOperationCarriesKindAndFieldValidation_SoKubectlValidatesServerSide()
    {
        var doc = JsonNode.Parse(Docs.V3["apis/apps/v1"])!;
        var patch = doc["paths"]!["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]!["patch"]!;

        Assert.Equal("Deployment", patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        Assert.Contains(patch["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fieldValidation" && p["in"]!.GetValue<string>() == "query");
    }

    [Fact]
    public void V3_DeploymentSchema_HasKindExtensionDescriptionsAndContainerMergeKey()
    {
        var schemas = JsonNode.Parse(Docs.V3["apis/apps/v1"])!["components"]!["schemas"]!.AsObject();

        var deployment = schemas["io.k8s.api.apps.v1.Deployment"]!;
        Assert.Equal("apps", deployment["x-kubernetes-group-version-kind"]![0]!["group"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(schemas["io.k8s.api.apps.v1.DeploymentSpec"]!["properties"]!["replicas"]!["description"]?.GetValue<string>()));
        var containers = schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!;
        Assert.Equal("name", containers["x-kubernetes-patch-merge-key"]!.GetValue<string>());
        Assert.True(schemas.ContainsKey("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
    }
}
