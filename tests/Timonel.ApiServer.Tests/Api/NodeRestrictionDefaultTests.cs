using System.Text.Json.Nodes;
using Timonel.ApiServer.Security;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>NodeRestriction is on by default: even under the allow-all authorizer a node may not write another node.</summary>
public sealed class NodeRestrictionDefaultTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task PatchOtherNode_DefaultServer_RefusedByAdmission()
    {
        foreach (var name in new[] { "default-a", "default-b" })
        {
            ApiAssert.Code(201, await fx.Client.PostAsync("/api/v1/nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }));
        }

        using var certificate = CertificateIssuer.IssueClient(fx.Host.Pki.ClientCa, "system:node:default-a", ["system:nodes"], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        using var node = new ApiClient(fx.Host.Url, fx.Host.Pki.ServerCaPem, "", certificate);
        const string patch = """{"metadata": {"labels": {"example.com/x": "y"}}}""";

        ApiAssert.Code(200, await node.PatchAsync("/api/v1/nodes/default-a", patch, ApiClient.MergePatch));
        var refused = await ApiAssert.NoWriteAsync(fx, () => node.PatchAsync("/api/v1/nodes/default-b", patch, ApiClient.MergePatch));

        ApiAssert.Failure(refused, 403, "Forbidden", "nodes \"default-b\" is forbidden: node \"default-a\" is not allowed to modify node \"default-b\"");
        Assert.Null((await fx.Client.GetAsync("/api/v1/nodes/default-b")).Object["metadata"]!["labels"]?["example.com/x"]);
    }
}
