using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using static Timonel.Api.Tests.Strategies.StrategyHarness;
using Xunit;
using Timonel.Registry.Strategies;

namespace Timonel.Api.Tests.Strategies;

public class WorkloadStrategyTests
{
    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default"},
         "spec":{"selector":{"matchLabels":{"app":"web"}},
           "template":{"metadata":{"labels":{"app":"web","tier":"front"}},
             "spec":{"containers":[{"name":"web","image":"nginx:1.27","ports":[{"containerPort":80}]}]}}}}
        """;

    private readonly DeploymentStrategy _deployments = new();

    [Fact]
    public void Deployment_Create_UpstreamDefaults()
    {
        var d = Stored(_deployments, Deployment);
        var spec = d["spec"]!;
        Assert.Equal(1, (int?)spec["replicas"]);
        Assert.Equal("RollingUpdate", (string?)spec["strategy"]!["type"]);
        Assert.Equal("25%", (string?)spec["strategy"]!["rollingUpdate"]!["maxUnavailable"]);
        Assert.Equal("25%", (string?)spec["strategy"]!["rollingUpdate"]!["maxSurge"]);
        Assert.Equal(10, (int?)spec["revisionHistoryLimit"]);
        Assert.Equal(600, (int?)spec["progressDeadlineSeconds"]);
        var podSpec = spec["template"]!["spec"]!;
        Assert.Equal("Always", (string?)podSpec["restartPolicy"]);
        Assert.Equal("TCP", (string?)podSpec["containers"]![0]!["ports"]![0]!["protocol"]);
        // enableServiceLinks is a pod-only default.
        Assert.Null(podSpec["enableServiceLinks"]);
    }

    [Fact]
    public void Deployment_Create_ClientStatusReplacedByEmptyStatus()
    {
        var obj = Parse(Deployment);
        obj["status"] = new JsonObject { ["replicas"] = 5 };
        var d = Stored(_deployments, obj.ToJsonString());
        Assert.Equal("{}", d["status"]!.ToJsonString());
    }

    [Theory]
    [InlineData("ReplicaSet", """{"replicas":0}""")]
    [InlineData("StatefulSet", """{"replicas":0,"availableReplicas":0}""")]
    [InlineData("DaemonSet", """{"currentNumberScheduled":0,"numberMisscheduled":0,"desiredNumberScheduled":0,"numberReady":0}""")]
    public void Create_WorkloadStatus_UpstreamZeroFields(string kind, string expected)
    {
        IResourceStrategy strategy = kind switch
        {
            "ReplicaSet" => new ReplicaSetStrategy(),
            "StatefulSet" => new StatefulSetStrategy(),
            _ => new DaemonSetStrategy(),
        };
        var obj = Parse(Deployment.Replace("Deployment", kind, StringComparison.Ordinal));
        obj["status"] = new JsonObject { ["replicas"] = 5, ["observedGeneration"] = 3 };

        Assert.Equal(expected, Stored(strategy, obj.ToJsonString())["status"]!.ToJsonString());
    }

    [Fact]
    public void Deployment_SelectorMismatch_UpstreamMessage()
    {
        var (_, errors) = Create(_deployments, Deployment.Replace("\"app\":\"web\"}}", "\"app\":\"api\"}}", StringComparison.Ordinal));
        HasError(errors, FieldErrorType.Invalid, "spec.template.metadata.labels", "`selector` does not match template `labels`");
    }

    [Fact]
    public void Deployment_BadSpec_AllReported()
    {
        var obj = Parse(Deployment);
        obj["spec"]!["replicas"] = -1;
        obj["spec"]!["strategy"] = new JsonObject { ["type"] = "Recreate", ["rollingUpdate"] = new JsonObject() };
        obj["spec"]!["template"]!["spec"]!["restartPolicy"] = "Never";
        var (_, errors) = Create(_deployments, obj.ToJsonString());
        HasError(errors, FieldErrorType.Invalid, "spec.replicas", "must be greater than or equal to 0");
        HasError(errors, FieldErrorType.Forbidden, "spec.strategy.rollingUpdate", "'Recreate'");
        HasError(errors, FieldErrorType.NotSupported, "spec.template.spec.restartPolicy", "\"Always\"");
    }

    [Fact]
    public void Deployment_MissingSelector_Required()
    {
        var obj = Parse(Deployment);
        obj["spec"]!.AsObject().Remove("selector");
        var (_, errors) = Create(_deployments, obj.ToJsonString());
        HasError(errors, FieldErrorType.Required, "spec.selector");
    }

    [Fact]
    public void Deployment_ZeroSurgeAndUnavailable_Invalid()
    {
        var obj = Parse(Deployment);
        obj["spec"]!["strategy"] = JsonNode.Parse("""{"type":"RollingUpdate","rollingUpdate":{"maxSurge":0,"maxUnavailable":"0%"}}""");
        var (_, errors) = Create(_deployments, obj.ToJsonString());
        HasError(errors, FieldErrorType.Invalid, "spec.strategy.rollingUpdate.maxUnavailable", "may not be 0 when `maxSurge` is 0");
    }

    [Fact]
    public void Deployment_Update_SelectorImmutableButReplicasAndStatusKept()
    {
        var old = Stored(_deployments, Deployment);
        old["status"] = new JsonObject { ["replicas"] = 1 };
        var (scaled, ok) = Update(_deployments, old, d =>
        {
            d["spec"]!["replicas"] = 3;
            d["status"] = new JsonObject { ["replicas"] = 99 };
        });
        Assert.Empty(ok);
        Assert.Equal(1, (int?)scaled["status"]!["replicas"]);
        var (_, errors) = Update(_deployments, old, d =>
        {
            d["spec"]!["selector"]!["matchLabels"]!["tier"] = "front";
        });
        HasError(errors, FieldErrorType.Invalid, "spec.selector", "field is immutable");
    }

    [Fact]
    public void Deployment_StatusUpdate_KeepsSpecAndLabels()
    {
        var old = Stored(_deployments, Deployment);
        var obj = (JsonObject)old.DeepClone();
        obj["spec"]!["replicas"] = 7;
        obj["metadata"]!["labels"] = new JsonObject { ["x"] = "y" };
        obj["status"] = new JsonObject { ["readyReplicas"] = 1 };
        _deployments.PrepareForStatusUpdate(obj, old);
        Assert.Equal(1, (int?)obj["spec"]!["replicas"]);
        Assert.Null(obj["metadata"]!["labels"]);
        Assert.Equal(1, (int?)obj["status"]!["readyReplicas"]);
    }

    [Fact]
    public void ReplicaSet_Create_ReplicasDefault()
    {
        var rs = Stored(new ReplicaSetStrategy(), Deployment.Replace("Deployment", "ReplicaSet", StringComparison.Ordinal));
        Assert.Equal(1, (int?)rs["spec"]!["replicas"]);
        Assert.Null(rs["spec"]!["strategy"]);
    }

    [Fact]
    public void StatefulSet_Create_UpstreamDefaults()
    {
        var sts = Stored(new StatefulSetStrategy(), """
            {"metadata":{"name":"db","namespace":"default"},
             "spec":{"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
               "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"postgres:16"}]}},
               "volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}
            """);
        var spec = sts["spec"]!;
        Assert.Equal("OrderedReady", (string?)spec["podManagementPolicy"]);
        Assert.Equal("RollingUpdate", (string?)spec["updateStrategy"]!["type"]);
        Assert.Equal(0, (int?)spec["updateStrategy"]!["rollingUpdate"]!["partition"]);
        Assert.Equal(1, (int?)spec["replicas"]);
        Assert.Equal(10, (int?)spec["revisionHistoryLimit"]);
        Assert.Equal("Retain", (string?)spec["persistentVolumeClaimRetentionPolicy"]!["whenDeleted"]);
        Assert.Equal("Retain", (string?)spec["persistentVolumeClaimRetentionPolicy"]!["whenScaled"]);
        Assert.Equal("Filesystem", (string?)spec["volumeClaimTemplates"]![0]!["spec"]!["volumeMode"]);
    }

    [Fact]
    public void StatefulSet_MountOfVolumeClaimTemplate_Accepted()
    {
        // The kubernetes.io StatefulSet tutorial's "web": its container mounts "www", which only volumeClaimTemplates declares.
        var (_, errors) = Create(new StatefulSetStrategy(), """
            {"metadata":{"name":"web","namespace":"default"},
             "spec":{"serviceName":"nginx","replicas":2,"selector":{"matchLabels":{"app":"nginx"}},
               "template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"name":"nginx","image":"registry.k8s.io/nginx-slim:0.21",
                 "ports":[{"containerPort":80,"name":"web"}],"volumeMounts":[{"name":"www","mountPath":"/usr/share/nginx/html"}]}]}},
               "volumeClaimTemplates":[{"metadata":{"name":"www"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}
            """);

        Assert.Empty(errors);
    }

    [Fact]
    public void StatefulSet_TemplateNotAlwaysOrWithDeadlineOrBadLabel_Refused()
    {
        var (_, errors) = Create(new StatefulSetStrategy(), """
            {"metadata":{"name":"web","namespace":"default"},
             "spec":{"selector":{"matchLabels":{"app":"nginx"}},
               "template":{"metadata":{"labels":{"app":"nginx","bad key!":"x"}},"spec":{"restartPolicy":"Never","activeDeadlineSeconds":5,"containers":[{"name":"nginx","image":"nginx"}]}}}}
            """);

        HasError(errors, FieldErrorType.NotSupported, "spec.template.spec.restartPolicy", "Always");
        HasError(errors, FieldErrorType.Forbidden, "spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported");
        HasError(errors, FieldErrorType.Invalid, "spec.template.metadata.labels");
    }

    [Fact]
    public void StatefulSet_UpdateServiceName_Forbidden()
    {
        var strategy = new StatefulSetStrategy();
        var old = Stored(strategy, """
            {"metadata":{"name":"db","namespace":"default"},
             "spec":{"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
               "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"db","image":"postgres:16"}]}}}}
            """);
        var (_, errors) = Update(strategy, old, s => s["spec"]!["serviceName"] = "other");
        HasError(errors, FieldErrorType.Forbidden, "spec", "updates to statefulset spec for fields other than 'replicas'");
        var (_, ok) = Update(strategy, old, s => s["spec"]!["replicas"] = 3);
        Assert.Empty(ok);
    }

    [Fact]
    public void StatefulSet_DottedName_InvalidLabel()
    {
        var (_, errors) = Create(new StatefulSetStrategy(), """{"metadata":{"name":"a.b","namespace":"default"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}}""");
        HasError(errors, FieldErrorType.Invalid, "metadata.name", "RFC 1123 label");
    }

    [Fact]
    public void DaemonSet_Create_UpstreamDefaults()
    {
        var ds = Stored(new DaemonSetStrategy(), """
            {"metadata":{"name":"agent","namespace":"kube-system"},
             "spec":{"selector":{"matchLabels":{"app":"agent"}},
               "template":{"metadata":{"labels":{"app":"agent"}},"spec":{"containers":[{"name":"a","image":"agent:1"}]}}}}
            """);
        var strategy = ds["spec"]!["updateStrategy"]!;
        Assert.Equal("RollingUpdate", (string?)strategy["type"]);
        Assert.Equal(1, (int?)strategy["rollingUpdate"]!["maxUnavailable"]);
        Assert.Equal(0, (int?)strategy["rollingUpdate"]!["maxSurge"]);
        Assert.Equal(10, (int?)ds["spec"]!["revisionHistoryLimit"]);
    }
}
