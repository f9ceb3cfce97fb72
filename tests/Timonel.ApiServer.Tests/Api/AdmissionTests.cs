using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>Admission plugins: default toleration seconds, LimitRanger defaults and bounds, ResourceQuota charging and refusals.</summary>
public sealed class AdmissionTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    private static string Pods(string ns) => $"/api/v1/namespaces/{ns}/pods";

    private static JsonObject PodWith(string name, JsonObject? requests = null, JsonObject? limits = null)
    {
        var pod = TestObjects.Pod(name);
        var resources = new JsonObject();
        if (requests is not null)
        {
            resources["requests"] = requests;
        }

        if (limits is not null)
        {
            resources["limits"] = limits;
        }

        pod["spec"]!["containers"]![0]!["resources"] = resources;
        return pod;
    }

    private async Task QuotaAsync(string ns, JsonObject hard, JsonObject? used)
    {
        var quota = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ResourceQuota",
            ["metadata"] = new JsonObject { ["name"] = "q" },
            ["spec"] = new JsonObject { ["hard"] = hard },
        };
        var created = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/resourcequotas", quota);
        ApiAssert.Code(201, created);
        if (used is not null)
        {
            // Play the quota controller: publish hard and a counted usage.
            var status = created.Object;
            status["status"] = new JsonObject { ["hard"] = hard.DeepClone(), ["used"] = used };
            ApiAssert.Code(200, await fx.Client.PutAsync($"/api/v1/namespaces/{ns}/resourcequotas/q/status", status));
        }
    }

    [Fact]
    public async Task CreatePod_NoTolerations_GetsDefaultNoExecuteTolerations()
    {
        var ns = await fx.NamespaceAsync("adm");

        var created = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("p"));

        ApiAssert.Code(201, created);
        var tolerations = created.Object["spec"]!["tolerations"]!.AsArray();
        Assert.Contains(tolerations, t => (string?)t!["key"] == "node.kubernetes.io/not-ready" && (string?)t["effect"] == "NoExecute" && (long?)t["tolerationSeconds"] == 300 && (string?)t["operator"] == "Exists");
        Assert.Contains(tolerations, t => (string?)t!["key"] == "node.kubernetes.io/unreachable" && (long?)t["tolerationSeconds"] == 300);
    }

    [Fact]
    public async Task CreatePod_OwnUnreachableToleration_IsKept()
    {
        var ns = await fx.NamespaceAsync("adm");
        var pod = TestObjects.Pod("p");
        pod["spec"]!["tolerations"] = new JsonArray(new JsonObject { ["key"] = "node.kubernetes.io/unreachable", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 5 });

        var created = await fx.Client.PostAsync(Pods(ns), pod);

        var tolerations = created.Object["spec"]!["tolerations"]!.AsArray();
        Assert.Single(tolerations, t => (string?)t!["key"] == "node.kubernetes.io/unreachable");
        Assert.Contains(tolerations, t => (string?)t!["key"] == "node.kubernetes.io/unreachable" && (long?)t["tolerationSeconds"] == 5);
        Assert.Contains(tolerations, t => (string?)t!["key"] == "node.kubernetes.io/not-ready");
    }

    [Fact]
    public async Task CreatePod_LimitRangeDefaults_FillRequestsAndLimits()
    {
        var ns = await fx.NamespaceAsync("adm");
        await LimitRangeAsync(ns, new JsonObject
        {
            ["type"] = "Container",
            ["default"] = new JsonObject { ["cpu"] = "500m", ["memory"] = "256Mi" },
            ["defaultRequest"] = new JsonObject { ["cpu"] = "100m" },
        });

        var created = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("p"));

        ApiAssert.Code(201, created);
        var resources = created.Object["spec"]!["containers"]![0]!["resources"]!;
        Assert.Equal("500m", (string?)resources["limits"]!["cpu"]);
        Assert.Equal("256Mi", (string?)resources["limits"]!["memory"]);
        Assert.Equal("100m", (string?)resources["requests"]!["cpu"]);
        Assert.Equal("256Mi", (string?)resources["requests"]!["memory"]);
        Assert.Equal("Burstable", (string?)created.Object["status"]!["qosClass"]);
    }

    [Fact]
    public async Task CreatePod_OverLimitRangeMax_Is403AndNothingWritten()
    {
        var ns = await fx.NamespaceAsync("adm");
        await LimitRangeAsync(ns, new JsonObject { ["type"] = "Container", ["max"] = new JsonObject { ["cpu"] = "1" } });

        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Pods(ns), PodWith("big", limits: new JsonObject { ["cpu"] = "2" })));

        ApiAssert.Failure(refused, 403, "Forbidden", "pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2");
    }

    [Fact]
    public async Task CreatePod_UnderLimitRangeMin_Is403()
    {
        var ns = await fx.NamespaceAsync("adm");
        await LimitRangeAsync(ns, new JsonObject { ["type"] = "Container", ["min"] = new JsonObject { ["memory"] = "64Mi" } });

        var refused = await fx.Client.PostAsync(Pods(ns), PodWith("small", requests: new JsonObject { ["memory"] = "32Mi" }));

        ApiAssert.Failure(refused, 403, "Forbidden", "minimum memory usage per Container is 64Mi, but request is 32Mi");
    }

    [Fact]
    public async Task CreatePod_WithinQuota_ChargesUsage()
    {
        var ns = await fx.NamespaceAsync("adm");
        await QuotaAsync(ns, new JsonObject { ["pods"] = "2", ["requests.cpu"] = "1" }, new JsonObject { ["pods"] = "0", ["requests.cpu"] = "0" });

        ApiAssert.Code(201, await fx.Client.PostAsync(Pods(ns), PodWith("a", requests: new JsonObject { ["cpu"] = "300m" })));

        var quota = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/resourcequotas/q");
        Assert.Equal("1", (string?)quota.Object["status"]!["used"]!["pods"]);
        Assert.Equal("300m", (string?)quota.Object["status"]!["used"]!["requests.cpu"]);
    }

    [Fact]
    public async Task CreatePod_OverPodCountQuota_Is403WithUpstreamMessage()
    {
        var ns = await fx.NamespaceAsync("adm");
        await QuotaAsync(ns, new JsonObject { ["pods"] = "1" }, new JsonObject { ["pods"] = "0" });
        ApiAssert.Code(201, await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("a")));

        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Pods(ns), TestObjects.Pod("b")));

        ApiAssert.Failure(refused, 403, "Forbidden", "pods \"b\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1");
    }

    [Fact]
    public async Task CreatePod_OverMemoryQuota_PrintsBinaryQuantities()
    {
        var ns = await fx.NamespaceAsync("adm");
        await QuotaAsync(ns, new JsonObject { ["requests.memory"] = "1Gi" }, new JsonObject { ["requests.memory"] = "768Mi" });

        var refused = await fx.Client.PostAsync(Pods(ns), PodWith("m", requests: new JsonObject { ["memory"] = "512Mi" }));

        ApiAssert.Failure(refused, 403, "Forbidden", "exceeded quota: q, requested: requests.memory=512Mi, used: requests.memory=768Mi, limited: requests.memory=1Gi");
    }

    [Fact]
    public async Task CreatePod_ComputeQuotaWithoutRequests_MustSpecify()
    {
        var ns = await fx.NamespaceAsync("adm");
        await QuotaAsync(ns, new JsonObject { ["requests.cpu"] = "1" }, new JsonObject { ["requests.cpu"] = "0" });

        var refused = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("bare"));

        ApiAssert.Failure(refused, 403, "Forbidden", "failed quota: q: must specify requests.cpu");
    }

    [Fact]
    public async Task CreateConfigMap_QuotaNotYetCounted_StatusUnknown()
    {
        var ns = await fx.NamespaceAsync("adm");
        await QuotaAsync(ns, new JsonObject { ["configmaps"] = "5" }, used: null);

        var refused = await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/configmaps", TestObjects.ConfigMap("c"));

        ApiAssert.Failure(refused, 403, "Forbidden", "status unknown for quota: q, resources: configmaps");
    }

    [Fact]
    public async Task CreatePod_DryRunWithinQuota_DoesNotCharge()
    {
        var ns = await fx.NamespaceAsync("adm");
        await QuotaAsync(ns, new JsonObject { ["pods"] = "3" }, new JsonObject { ["pods"] = "0" });

        ApiAssert.Code(201, await fx.Client.PostAsync(Pods(ns) + "?dryRun=All", TestObjects.Pod("d")));

        var quota = await fx.Client.GetAsync($"/api/v1/namespaces/{ns}/resourcequotas/q");
        Assert.Equal("0", (string?)quota.Object["status"]!["used"]!["pods"]);
    }

    private async Task LimitRangeAsync(string ns, JsonObject item)
    {
        var limitRange = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "LimitRange",
            ["metadata"] = new JsonObject { ["name"] = "limits" },
            ["spec"] = new JsonObject { ["limits"] = new JsonArray(item) },
        };
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/limitranges", limitRange));
    }
}
