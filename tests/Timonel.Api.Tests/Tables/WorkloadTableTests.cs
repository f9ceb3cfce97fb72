using Timonel.Registry.Resources;
using Timonel.Registry.Tables;
using Xunit;
using static Timonel.Api.Tests.Tables.TableTestData;

namespace Timonel.Api.Tests.Tables;

public class WorkloadTableTests
{
    private static ITableConvertor For(string group, string plural) =>
        TableConvertors.For(ResourceCatalog.Default.All.Single(r => r.Group == group && r.Plural == plural));

    [Fact]
    public void Deployment_Row_MatchesUpstream()
    {
        var deployments = For("apps", "deployments");
        var obj = Parse($$$$"""
            {"metadata":{"name":"web","creationTimestamp":"{{{{Ago(TimeSpan.FromDays(5))}}}}"},
             "spec":{"replicas":3,
               "selector":{"matchLabels":{"app":"web","tier":"fe"},"matchExpressions":[{"key":"env","operator":"In","values":["prod","dev"]}]},
               "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"},{"name":"log","image":"busybox"}]}}},
             "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}
            """);

        Assert.Equal(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"], deployments.Columns.Select(c => c.Name));
        Assert.Equal<object?>(
            ["web", "2/3", 3L, 2L, "5d", "nginx,log", "nginx:1.27,busybox", "app=web,env in (dev,prod),tier=fe"],
            deployments.Cells(obj, Now));
    }

    [Fact]
    public void Deployment_NoStatus_ShowsZeroes()
    {
        var cells = For("apps", "deployments").Cells(Parse("""{"metadata":{"name":"new"},"spec":{"replicas":2}}"""), Now);

        Assert.Equal<object?>(["new", "0/2", 0L, 0L, "<unknown>", "", "", ""], cells);
    }

    [Fact]
    public void Deployment_BadSelectorOperator_ShowsInvalid()
    {
        var obj = Parse("""{"metadata":{"name":"x"},"spec":{"selector":{"matchExpressions":[{"key":"a","operator":"Near"}]}}}""");

        Assert.Equal("<invalid>", Cell(For("apps", "deployments"), obj, "Selector"));
    }

    [Fact]
    public void ReplicaSet_Row_UsesIntegerCellsAndSelectorText()
    {
        var sets = For("apps", "replicasets");
        var obj = Parse("""
            {"metadata":{"name":"web-abc"},"spec":{"replicas":3,"selector":{"matchExpressions":[{"key":"canary","operator":"DoesNotExist"},{"key":"app","operator":"Exists"}]}},
             "status":{"replicas":3,"readyReplicas":1}}
            """);

        Assert.Equal("integer", sets.Columns[1].Type);
        Assert.Equal<object?>(["web-abc", 3L, 3L, 1L, "<unknown>", "", "", "app,!canary"], sets.Cells(obj, Now));
    }

    [Fact]
    public void StatefulSetAndDaemonSet_Rows_MatchUpstream()
    {
        var sts = Parse("""{"metadata":{"name":"db"},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"pg","image":"postgres"}]}}},"status":{"readyReplicas":3}}""");
        var ds = Parse("""
            {"metadata":{"name":"agent"},"spec":{"selector":{"matchLabels":{"app":"agent"}},"template":{"spec":{"nodeSelector":{"kubernetes.io/os":"linux"},"containers":[{"name":"a","image":"agent:1"}]}}},
             "status":{"desiredNumberScheduled":4,"currentNumberScheduled":4,"numberReady":3,"updatedNumberScheduled":4,"numberAvailable":3}}
            """);

        Assert.Equal<object?>(["db", "3/3", "<unknown>", "pg", "postgres"], For("apps", "statefulsets").Cells(sts, Now));
        Assert.Equal<object?>(
            ["agent", 4L, 4L, 3L, 4L, 3L, "kubernetes.io/os=linux", "<unknown>", "a", "agent:1", "app=agent"],
            For("apps", "daemonsets").Cells(ds, Now));
    }

    [Fact]
    public void Job_Complete_ShowsStatusCompletionsAndDuration()
    {
        var jobs = For("batch", "jobs");
        var obj = Parse($$$$"""
            {"metadata":{"name":"pi","creationTimestamp":"{{{{Ago(TimeSpan.FromMinutes(10))}}}}"},
             "spec":{"completions":1,"selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"u1"}},"template":{"spec":{"containers":[{"name":"pi","image":"perl"}]}}},
             "status":{"succeeded":1,"startTime":"{{{{Ago(TimeSpan.FromMinutes(10))}}}}","completionTime":"{{{{Ago(TimeSpan.FromSeconds((9 * 60) + 25))}}}}",
               "conditions":[{"type":"Complete","status":"True"}]}}
            """);

        Assert.Equal(["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"], jobs.Columns.Select(c => c.Name));
        Assert.Equal<object?>(
            ["pi", "Complete", "1/1", "35s", "10m", "pi", "perl", "batch.kubernetes.io/controller-uid=u1"],
            jobs.Cells(obj, Now));
    }

    [Theory]
    [InlineData("""{"spec":{"parallelism":3},"status":{"succeeded":1,"startTime":"2024-06-01T11:57:00Z"}}""", "Running", "1/1 of 3", "3m")]
    [InlineData("""{"spec":{"completions":5},"status":{"conditions":[{"type":"Failed","status":"True"}]}}""", "Failed", "0/5", "")]
    [InlineData("""{"spec":{"suspend":true},"status":{"conditions":[{"type":"Suspended","status":"True"}]}}""", "Suspended", "0/1", "")]
    [InlineData("""{"status":{"conditions":[{"type":"FailureTarget","status":"True"},{"type":"Complete","status":"False"}]}}""", "FailureTarget", "0/1", "")]
    [InlineData("""{"metadata":{"deletionTimestamp":"2024-06-01T11:59:00Z"},"status":{"conditions":[{"type":"Suspended","status":"True"}]}}""", "Terminating", "0/1", "")]
    public void Job_States_MatchUpstream(string json, string status, string completions, string duration)
    {
        var jobs = For("batch", "jobs");
        var obj = Parse(json);

        Assert.Equal(status, Cell(jobs, obj, "Status"));
        Assert.Equal(completions, Cell(jobs, obj, "Completions"));
        Assert.Equal(duration, Cell(jobs, obj, "Duration"));
    }

    [Fact]
    public void CronJob_Row_MatchesUpstream()
    {
        var obj = Parse($$$$$$"""
            {"metadata":{"name":"nightly"},
             "spec":{"schedule":"0 3 * * *","suspend":false,"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"backup"}]}}}}},
             "status":{"active":[{"name":"nightly-1"}],"lastScheduleTime":"{{{{{{Ago(TimeSpan.FromHours(9))}}}}}}"}}
            """);

        Assert.Equal<object?>(
            ["nightly", "0 3 * * *", "<none>", "False", 1L, "9h", "<unknown>", "b", "backup", "<none>"],
            For("batch", "cronjobs").Cells(obj, Now));
    }
}
