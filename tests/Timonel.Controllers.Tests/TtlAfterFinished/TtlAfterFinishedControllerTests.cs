using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.TtlAfterFinished;

public sealed class TtlAfterFinishedControllerTests
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The clock jumps a minute right after one of the first reads once the job has finished:
    /// the controller's (the update handler's, the sync's) or the work queue's. Wherever it lands
    /// between the controller reading the time and the queue arming the requeue, the job goes at
    /// its due time; a delay measured from a stale reading would wait a minute more.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Sync_ClockJumpsBetweenTheReadAndTheRequeue_JobDeletedAtItsDueTime(int jumpAfterRead)
    {
        // Whole seconds (the API keeps times to the second), a minute ahead so the job's start precedes its end.
        var start = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 60);
        var clock = new JumpAfterReadsClock(new FakeTimeProvider(start));
        await using var harness = await ControllerHarness.StartAsync(null, clock, "ttl-after-finished");
        var client = harness.Client;
        var ns = await harness.Cluster.CreateNamespaceAsync("ttl-jump");
        var job = TestJob("done");
        job.Spec.TtlSecondsAfterFinished = 600;
        await client.BatchV1.CreateNamespacedJobAsync(job, ns);

        clock.JumpAfterReads(jumpAfterRead, TimeSpan.FromMinutes(1));
        await FinishAsync(client, ns, "done", start.UtcDateTime);
        await clock.Armed.WaitAsync(WaitLimit);
        Assert.Equal(start.AddMinutes(1), clock.Inner.GetUtcNow());
        Assert.True(await ExistsAsync(client, ns, "done"), "deleted before its TTL passed");

        // Exactly the due time.
        clock.Inner.SetUtcNow(start.AddSeconds(600));
        await Eventually.WaitAsync(async ct => !await ExistsAsync(client, ns, "done", ct), WaitLimit, "the job deleted once its TTL has passed");
    }

    private static V1Job TestJob(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1JobSpec
        {
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "main", Image = "busybox" }] },
            },
        },
    };

    /// <summary>Marks the job Complete at <paramref name="at"/> through its status, as the job controller would.</summary>
    private static async Task FinishAsync(IKubernetes client, string ns, string name, DateTime at)
    {
        var job = await client.BatchV1.ReadNamespacedJobAsync(name, ns);
        job.Status = new V1JobStatus
        {
            StartTime = job.Metadata.CreationTimestamp,
            CompletionTime = at,
            Succeeded = 1,
            Conditions =
            [
                new V1JobCondition { Type = "SuccessCriteriaMet", Status = "True", LastTransitionTime = at },
                new V1JobCondition { Type = "Complete", Status = "True", LastTransitionTime = at },
            ],
        };
        await client.BatchV1.ReplaceNamespacedJobStatusAsync(job, name, ns);
    }

    private static async Task<bool> ExistsAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.BatchV1.ReadNamespacedJobAsync(name, ns, cancellationToken: cancellationToken);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
