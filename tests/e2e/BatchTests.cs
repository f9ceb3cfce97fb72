using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// Jobs and CronJobs through the real kubectl. With no node running the pods, the test plays the
/// kubelet: it ends pods with <c>kubectl patch --subresource=status</c>.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class BatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(90);

    private Kubectl Kubectl => fixture.Kubectl;

    [Fact]
    public async Task Job_CompletionsFiveParallelismTwo_CompletesWithAtMostTwoRunning()
    {
        const string Ns = "batch-complete";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(JobManifest(Ns, "five", completions: 5, parallelism: 2, backoffLimit: 6)));

        for (var finished = 0; finished < 5; finished++)
        {
            var running = await Eventually.WaitAsync(
                async _ => await RunningPodsAsync(Ns, "five") is { Count: > 0 } pods ? pods : null,
                WaitLimit,
                "a running pod of job five");
            Assert.True(running.Count <= 2, $"{running.Count} pods running with parallelism 2: {string.Join(",", running)}");
            await EndPodAsync(Ns, running[0], exitCode: 0);
        }

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "wait", "--for=condition=complete", "job/five", "--timeout=90s"));
        Assert.Equal("5", await Kubectl.JsonPathAsync(Ns, "job/five", "{.status.succeeded}"));
        var pods = await Kubectl.JsonPathAsync(Ns, "pods", "{.items[*].metadata.name}");
        Assert.Equal(5, pods.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Job_PodsKeepFailing_StopsAtBackoffLimit()
    {
        const string Ns = "batch-failing";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(JobManifest(Ns, "broken", completions: 1, parallelism: 1, backoffLimit: 1)));

        await Eventually.WaitAsync(
            async _ =>
            {
                var reason = await Kubectl.JsonPathAsync(Ns, "job/broken", "{.status.conditions[?(@.type==\"Failed\")].reason}");
                if (reason.Length > 0)
                {
                    return true;
                }

                foreach (var pod in await RunningPodsAsync(Ns, "broken"))
                {
                    await EndPodAsync(Ns, pod, exitCode: 3);
                }

                return false;
            },
            WaitLimit,
            "job broken failed");

        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "wait", "--for=condition=failed", "job/broken", "--timeout=30s"));
        Assert.Equal("BackoffLimitExceeded", await Kubectl.JsonPathAsync(Ns, "job/broken", "{.status.conditions[?(@.type==\"Failed\")].reason}"));
        Assert.Equal("2", await Kubectl.JsonPathAsync(Ns, "job/broken", "{.status.failed}"));
        var describe = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "describe", "job", "broken"));
        KubectlAssert.StdoutContains(describe, "BackoffLimitExceeded");
    }

    [Fact]
    public async Task CronJob_EveryMinute_CreatesJobsOnScheduleAndFromCreateJob()
    {
        const string Ns = "batch-cron";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "cronjob", "tick", "--image=busybox", "--schedule=*/1 * * * *", "--", "true"));

        // kubectl builds this Job from the CronJob's template; the job controller runs it.
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "job", "manual", "--from=cronjob/tick"));
        Assert.Equal("CronJob", await Kubectl.JsonPathAsync(Ns, "job/manual", "{.metadata.ownerReferences[0].kind}"));
        await Eventually.WaitAsync(async _ => (await RunningPodsAsync(Ns, "manual")).Count == 1, WaitLimit, "the manual job's pod");

        var scheduled = await Eventually.WaitAsync(
            async _ => (await Kubectl.JsonPathAsync(Ns, "jobs", "{.items[*].metadata.name}")).Split(' ').FirstOrDefault(n => n.StartsWith("tick-", StringComparison.Ordinal)),
            WaitLimit,
            "a scheduled job of cronjob tick");
        var minutes = long.Parse(scheduled["tick-".Length..], CultureInfo.InvariantCulture);
        var stamp = await Kubectl.JsonPathAsync(Ns, $"job/{scheduled}", "{.metadata.annotations.batch\\.kubernetes\\.io/cronjob-scheduled-timestamp}");
        Assert.Equal(minutes * 60, DateTimeOffset.Parse(stamp, CultureInfo.InvariantCulture).ToUnixTimeSeconds());
        await Eventually.WaitAsync(
            async _ => (await Kubectl.JsonPathAsync(Ns, "cronjob/tick", "{.status.active[*].name}")).Contains(scheduled, StringComparison.Ordinal),
            WaitLimit,
            "the scheduled job in status.active");
        Assert.NotEmpty(await Kubectl.JsonPathAsync(Ns, "cronjob/tick", "{.status.lastScheduleTime}"));
    }

    private async Task<List<string>> RunningPodsAsync(string ns, string job)
    {
        var result = KubectlAssert.Succeeds(await Kubectl.RunAsync(
            "-n", ns, "get", "pods", "-l", $"job-name={job}", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.metadata.deletionTimestamp}{\"\\n\"}{end}"));
        return [.. result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 2 && f[1] is "Pending" or "Running")
            .Select(f => f[0])];
    }

    private async Task EndPodAsync(string ns, string pod, int exitCode)
    {
        var phase = exitCode == 0 ? "Succeeded" : "Failed";
        var terminated = new JsonObject { ["exitCode"] = exitCode, ["reason"] = exitCode == 0 ? "Completed" : "Error" };
        var container = new JsonObject
        {
            ["name"] = "main", ["image"] = "busybox", ["imageID"] = "", ["ready"] = false, ["restartCount"] = 0,
            ["state"] = new JsonObject { ["terminated"] = terminated },
        };
        var patch = new JsonObject { ["status"] = new JsonObject { ["phase"] = phase, ["containerStatuses"] = new JsonArray(container) } }.ToJsonString();
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", ns, "patch", "pod", pod, "--subresource=status", "--type=merge", "-p", patch));
    }

    private static string JobManifest(string ns, string name, int completions, int parallelism, int backoffLimit) => $"""
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          completions: {completions}
          parallelism: {parallelism}
          backoffLimit: {backoffLimit}
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: main
                image: busybox
                command: ["true"]
        """;
}
