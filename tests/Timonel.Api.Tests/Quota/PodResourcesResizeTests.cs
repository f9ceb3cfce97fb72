using System.Text.Json.Nodes;
using Timonel.Api.Quota;
using Xunit;

namespace Timonel.Api.Tests.Quota;

/// <summary>Quota usage of a pod resized in place: the larger of spec and running resources, or running only while Infeasible.</summary>
public sealed class PodResourcesResizeTests
{
    private static JsonObject Pod(string desiredCpu, string? runningCpu, string? pendingReason = null)
    {
        var pod = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "app",
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = desiredCpu, ["memory"] = "64Mi" } },
                }),
            },
            ["status"] = new JsonObject(),
        };
        if (runningCpu is not null)
        {
            pod["status"]!["containerStatuses"] = new JsonArray(new JsonObject
            {
                ["name"] = "app",
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = runningCpu, ["memory"] = "128Mi" } },
            });
        }

        if (pendingReason is not null)
        {
            pod["status"]!["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodResizePending", ["status"] = "True", ["reason"] = pendingReason });
        }

        return pod;
    }

    [Theory]
    [InlineData("500m", null, null, "500m", "64Mi")]
    [InlineData("500m", "200m", null, "500m", "128Mi")]
    [InlineData("200m", "500m", "Deferred", "500m", "128Mi")]
    [InlineData("2", "500m", "Infeasible", "500m", "128Mi")]
    public void Requests_ResizedPod_CountsLargerOfSpecAndRunning(string desired, string? running, string? pending, string cpu, string memory)
    {
        var requests = PodResources.Requests(Pod(desired, running, pending));

        Assert.Equal(cpu, requests.FormatValue("cpu"));
        Assert.Equal(memory, requests.FormatValue("memory"));
    }
}
