using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;
using Xunit.Abstractions;

namespace Timonel.E2E.Tests;

/// <summary>
/// In-place pod resize (issue 19 item 4) on a real agent: `kubectl patch --subresource resize`
/// changes the running container's cgroup through containerd's CRI UpdateContainerResources, as
/// the container itself reads it, restarting it only where its resizePolicy says so.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class InPlaceResizeTests : IClassFixture<SingleNodeCluster>
{
    // cgroup v1 on these machines (../shared/notes): runc mounts the container's own cgroup here.
    private const string CpuQuota = "/sys/fs/cgroup/cpu/cpu.cfs_quota_us";
    private const string MemoryLimit = "/sys/fs/cgroup/memory/memory.limit_in_bytes";

    private readonly SingleNodeCluster cluster;
    private readonly ITestOutputHelper output;

    public InPlaceResizeTests(SingleNodeCluster cluster, ITestOutputHelper output)
    {
        this.cluster = cluster;
        this.output = output;
    }

    [NodeFact]
    public async Task KubectlResize_CpuInPlaceWithoutRestart_MemoryByRestart_InfeasibleLeftPending()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("resize");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync($$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: app, namespace: {{{ns}}}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: {{{AgentProcess.BusyboxImage}}}
                command: [sleep, "3600"]
                resizePolicy:
                - {resourceName: cpu, restartPolicy: NotRequired}
                - {resourceName: memory, restartPolicy: RestartContainer}
                resources:
                  requests: {cpu: 100m, memory: 32Mi}
                  limits: {cpu: 200m, memory: 64Mi}
            """));
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync(["-n", ns, "wait", "--for=condition=Ready", "pod/app", "--timeout=90s"], null, timeout: TimeSpan.FromSeconds(100)));
        Assert.Equal("20000", await ReadInContainerAsync(ns, CpuQuota));
        Assert.Equal((64L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), await ReadInContainerAsync(ns, MemoryLimit));

        // CPU: applied to the running container, which keeps running (no restart).
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "patch", "pod", "app", "--subresource", "resize", "-p",
            """{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"200m"},"limits":{"cpu":"400m"}}}]}}"""));
        await Eventually.WaitAsync(
            async _ => await ReadInContainerAsync(ns, CpuQuota) == "40000",
            TimeSpan.FromSeconds(30),
            $"the container's CFS quota follows the resized cpu limit\n{cluster.Agents[0].LogTail()}");
        await Eventually.WaitAsync(
            async _ => await cluster.Kubectl.JsonPathAsync(ns, "pod/app", "{.status.containerStatuses[0].resources.limits.cpu}") == "400m",
            TimeSpan.FromSeconds(30),
            "status.containerStatuses[0].resources shows the new cpu limit");
        Assert.Equal("0", await cluster.Kubectl.JsonPathAsync(ns, "pod/app", "{.status.containerStatuses[0].restartCount}"));
        Assert.Equal("200m", await cluster.Kubectl.JsonPathAsync(ns, "pod/app", "{.status.containerStatuses[0].allocatedResources.cpu}"));

        // Memory under RestartContainer: the container is restarted with the new limit.
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "patch", "pod", "app", "--subresource", "resize", "-p",
            """{"spec":{"containers":[{"name":"app","resources":{"limits":{"memory":"128Mi"}}}]}}"""));
        await Eventually.WaitAsync(
            async _ => await cluster.Kubectl.JsonPathAsync(ns, "pod/app", "{.status.containerStatuses[0].restartCount}") == "1"
                && await cluster.Kubectl.JsonPathAsync(ns, "pod/app", "{.status.containerStatuses[0].ready}") == "true",
            TimeSpan.FromSeconds(60),
            $"the container restarted once for its memory resize\n{cluster.Agents[0].LogTail()}");
        Assert.Equal((128L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), await ReadInContainerAsync(ns, MemoryLimit));
        Assert.Equal("40000", await ReadInContainerAsync(ns, CpuQuota));

        // More CPU than the node has: left pending as Infeasible, the running container untouched.
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "patch", "pod", "app", "--subresource", "resize", "-p",
            """{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"1000"},"limits":{"cpu":"1000"}}}]}}"""));
        try
        {
            await Eventually.WaitAsync(
                async _ => await cluster.Kubectl.JsonPathAsync(ns, "pod/app", "{.status.conditions[?(@.type==\"PodResizePending\")].reason}") == "Infeasible",
                TimeSpan.FromSeconds(30),
                "a resize the node cannot hold is pending as Infeasible");
        }
        catch (TimeoutException)
        {
            output.WriteLine((await cluster.Kubectl.RunAsync("-n", ns, "get", "pod", "app", "-o", "yaml")).Stdout);
            output.WriteLine(cluster.Agents[0].LogTail());
            throw;
        }
        Assert.Contains("Node didn't have enough capacity: cpu", await cluster.Kubectl.JsonPathAsync(ns, "pod/app", "{.status.conditions[?(@.type==\"PodResizePending\")].message}"), StringComparison.Ordinal);
        Assert.Equal("40000", await ReadInContainerAsync(ns, CpuQuota));
        Assert.Equal("1", await cluster.Kubectl.JsonPathAsync(ns, "pod/app", "{.status.containerStatuses[0].restartCount}"));

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    private async Task<string> ReadInContainerAsync(string ns, string path) =>
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "exec", "app", "--", "cat", path)).Stdout.Trim();
}
