using k8s.Models;
using Timonel.Client.Controllers;
using Xunit;

namespace Timonel.Client.Tests.Controllers;

public sealed class PodConditionsTests
{
    private static readonly DateTime T0 = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void IsPodReady_ReadyTrueButNotRunning_True()
    {
        // Upstream's IsPodReady reads only the condition; Job's old copy also demanded Running.
        Assert.True(PodConditions.IsPodReady(Pod("Pending", ("Ready", "True", T0))));
        Assert.False(PodConditions.IsRunningAndReady(Pod("Pending", ("Ready", "True", T0))));
    }

    [Theory]
    [InlineData("False")]
    [InlineData("Unknown")]
    public void IsPodReady_ReadyNotTrue_False(string status) =>
        Assert.False(PodConditions.IsPodReady(Pod("Running", ("Ready", status, T0))));

    [Fact]
    public void IsPodReady_NoStatusOrNoReadyCondition_False()
    {
        Assert.False(PodConditions.IsPodReady(new V1Pod { Metadata = new V1ObjectMeta { Name = "p" } }));
        Assert.False(PodConditions.IsPodReady(Pod("Running", ("ContainersReady", "True", T0))));
    }

    [Fact]
    public void IsPodReady_DuplicateReadyConditions_FirstWins()
    {
        Assert.False(PodConditions.IsPodReady(Pod("Running", ("Ready", "False", T0), ("Ready", "True", T0))));
    }

    [Fact]
    public void IsPodAvailable_MinReadySeconds_CountsFromReadyTransition()
    {
        var pod = Pod("Running", ("Ready", "True", T0));
        Assert.True(PodConditions.IsPodAvailable(pod, 0, T0));
        Assert.False(PodConditions.IsPodAvailable(pod, 10, T0.AddSeconds(9)));
        Assert.True(PodConditions.IsPodAvailable(pod, 10, T0.AddSeconds(11)));
        Assert.Equal(TimeSpan.FromSeconds(4), PodConditions.TimeUntilAvailable(pod, 10, T0.AddSeconds(6)));
        Assert.Null(PodConditions.TimeUntilAvailable(pod, 10, T0.AddSeconds(11)));
    }

    [Fact]
    public void IsPodAvailable_NotReadyOrNoTransitionTime_False()
    {
        Assert.False(PodConditions.IsPodAvailable(Pod("Running", ("Ready", "False", T0)), 0, T0));
        var noTime = Pod("Running");
        noTime.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }];
        Assert.True(PodConditions.IsPodAvailable(noTime, 0, T0));
        Assert.False(PodConditions.IsPodAvailable(noTime, 5, T0));
    }

    [Fact]
    public void IsPodActive_TerminalOrDeleting_False()
    {
        Assert.True(PodConditions.IsPodActive(Pod("Pending")));
        Assert.True(PodConditions.IsPodActive(Pod("Unknown")));
        Assert.True(PodConditions.IsPodActive(new V1Pod { Metadata = new V1ObjectMeta() }));
        Assert.False(PodConditions.IsPodActive(Pod("Succeeded")));
        Assert.False(PodConditions.IsPodActive(Pod("Failed")));
        var deleting = Pod("Running");
        deleting.Metadata.DeletionTimestamp = T0;
        Assert.False(PodConditions.IsPodActive(deleting));
        Assert.True(PodConditions.IsPodTerminating(deleting));
        Assert.False(PodConditions.IsPodTerminal(deleting));
    }

    private static V1Pod Pod(string phase, params (string Type, string Status, DateTime Since)[] conditions) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns" },
        Status = new V1PodStatus
        {
            Phase = phase,
            Conditions = [.. conditions.Select(c => new V1PodCondition { Type = c.Type, Status = c.Status, LastTransitionTime = c.Since })],
        },
    };
}
