using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Timonel.Testing;
using Xunit;
using static Timonel.Controllers.Tests.Job.JobTestKit;

namespace Timonel.Controllers.Tests.Job;

public sealed class JobControllerTests(JobControllerFixture fixture) : IClassFixture<JobControllerFixture>
{
    private IKubernetes Client => fixture.Harness.Client;

    [Fact]
    public async Task Sync_CompletionsFiveParallelismTwo_NeverMoreThanTwoActiveAndSucceedsWithFive()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("job");
        var job = await Client.BatchV1.CreateNamespacedJobAsync(NewJob("five", completions: 5, parallelism: 2), ns);

        for (var finished = 0; finished < 5; finished++)
        {
            var active = await WaitForActivePodsAsync(Client, ns, "five", 1);
            Assert.True(active.Count <= 2, $"{active.Count} pods active with parallelism 2");
            await FinishPodAsync(Client, active[0], 0);
        }

        var done = await WaitForConditionAsync(Client, ns, "five", "Complete");
        Assert.Equal(5, done.Status.Succeeded);
        Assert.Equal(0, done.Status.Active ?? 0);
        Assert.NotNull(done.Status.CompletionTime);
        Assert.Contains(done.Status.Conditions, c => c.Type == "SuccessCriteriaMet" && c.Reason == "CompletionsReached");
        Assert.Contains(done.Status.Conditions, c => c.Type == "Complete" && c.Message == "Reached expected number of succeeded pods");

