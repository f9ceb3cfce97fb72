using System.Text.Json.Nodes;
using Timonel.Registry.Resources;
using Timonel.Registry.Tables;
using Xunit;
using static Timonel.Api.Tests.Tables.TableTestData;

namespace Timonel.Api.Tests.Tables;

public class PodTableTests
{
    private static readonly ITableConvertor Pods = TableConvertors.For(ResourceCatalog.Default.Find("", "v1", "pods")!);

    private static JsonObject Pod(string spec, string status, string metadataExtra = "") => Parse($$"""
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"web","namespace":"default","creationTimestamp":"{{Ago(TimeSpan.FromMinutes(45))}}"{{metadataExtra}}},
         "spec":{{spec}},
         "status":{{status}}}
        """);

    private const string OneContainer = """{"containers":[{"name":"app","image":"nginx"}]}""";

    [Fact]
    public void Columns_MatchUpstreamNamesAndPriorities()
    {
        Assert.Equal(
            ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"],
            Pods.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], Pods.Columns.Select(c => c.Priority));
        Assert.Equal("name", Pods.Columns[0].Format);
    }

    [Fact]
    public void Cells_PendingUnscheduled_ShowsPhaseAndNone()
    {
        var cells = Pods.Cells(Pod(OneContainer, """{"phase":"Pending"}"""), Now);

        Assert.Equal<object?>(["web", "0/1", "Pending", "0", "45m", "<none>", "<none>", "<none>", "<none>"], cells);
    }

    [Fact]
    public void Cells_Running_CountsReadyContainersAndShowsWideFields()
    {
        var pod = Pod(
            """{"nodeName":"node-1","containers":[{"name":"app"},{"name":"sidecar"}]}""",
            """
            {"phase":"Running","podIP":"10.42.0.7","podIPs":[{"ip":"10.42.0.7"}],
             "conditions":[{"type":"Ready","status":"True"}],
             "containerStatuses":[
               {"name":"app","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2024-06-01T11:00:00Z"}}},
               {"name":"sidecar","ready":false,"restartCount":0,"state":{"running":{"startedAt":"2024-06-01T11:00:00Z"}}}]}
            """);

        var cells = Pods.Cells(pod, Now);

        Assert.Equal<object?>(["web", "1/2", "Running", "0", "45m", "10.42.0.7", "node-1", "<none>", "<none>"], cells);
    }

    [Fact]
    public void Cells_CrashLoopBackOff_ShowsWaitingReasonAndRestartsAgo()
    {
        var pod = Pod(OneContainer, $$$$"""
            {"phase":"Running",
             "containerStatuses":[{"name":"app","ready":false,"restartCount":5,
               "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s"}},
               "lastState":{"terminated":{"exitCode":1,"reason":"Error","finishedAt":"{{{{Ago(TimeSpan.FromMinutes(5))}}}}"}}}]}
            """);

        Assert.Equal("0/1", Cell(Pods, pod, "Ready"));
        Assert.Equal("CrashLoopBackOff", Cell(Pods, pod, "Status"));
        Assert.Equal("5 (5m ago)", Cell(Pods, pod, "Restarts"));
    }

    [Fact]
    public void Cells_RestartsWithoutLastState_HaveNoSuffix()
    {
        var pod = Pod(OneContainer, """
            {"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":2,"state":{"running":{}}}]}
            """);

        Assert.Equal("2", Cell(Pods, pod, "Restarts"));
        Assert.Equal("1/1", Cell(Pods, pod, "Ready"));
    }

    [Fact]
    public void Cells_Completed_ShowsTerminatedReason()
    {
        var pod = Pod(OneContainer, """
            {"phase":"Succeeded","containerStatuses":[{"name":"app","ready":false,"restartCount":0,
              "state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}
            """);

        Assert.Equal("Completed", Cell(Pods, pod, "Status"));
        Assert.Equal("0/1", Cell(Pods, pod, "Ready"));
    }

    [Fact]
    public void Cells_TerminatedWithoutReason_ShowsExitCodeOrSignal()
    {
        var exit = Pod(OneContainer, """{"phase":"Failed","containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":3}}}]}""");
        var signal = Pod(OneContainer, """{"phase":"Failed","containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":137,"signal":9}}}]}""");

        Assert.Equal("ExitCode:3", Cell(Pods, exit, "Status"));
        Assert.Equal("Signal:9", Cell(Pods, signal, "Status"));
    }

    [Fact]
    public void Cells_CompletedContainerBesideRunningOne_ShowsRunningOrNotReady()
    {
        const string spec = """{"containers":[{"name":"a"},{"name":"b"}]}""";
        const string statuses = """
            "containerStatuses":[
              {"name":"a","ready":false,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
              {"name":"b","ready":true,"state":{"running":{}}}]
            """;
        var ready = Pod(spec, $$"""{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],{{statuses}}}""");
        var notReady = Pod(spec, $$"""{"phase":"Running",{{statuses}}}""");

        Assert.Equal("Running", Cell(Pods, ready, "Status"));
        Assert.Equal("NotReady", Cell(Pods, notReady, "Status"));
    }

    [Fact]
    public void Cells_SecondOfThreeInitContainersRunning_ShowsInitProgress()
    {
        var pod = Pod(
            """{"initContainers":[{"name":"i1"},{"name":"i2"},{"name":"i3"}],"containers":[{"name":"app"}]}""",
            """
            {"phase":"Pending",
             "initContainerStatuses":[
               {"name":"i1","restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
               {"name":"i2","restartCount":1,"state":{"running":{}}},
               {"name":"i3","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}],
             "containerStatuses":[{"name":"app","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}
            """);

        Assert.Equal("Init:1/3", Cell(Pods, pod, "Status"));
        Assert.Equal("1", Cell(Pods, pod, "Restarts"));
        Assert.Equal("0/1", Cell(Pods, pod, "Ready"));
    }

    [Fact]
    public void Cells_InitContainerFailing_ShowsInitReason()
    {
        const string spec = """{"initContainers":[{"name":"i1"}],"containers":[{"name":"app"}]}""";
        var backOff = Pod(spec, """
            {"phase":"Pending","initContainerStatuses":[{"name":"i1","restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}
            """);
        var failed = Pod(spec, """
            {"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":2}}}]}
            """);

        Assert.Equal("Init:CrashLoopBackOff", Cell(Pods, backOff, "Status"));
        Assert.Equal("3", Cell(Pods, backOff, "Restarts"));
        Assert.Equal("Init:ExitCode:2", Cell(Pods, failed, "Status"));
    }

    [Fact]
    public void Cells_StartedSidecarInitContainer_CountsTowardReady()
    {
        var pod = Pod(
            """{"initContainers":[{"name":"proxy","restartPolicy":"Always"}],"containers":[{"name":"app"}]}""",
            """
            {"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
             "initContainerStatuses":[{"name":"proxy","started":true,"ready":true,"restartCount":2,"state":{"running":{}}}],
             "containerStatuses":[{"name":"app","ready":true,"restartCount":1,"state":{"running":{}}}]}
            """);

        Assert.Equal("2/2", Cell(Pods, pod, "Ready"));
        Assert.Equal("Running", Cell(Pods, pod, "Status"));
        Assert.Equal("3", Cell(Pods, pod, "Restarts"));
    }

    [Fact]
    public void Cells_DeletionTimestampSet_ShowsTerminatingUnlessFinished()
    {
        var deleting = $",\"deletionTimestamp\":\"{Ago(TimeSpan.FromSeconds(10))}\"";
        var running = Pod(OneContainer, """{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"state":{"running":{}}}]}""", deleting);
        var succeeded = Pod(OneContainer, """{"phase":"Succeeded","containerStatuses":[{"name":"app","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}""", deleting);
        var lost = Pod(OneContainer, """{"phase":"Running","reason":"NodeLost"}""", deleting);

        Assert.Equal("Terminating", Cell(Pods, running, "Status"));
        Assert.Equal("Completed", Cell(Pods, succeeded, "Status"));
        Assert.Equal("Unknown", Cell(Pods, lost, "Status"));
    }

    [Fact]
    public void Cells_StatusReasonAndSchedulingGate_OverridePhase()
    {
        var evicted = Pod(OneContainer, """{"phase":"Failed","reason":"Evicted"}""");
        var gated = Pod(OneContainer, """{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}""");

        Assert.Equal("Evicted", Cell(Pods, evicted, "Status"));
        Assert.Equal("SchedulingGated", Cell(Pods, gated, "Status"));
    }

    [Fact]
    public void Cells_ReadinessGates_CountTrueConditions()
    {
        var pod = Pod(
            """{"containers":[{"name":"app"}],"readinessGates":[{"conditionType":"a/ok"},{"conditionType":"b/ok"}]}""",
            """{"phase":"Running","nominatedNodeName":"n2","conditions":[{"type":"a/ok","status":"True"},{"type":"b/ok","status":"False"}]}""");

        Assert.Equal("1/2", Cell(Pods, pod, "Readiness Gates"));
        Assert.Equal("n2", Cell(Pods, pod, "Nominated Node"));
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"x"}}""")]
    [InlineData("""{}""")]
    [InlineData("""{"metadata":[],"spec":"nope","status":{"containerStatuses":{"a":1},"initContainerStatuses":[1,"x",null]}}""")]
    [InlineData("""{"spec":{"containers":[null,{"name":7}]},"status":{"containerStatuses":[{"state":{"waiting":null},"restartCount":"many"}]}}""")]
    public void Cells_MissingOrMistypedFields_DoNotThrow(string json)
    {
        var cells = Pods.Cells(Parse(json), Now);

        Assert.Equal(Pods.Columns.Count, cells.Count);
        Assert.Equal("<unknown>", cells[4]);
    }
}
