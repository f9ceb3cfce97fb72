using System.Text.Json.Nodes;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>v1 componentstatuses: scheduler and controller-manager healthy while their Lease is held and fresh, etcd-0 while the store answers; read-only, deprecated.</summary>
public sealed class ComponentStatusTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private KubectlRunner Kubectl() => new(KubectlRunner.Latest, fx.Host.KubeconfigPath, Directory.CreateTempSubdirectory("cs-home-").FullName);

    [Fact]
    public async Task KubectlGetCs_FreshSchedulerLeaseOnly_SchedulerAndEtcdHealthyControllerManagerNot()
    {
        await HoldLeaseAsync("kube-scheduler", DateTimeOffset.UtcNow);
        await HoldLeaseAsync("kube-controller-manager", DateTimeOffset.UtcNow.AddMinutes(-5));

        var run = await Kubectl().RunAsync(["get", "cs"]);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("v1 ComponentStatus is deprecated in v1.19+", run.Stderr, StringComparison.Ordinal);
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAME", "STATUS", "MESSAGE", "ERROR"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["scheduler", "Healthy", "ok"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("controller-manager", lines[2], StringComparison.Ordinal);
        Assert.Contains("Unhealthy", lines[2], StringComparison.Ordinal);
        Assert.Contains("expired", lines[2], StringComparison.Ordinal);
        Assert.Equal(["etcd-0", "Healthy", "ok"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Get_Etcd_IsHealthyObjectWithWarning()
    {
        var response = await fx.Client.GetAsync("/api/v1/componentstatuses/etcd-0");

        ApiAssert.Code(200, response);
        Assert.Equal("ComponentStatus", response.Kind);
        var condition = response.Body!["conditions"]![0]!;
        Assert.Equal(("Healthy", "True", "ok"), (ApiResponse.Str(condition["type"]), ApiResponse.Str(condition["status"]), ApiResponse.Str(condition["message"])));
        Assert.Contains(response.Headers.GetValues("Warning"), w => w.Contains("v1 ComponentStatus is deprecated in v1.19+", StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_IsThreeComponents()
    {
        var response = await fx.Client.GetAsync("/api/v1/componentstatuses");

        ApiAssert.Code(200, response);
        Assert.Equal("ComponentStatusList", response.Kind);
        Assert.Equal(["scheduler", "controller-manager", "etcd-0"], response.Body!["items"]!.AsArray().Select(i => ApiResponse.Str(i?["metadata"]?["name"])));
    }

    [Theory]
    [InlineData("GET", "/api/v1/componentstatuses/nope", 404, "NotFound")]
    [InlineData("POST", "/api/v1/componentstatuses", 405, "MethodNotAllowed")]
    [InlineData("DELETE", "/api/v1/componentstatuses/etcd-0", 405, "MethodNotAllowed")]
    [InlineData("GET", "/api/v1/componentstatuses?watch=true", 405, "MethodNotAllowed")]
    public async Task OtherRequests_AreRefusedAsUpstream(string method, string path, int code, string reason)
    {
        var response = await ApiAssert.NoWriteAsync(fx, () => fx.Client.SendAsync(new HttpMethod(method), path, method == "POST" ? "{}" : null, method == "POST" ? ApiClient.Json : null));

        ApiAssert.Failure(response, code, reason);
    }

    private async Task HoldLeaseAsync(string name, DateTimeOffset renewed)
    {
        var lease = new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["holderIdentity"] = "test-server",
                ["leaseDurationSeconds"] = 15,
                ["renewTime"] = renewed.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        var created = await fx.Client.PostAsync("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases", lease);
        if (created.Code == 409)
        {
            var current = await fx.Client.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{name}");
            lease["metadata"]!["resourceVersion"] = current.ResourceVersion;
            created = await fx.Client.PutAsync($"/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/{name}", lease);
        }

        Assert.True(created.Code is 200 or 201, created.ToString());
    }
}
