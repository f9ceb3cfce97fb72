using k8s.Models;
using Timonel.Client.Controllers;
using Timonel.Controllers.ReplicaSet;
using Xunit;

namespace Timonel.Controllers.Tests.ReplicaSet;

public sealed class ReplicaSetLogicTests
{
    private static readonly DateTime T0 = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static V1Pod Pod(string name, string? node = null, string? phase = "Running", bool ready = false, DateTime? created = null, int restarts = 0, DateTime? readySince = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = created ?? T0 },
        Spec = new V1PodSpec { NodeName = node },
        Status = new V1PodStatus
        {
            Phase = phase,
            Conditions = ready ? [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = readySince ?? T0 }] : null,
            ContainerStatuses = [new V1ContainerStatus { Name = "c", RestartCount = restarts }],
        },
    };

    [Fact]
    public void PickForDeletion_MixedPods_FollowsUpstreamRanking()
    {
        var pods = new[]
        {
            Pod("ready-old", "n1", ready: true, created: T0),
            Pod("ready-new", "n2", ready: true, created: T0.AddMinutes(5)),
            Pod("running-not-ready", "n3"),
            Pod("pending", "n4", phase: "Pending"),
            Pod("unscheduled", phase: "Pending"),
        };

        var order = new PodDeletionRanking(pods).PickForDeletion(pods, 5).Select(p => p.Metadata.Name);

        Assert.Equal(["unscheduled", "pending", "running-not-ready", "ready-new", "ready-old"], order);
    }

    [Fact]
    public void PickForDeletion_DoubledUpNodeAndRestarts_GoFirst()
    {
        var lone = Pod("lone", "n1", ready: true);
        var doubledA = Pod("doubled-a", "n2", ready: true);
        var doubledB = Pod("doubled-b", "n2", ready: true, restarts: 3);

        var order = new PodDeletionRanking([lone, doubledA, doubledB]).PickForDeletion([lone, doubledA, doubledB], 3).Select(p => p.Metadata.Name);

        Assert.Equal(["doubled-b", "doubled-a", "lone"], order);
    }

    [Fact]
    public void IsAvailable_ReadyForLessThanMinReadySeconds_IsNot()
    {
        var pod = Pod("p", ready: true, readySince: T0);

        Assert.False(PodConditions.IsPodAvailable(pod, 10, new DateTimeOffset(T0.AddSeconds(5))));
        Assert.True(PodConditions.IsPodAvailable(pod, 10, new DateTimeOffset(T0.AddSeconds(10))));
        Assert.True(PodConditions.IsPodAvailable(pod, 0, new DateTimeOffset(T0)));
        Assert.False(PodConditions.IsPodAvailable(Pod("q"), 0, new DateTimeOffset(T0)));
    }

    [Fact]
    public void IsActive_TerminatingOrFinished_IsNot()
    {
        var terminating = Pod("t");
        terminating.Metadata.DeletionTimestamp = T0;

        Assert.True(PodConditions.IsPodActive(Pod("p", phase: "Pending")));
        Assert.False(PodConditions.IsPodActive(terminating));
        Assert.False(PodConditions.IsPodActive(Pod("s", phase: "Succeeded")));
        Assert.False(PodConditions.IsPodActive(Pod("f", phase: "Failed")));
    }

    [Fact]
    public async Task SlowStartBatch_AllSucceed_MakesEveryCall()
    {
        var calls = 0;

        var (succeeded, error) = await SlowStartBatch.RunAsync(10, () =>
        {
            Interlocked.Increment(ref calls);
            return Task.FromResult<Exception?>(null);
        });

        Assert.Equal(10, succeeded);
        Assert.Null(error);
        Assert.Equal(10, calls);
    }

    [Fact]
    public async Task SlowStartBatch_FailureInSecondBatch_StopsBeforeTheThird()
    {
        var calls = 0;

        var (succeeded, error) = await SlowStartBatch.RunAsync(10, () =>
        {
            var n = Interlocked.Increment(ref calls);
            return Task.FromResult<Exception?>(n == 3 ? new InvalidOperationException("quota") : null);
        });

        // Batches 1 then 2: the second holds the failure, so 3 calls, 2 successes, nothing more.
        Assert.Equal(3, calls);
        Assert.Equal(2, succeeded);
        var failure = Assert.IsType<BatchFailure>(error);
        Assert.Equal(1, failure.Failed);
        Assert.Equal("quota", failure.Message);
    }

    [Fact]
    public void PodFromTemplate_ReplicaSet_GetsGenerateNameLabelsAndControllerRef()
    {
        var rs = ReplicaSetControllerTests.ReplicaSet("web", 1);
        rs.Metadata.NamespaceProperty = "ns";
        rs.Metadata.Uid = "uid-1";

        var pod = ReplicaSetController.PodFromTemplate(rs);

        Assert.Equal("web-", pod.Metadata.GenerateName);
        Assert.Equal("web", pod.Metadata.Labels["app"]);
        Assert.Equal("uid-1", Assert.Single(pod.Metadata.OwnerReferences).Uid);
        Assert.NotSame(rs.Spec.Template.Spec, pod.Spec);
    }
}
