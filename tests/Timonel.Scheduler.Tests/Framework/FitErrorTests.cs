using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins;
using Xunit;

namespace Timonel.Scheduler.Tests.Framework;

public class FitErrorTests
{
    [Fact]
    public void Message_FilterReasonsAndPreemption_MatchesUpstreamWording()
    {
        var taint = TaintToleration.ErrReason(new k8s.Models.V1Taint { Key = "key", Value = "value", Effect = "NoSchedule" });
        var statuses = new Dictionary<string, Status>
        {
            ["n1"] = Status.Unschedulable("Insufficient cpu"),
            ["n2"] = Status.Unschedulable("Insufficient cpu"),
            ["n3"] = Status.Unschedulable("Insufficient cpu"),
            ["n4"] = Status.Unresolvable(taint),
            ["n5"] = Status.Unresolvable(taint),
        };
        var fit = new FitError(5, statuses, null, "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.");

        Assert.Equal(
            "0/5 nodes are available: 2 node(s) had untolerated taint {key: value}, 3 Insufficient cpu. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.",
            fit.Message());
    }

    [Fact]
    public void Message_NodeWithSeveralReasons_CountsEachReason()
    {
        var statuses = new Dictionary<string, Status>
        {
            ["n1"] = Status.Unschedulable("Insufficient cpu", "Insufficient memory"),
            ["n2"] = Status.Unschedulable("Insufficient memory"),
        };

        Assert.Equal("0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.", new FitError(2, statuses, null).Message());
    }

    [Fact]
    public void Message_PreFilterRejection_UsesPreFilterMessageOnly()
    {
        var statuses = new Dictionary<string, Status> { ["n1"] = Status.Unresolvable("pod has unbound immediate PersistentVolumeClaims") };

        Assert.Equal(
            "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
            new FitError(1, statuses, "pod has unbound immediate PersistentVolumeClaims").Message());
    }

    [Fact]
    public void Message_NoNodes_SaysZeroOfZero()
    {
        Assert.Equal("0/0 nodes are available:", new FitError(0, new Dictionary<string, Status>(), null).Message());
    }
}