        var pods = await PodsAsync(Client, ns, "five");
        Assert.Equal(5, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.StartsWith("five-", p.Metadata.Name, StringComparison.Ordinal);
            Assert.Equal(job.Metadata.Uid, p.Metadata.Labels["batch.kubernetes.io/controller-uid"]);
            Assert.Equal("five", p.Metadata.Labels["job-name"]);
            Assert.Equal(job.Metadata.Uid, Assert.Single(p.Metadata.OwnerReferences).Uid);
        });
        // Counted pods are let go: the tracking finalizer is removed once the count is in the status.
        await Eventually.WaitAsync(
            async ct => (await PodsAsync(Client, ns, "five", ct)).All(p => p.Metadata.Finalizers is null or { Count: 0 }),
            WaitLimit,
            "tracking finalizers removed");
        Assert.Contains(fixture.Harness.Events, e => e.Name == "five" && e.Reason == "Completed" && e.Message == "Job completed");
        Assert.Equal(5, fixture.Harness.Events.Count(e => e.Name == "five" && e.Reason == "SuccessfulCreate"));
    }

    [Fact]
    public async Task Sync_PodsKeepFailing_StopsAtBackoffLimitWithFailedCondition()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("job");
        await Client.BatchV1.CreateNamespacedJobAsync(NewJob("failing", backoffLimit: 2), ns);

        var failed = await Eventually.WaitAsync(
            async ct =>
            {
                var job = await Client.BatchV1.ReadNamespacedJobAsync("failing", ns, cancellationToken: ct);
                if (job.Status?.Conditions?.Any(c => c.Type == "Failed" && c.Status == "True") == true)
                {
                    return job;
                }

                foreach (var pod in (await PodsAsync(Client, ns, "failing", ct)).Where(IsActive))
                {
                    await FinishPodAsync(Client, pod, 1, ct);
                }

                return null;
            },
            WaitLimit,
            "job failed");

        Assert.Equal(3, failed.Status.Failed);
        var condition = Assert.Single(failed.Status.Conditions, c => c.Type == "Failed");
        Assert.Equal("BackoffLimitExceeded", condition.Reason);
        Assert.Equal("Job has reached the specified backoff limit", condition.Message);
        Assert.Contains(failed.Status.Conditions, c => c.Type == "FailureTarget" && c.Reason == "BackoffLimitExceeded");
        Assert.Null(failed.Status.CompletionTime);
        Assert.Equal(3, (await PodsAsync(Client, ns, "failing")).Count);
        Assert.Contains(fixture.Harness.Events, e => e.Name == "failing" && e is { Type: "Warning", Reason: "BackoffLimitExceeded" });
    }

    [Fact]
    public async Task Sync_ActiveDeadlinePassed_FailsWithDeadlineExceededAndDeletesPods()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("job");
        var spec = NewJob("deadline", completions: 4, parallelism: 2);
        spec.Spec.ActiveDeadlineSeconds = 2;
        await Client.BatchV1.CreateNamespacedJobAsync(spec, ns);
        await WaitForActivePodsAsync(Client, ns, "deadline", 2);

        var job = await WaitForConditionAsync(Client, ns, "deadline", "Failed");

        var condition = Assert.Single(job.Status.Conditions, c => c.Type == "Failed");
        Assert.Equal("DeadlineExceeded", condition.Reason);
        Assert.Equal("Job was active longer than specified deadline", condition.Message);
        await Eventually.WaitAsync(async ct => (await PodsAsync(Client, ns, "deadline", ct)).Count == 0, WaitLimit, "pods deleted");
        Assert.Equal(0, job.Status.Failed ?? 0);
    }

    [Fact]
    public async Task Sync_IndexedCompletion_RunsEachIndexOnceAndRecordsCompletedIndexes()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("job");
        var spec = NewJob("indexed", completions: 3, parallelism: 3, backoffLimit: 3);
        spec.Spec.CompletionMode = "Indexed";
        await Client.BatchV1.CreateNamespacedJobAsync(spec, ns);

        var pods = await WaitForActivePodsAsync(Client, ns, "indexed", 3);
        var byIndex = pods.ToDictionary(p => p.Metadata.Annotations["batch.kubernetes.io/job-completion-index"]);
        Assert.Equal(["0", "1", "2"], byIndex.Keys.Order());
        foreach (var (index, pod) in byIndex)
        {
            Assert.Equal(index, pod.Metadata.Labels["batch.kubernetes.io/job-completion-index"]);
            Assert.Equal($"indexed-{index}", pod.Spec.Hostname);
            Assert.StartsWith($"indexed-{index}-", pod.Metadata.Name, StringComparison.Ordinal);
            var env = Assert.Single(pod.Spec.Containers[0].Env, e => e.Name == "JOB_COMPLETION_INDEX");
            Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", env.ValueFrom.FieldRef.FieldPath);
        }

        await FinishPodAsync(Client, byIndex["0"], 0);
        await FinishPodAsync(Client, byIndex["2"], 0);
        await FinishPodAsync(Client, byIndex["1"], 1);
        await Eventually.WaitAsync(
            async ct => (await Client.BatchV1.ReadNamespacedJobAsync("indexed", ns, cancellationToken: ct)).Status?.CompletedIndexes == "0,2",
            WaitLimit,
            "completedIndexes 0,2");

        // The failed index runs again, and only that one.
        var retry = await Eventually.WaitAsync(
            async ct => (await PodsAsync(Client, ns, "indexed", ct)).Where(IsActive).SingleOrDefault(),
            WaitLimit,
            "a new pod for index 1");
        Assert.Equal("1", retry.Metadata.Annotations["batch.kubernetes.io/job-completion-index"]);
        await FinishPodAsync(Client, retry, 0);

        var job = await WaitForConditionAsync(Client, ns, "indexed", "Complete");
        Assert.Equal("0-2", job.Status.CompletedIndexes);
        Assert.Equal(3, job.Status.Succeeded);
        Assert.Equal(1, job.Status.Failed);
    }

    [Fact]
    public async Task Sync_SuspendThenResume_DeletesPodsThenRecreatesThem()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("job");
        await Client.BatchV1.CreateNamespacedJobAsync(NewJob("pausable", completions: 4, parallelism: 2), ns);
        await WaitForActivePodsAsync(Client, ns, "pausable", 2);

        await Client.BatchV1.PatchNamespacedJobAsync(new V1Patch("""{"spec":{"suspend":true}}""", V1Patch.PatchType.MergePatch), "pausable", ns);
        var suspended = await WaitForConditionAsync(Client, ns, "pausable", "Suspended");
        Assert.Equal("JobSuspended", suspended.Status.Conditions.Single(c => c.Type == "Suspended").Reason);
        await Eventually.WaitAsync(async ct => (await PodsAsync(Client, ns, "pausable", ct)).Count == 0, WaitLimit, "pods deleted on suspend");

        await Client.BatchV1.PatchNamespacedJobAsync(new V1Patch("""{"spec":{"suspend":false}}""", V1Patch.PatchType.MergePatch), "pausable", ns);
        await WaitForActivePodsAsync(Client, ns, "pausable", 2);
        // Pods are created before the status write that flips the condition: wait for that write.
        var resumed = await Eventually.WaitAsync(
            async ct => await Client.BatchV1.ReadNamespacedJobAsync("pausable", ns, cancellationToken: ct) is { } j && j.Status.Conditions.Single(c => c.Type == "Suspended").Status == "False" ? j : null,
            WaitLimit,
            "the Suspended condition turning False");
        var condition = resumed.Status.Conditions.Single(c => c.Type == "Suspended");
        Assert.Equal(("False", "JobResumed"), (condition.Status, condition.Reason));
        Assert.Equal(0, resumed.Status.Failed ?? 0);
        Assert.Contains(fixture.Harness.Events, e => e.Name == "pausable" && e.Reason == "Resumed");
    }

    [Fact]
    public async Task Sync_TtlSecondsAfterFinished_DeletesFinishedJob()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("job");
        var spec = NewJob("short-lived");
        spec.Spec.TtlSecondsAfterFinished = 1;
        await Client.BatchV1.CreateNamespacedJobAsync(spec, ns);
        var pod = (await WaitForActivePodsAsync(Client, ns, "short-lived", 1))[0];
        await FinishPodAsync(Client, pod, 0);
        await WaitForConditionAsync(Client, ns, "short-lived", "Complete");

        await Eventually.WaitAsync(
            async ct =>
            {
                try
                {
                    await Client.BatchV1.ReadNamespacedJobAsync("short-lived", ns, cancellationToken: ct);
                    return false;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    return true;
                }
            },
            WaitLimit,
            "job deleted after its TTL");
    }

    [Fact]
    public async Task Sync_PodFailurePolicy_IgnoresListedExitCodeAndFailsJobOnFailJobCode()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("job");
        var spec = NewJob("policy", backoffLimit: 6);
        spec.Spec.PodFailurePolicy = new V1PodFailurePolicy
        {
            Rules =
            [
                new V1PodFailurePolicyRule { Action = "FailJob", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { ContainerName = "main", OperatorProperty = "In", Values = [42] } },
                new V1PodFailurePolicyRule { Action = "Ignore", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { OperatorProperty = "In", Values = [43] } },
            ],
        };
        await Client.BatchV1.CreateNamespacedJobAsync(spec, ns);

        var first = (await WaitForActivePodsAsync(Client, ns, "policy", 1))[0];
        await FinishPodAsync(Client, first, 43);
        var second = await Eventually.WaitAsync(
            async ct => (await PodsAsync(Client, ns, "policy", ct)).FirstOrDefault(p => IsActive(p) && p.Metadata.Uid != first.Metadata.Uid),
            WaitLimit,
            "replacement of the ignored failure");
        await FinishPodAsync(Client, second, 42);

        var job = await WaitForConditionAsync(Client, ns, "policy", "Failed");
        var condition = job.Status.Conditions.Single(c => c.Type == "Failed");
        Assert.Equal("PodFailurePolicy", condition.Reason);
        Assert.Equal($"Container main for pod {ns}/{second.Metadata.Name} failed with exit code 42 matching FailJob rule at index 0", condition.Message);
        Assert.Equal(1, job.Status.Failed);
    }

    [Fact]
    public async Task Sync_RunningPodDeleted_CountsAsFailedAndIsReplaced()
    {
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("job");
        await Client.BatchV1.CreateNamespacedJobAsync(NewJob("deleted-pod"), ns);
        var pod = (await WaitForActivePodsAsync(Client, ns, "deleted-pod", 1))[0];

        await Client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns);

        // The finalizer holds the pod until the controller counted it.
        await Eventually.WaitAsync(
            async ct => (await Client.BatchV1.ReadNamespacedJobAsync("deleted-pod", ns, cancellationToken: ct)).Status?.Failed == 1,
            WaitLimit,
            "deleted pod counted as failed");
        await Eventually.WaitAsync(
            async ct => (await PodsAsync(Client, ns, "deleted-pod", ct)) is [var only] && only.Metadata.Uid != pod.Metadata.Uid,
            WaitLimit,
            "deleted pod gone and replaced");
    }

    [Fact]
    public async Task Sync_PodReadyButNotRunning_CountedReady()
    {
        // Upstream counts status.ready with podutil.IsPodReady (the condition alone); the old copy also required Running.
        var ns = await fixture.Harness.Cluster.CreateNamespaceAsync("job");
        await Client.BatchV1.CreateNamespacedJobAsync(NewJob("ready-pending"), ns);
        var pod = (await WaitForActivePodsAsync(Client, ns, "ready-pending", 1))[0];

        var fresh = await Client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, ns);
        fresh.Status ??= new V1PodStatus();
        fresh.Status.Phase = "Pending";
        fresh.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow }];
        await Client.CoreV1.ReplaceNamespacedPodStatusAsync(fresh, fresh.Metadata.Name, ns);

        var job = await Eventually.WaitAsync(
            async ct => (await Client.BatchV1.ReadNamespacedJobAsync("ready-pending", ns, cancellationToken: ct)) is { Status.Ready: 1 } j ? j : null,
            WaitLimit,
            "the Ready (but Pending) pod counted in status.ready");
        Assert.Equal(1, job.Status.Active);
    }
}
