using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Timonel.ApiServer.Security;
using Timonel.ApiServer.Tests.Api;
using Timonel.Testing;
using Xunit;

namespace Timonel.ApiServer.Tests.Metrics;

/// <summary>
/// An API server with RBAC on a fake clock: each <see cref="RoundAsync"/> moves it one metrics
/// resolution on, which starts one collector round without sleeping. Helpers make Nodes (real
/// ones whose kubelet is a <see cref="FakeKubelet"/> on 127.0.0.1, or simulated ones) and
/// pods bound to them.
/// </summary>
public sealed class MetricsApiFixture : ApiServerFixture
{
    public static readonly TimeSpan Resolution = TimeSpan.FromSeconds(15);

    public MetricsApiFixture()
        : this(new FakeTimeProvider(DateTimeOffset.UtcNow))
    {
    }

    private MetricsApiFixture(FakeTimeProvider clock)
        : base(clock) => Clock = clock;

    public FakeTimeProvider Clock { get; }

    public KubectlRunner Kubectl() => new(KubectlRunner.Latest, Host.KubeconfigPath, Directory.CreateTempSubdirectory("metrics-home-").FullName);

    protected override ApiServerOptions Configure(ApiServerOptions options) =>
        options with { AuthorizationModes = [AuthorizationModes.Rbac], MetricsResolution = Resolution };

    /// <summary>Starts one collector round (the clock moves one resolution on).</summary>
    public void Round() => Clock.Advance(Resolution);

    /// <summary>Starts a round and waits until <paramref name="kubelet"/> has answered <paramref name="requests"/> scrapes in all.</summary>
    internal async Task RoundAsync(FakeKubelet kubelet, int requests)
    {
        Round();
        await Eventually.WaitAsync(_ => Task.FromResult(kubelet.Requests >= requests), TimeSpan.FromSeconds(20), $"scrape {requests} of the fake kubelet");
    }

    /// <summary>Polls GET <paramref name="path"/> (starting a round before each try) until it answers 200.</summary>
    internal Task<ApiResponse> UntilFoundAsync(string path) =>
        Eventually.WaitAsync(async _ =>
        {
            var response = await Client.GetAsync(path);
            if (response.Code == 200)
            {
                return response;
            }

            Round();
            return null;
        }, TimeSpan.FromSeconds(20), $"200 from {path}");

    /// <summary>A real Node whose kubelet is 127.0.0.1:<paramref name="port"/> (no address when null).</summary>
    internal async Task CreateNodeAsync(string name, int? port, JsonObject labels, string cpu = "4", string memory = "8Gi")
    {
        ApiAssert.Code(201, await Client.PostAsync("/api/v1/nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels } }));
        var status = new JsonObject
        {
            ["capacity"] = new JsonObject { ["cpu"] = cpu, ["memory"] = memory, ["pods"] = "110" },
            ["allocatable"] = new JsonObject { ["cpu"] = cpu, ["memory"] = memory, ["pods"] = "110" },
        };
        if (port is { } p)
        {
            status["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = "127.0.0.1" });
            status["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = p } };
        }

        ApiAssert.Code(200, await Client.PatchAsync($"/api/v1/nodes/{name}/status", new JsonObject { ["status"] = status }.ToJsonString(), ApiClient.MergePatch));
    }

    /// <summary>A pod bound to <paramref name="node"/>, put in <paramref name="phase"/>.</summary>
    internal async Task CreatePodAsync(string ns, string name, string node, string[] containers, JsonObject? annotations = null, JsonObject? labels = null, string phase = "Running")
    {
        var metadata = new JsonObject { ["name"] = name };
        if (annotations is not null)
        {
            metadata["annotations"] = annotations;
        }

        if (labels is not null)
        {
            metadata["labels"] = labels;
        }

        ApiAssert.Code(201, await Client.PostAsync($"/api/v1/namespaces/{ns}/pods", new JsonObject
        {
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["containers"] = new JsonArray([.. containers.Select(c => (JsonNode)new JsonObject { ["name"] = c, ["image"] = "busybox" })]),
            },
        }));
        ApiAssert.Code(200, await Client.PatchAsync($"/api/v1/namespaces/{ns}/pods/{name}/status", new JsonObject { ["status"] = new JsonObject { ["phase"] = phase } }.ToJsonString(), ApiClient.MergePatch));
    }
}
