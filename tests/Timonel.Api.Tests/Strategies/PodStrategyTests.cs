using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using static Timonel.Api.Tests.Strategies.StrategyHarness;
using Xunit;
using Timonel.Registry.Strategies;

namespace Timonel.Api.Tests.Strategies;

public class PodStrategyTests
{
    private const string Nginx = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"nginx","namespace":"default","labels":{"app":"nginx"}},
         "spec":{"containers":[{"name":"nginx","image":"nginx:1.27",
           "ports":[{"name":"http","containerPort":80}],
           "readinessProbe":{"httpGet":{"port":"http"}},
           "resources":{"limits":{"cpu":"500m","memory":"128Mi"}},
           "volumeMounts":[{"name":"html","mountPath":"/usr/share/nginx/html"}]}],
          "volumes":[{"name":"html"}]}}
        """;

    private readonly PodStrategy _pods = new();

    [Fact]
    public void Create_RealisticPod_DefaultsFilledAndStatusPending()
    {
        var pod = Stored(_pods, Nginx);
        var spec = pod["spec"]!;
        Assert.Equal("Always", (string?)spec["restartPolicy"]);
        Assert.Equal("ClusterFirst", (string?)spec["dnsPolicy"]);
        Assert.Equal(30, (int?)spec["terminationGracePeriodSeconds"]);
        Assert.Equal("default-scheduler", (string?)spec["schedulerName"]);
        Assert.True((bool?)spec["enableServiceLinks"]);
        Assert.NotNull(spec["securityContext"]);
        var c = spec["containers"]![0]!;
        Assert.Equal("IfNotPresent", (string?)c["imagePullPolicy"]);
        Assert.Equal("/dev/termination-log", (string?)c["terminationMessagePath"]);
        Assert.Equal("File", (string?)c["terminationMessagePolicy"]);
        Assert.Equal("TCP", (string?)c["ports"]![0]!["protocol"]);
        var probe = c["readinessProbe"]!;
        Assert.Equal(1, (int?)probe["timeoutSeconds"]);
        Assert.Equal(10, (int?)probe["periodSeconds"]);
        Assert.Equal(1, (int?)probe["successThreshold"]);
        Assert.Equal(3, (int?)probe["failureThreshold"]);
        Assert.Equal("/", (string?)probe["httpGet"]!["path"]);
        Assert.Equal("500m", (string?)c["resources"]!["requests"]!["cpu"]);
        Assert.NotNull(spec["volumes"]![0]!["emptyDir"]);
        Assert.Equal("Pending", (string?)pod["status"]!["phase"]);
        Assert.Equal("Guaranteed", (string?)pod["status"]!["qosClass"]);
    }

    [Theory]
    [InlineData("busybox", "Always")]
    [InlineData("busybox:latest", "Always")]
    [InlineData("registry:5000/busybox", "Always")]
    [InlineData("registry:5000/busybox:1.36", "IfNotPresent")]
    [InlineData("busybox@sha256:abcd", "IfNotPresent")]
    public void Create_ImagePullPolicy_FollowsTag(string image, string expected)
    {
        var pod = Stored(_pods, """{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"@image@"}]}}""".Replace("@image@", image, StringComparison.Ordinal));
        Assert.Equal(expected, (string?)pod["spec"]!["containers"]![0]!["imagePullPolicy"]);
    }

    [Theory]
    [InlineData("""[{"name":"c","image":"x"}]""", "BestEffort")]
    [InlineData("""[{"name":"c","image":"x","resources":{"requests":{"cpu":"100m"}}}]""", "Burstable")]
    [InlineData("""[{"name":"c","image":"x","resources":{"limits":{"cpu":"1","memory":"1Gi"}}},{"name":"d","image":"x"}]""", "Burstable")]
    public void Create_QosClass_Computed(string containers, string qos)
    {
        var pod = Stored(_pods, """{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":@containers@}}""".Replace("@containers@", containers, StringComparison.Ordinal));
        Assert.Equal(qos, (string?)pod["status"]!["qosClass"]);
    }

    [Fact]
    public void Create_ClientStatus_Replaced()
    {
        var pod = Stored(_pods, """{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"x"}]},"status":{"phase":"Running","podIP":"1.2.3.4"}}""");
        Assert.Equal("Pending", (string?)pod["status"]!["phase"]);
        Assert.Null(pod["status"]!["podIP"]);
    }

    [Fact]
    public void Validate_NoContainers_Required()
    {
        var (_, errors) = Create(_pods, """{"metadata":{"name":"p","namespace":"default"},"spec":{}}""");
        HasError(errors, FieldErrorType.Required, "spec.containers");
    }

    [Fact]
    public void Validate_ManyMistakes_EveryOneReported()
    {
        var (_, errors) = Create(_pods, """
            {"metadata":{"name":"p","namespace":"default"},
             "spec":{"restartPolicy":"Sometimes","dnsPolicy":"Weird",
               "containers":[
                 {"name":"Web_1","image":"",
                  "ports":[{"containerPort":70000,"protocol":"HTTP","name":"p"},{"containerPort":80,"name":"p"}],
                  "env":[{"name":"1BAD"},{"name":"X","value":"a","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
                  "volumeMounts":[{"name":"missing","mountPath":"/data"}],
                  "resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1","memory":"lots"}}},
                 {"name":"Web_1","image":"x"}],
               "volumes":[{"name":"v","emptyDir":{}},{"name":"v","emptyDir":{}}]}}
            """);
        HasError(errors, FieldErrorType.Invalid, "spec.containers[0].name", "RFC 1123 label");
        HasError(errors, FieldErrorType.Duplicate, "spec.containers[1].name");
        HasError(errors, FieldErrorType.Required, "spec.containers[0].image");
        HasError(errors, FieldErrorType.Invalid, "spec.containers[0].ports[0].containerPort", "must be between 1 and 65535, inclusive");
        HasError(errors, FieldErrorType.NotSupported, "spec.containers[0].ports[0].protocol", "\"TCP\", \"UDP\", \"SCTP\"");
        HasError(errors, FieldErrorType.Duplicate, "spec.containers[0].ports[1].name");
        HasError(errors, FieldErrorType.Invalid, "spec.containers[0].env[0].name", "a valid environment variable name");
        HasError(errors, FieldErrorType.Invalid, "spec.containers[0].env[1].valueFrom", "may not be specified when `value` is not empty");
        HasError(errors, FieldErrorType.NotFound, "spec.containers[0].volumeMounts[0].name", "");
        HasError(errors, FieldErrorType.Invalid, "spec.containers[0].resources.requests", "must be less than or equal to cpu limit of 1");
        HasError(errors, FieldErrorType.Invalid, "spec.containers[0].resources.limits[memory]", "quantities must match");
        HasError(errors, FieldErrorType.Duplicate, "spec.volumes[1].name");
        HasError(errors, FieldErrorType.NotSupported, "spec.restartPolicy");
        HasError(errors, FieldErrorType.NotSupported, "spec.dnsPolicy");
    }

    [Fact]
    public void Validate_ProbeWithoutHandler_Required()
    {
        var (_, errors) = Create(_pods, """{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"x","livenessProbe":{"successThreshold":2}}]}}""");
        HasError(errors, FieldErrorType.Required, "spec.containers[0].livenessProbe", "must specify a handler type");
        HasError(errors, FieldErrorType.Invalid, "spec.containers[0].livenessProbe.successThreshold", "must be 1");
    }

    [Fact]
    public void Update_ImageChange_Allowed()
    {
        var old = Stored(_pods, Nginx);
        var (_, errors) = Update(_pods, old, p => p["spec"]!["containers"]![0]!["image"] = "nginx:1.28");
        Assert.Empty(errors);
    }

    [Fact]
    public void Update_PortChange_ForbiddenWithUpstreamMessage()
    {
        var old = Stored(_pods, Nginx);
        var (_, errors) = Update(_pods, old, p => p["spec"]!["containers"]![0]!["ports"]![0]!["containerPort"] = 8080);
        HasError(errors, FieldErrorType.Forbidden, "spec", "pod updates may not change fields other than `spec.containers[*].image`");
    }

    [Fact]
    public void Update_AddToleration_AllowedButRemovingForbidden()
    {
        var old = Stored(_pods, """{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[{"name":"c","image":"x"}],"tolerations":[{"key":"a","operator":"Exists"}]}}""");
        var (_, added) = Update(_pods, old, p => p["spec"]!["tolerations"]!.AsArray().Add(new JsonObject { ["key"] = "b", ["operator"] = "Exists" }));
        Assert.Empty(added);
        var (_, removed) = Update(_pods, old, p => p["spec"]!["tolerations"] = new JsonArray());
        HasError(removed, FieldErrorType.Forbidden, "spec.tolerations");
    }

    [Fact]
    public void Update_ClientChangesStatus_OldStatusKept()
    {
        var old = Stored(_pods, Nginx);
        var (pod, _) = Update(_pods, old, p => p["status"] = new JsonObject { ["phase"] = "Running" });
        Assert.Equal("Pending", (string?)pod["status"]!["phase"]);
    }

    [Fact]
    public void StatusUpdate_SpecChange_Ignored()
    {
        var old = Stored(_pods, Nginx);
        var obj = (JsonObject)old.DeepClone();
        obj["spec"]!["containers"]![0]!["image"] = "evil";
        obj["status"] = new JsonObject { ["phase"] = "Running", ["qosClass"] = "BestEffort" };
        _pods.PrepareForStatusUpdate(obj, old);
        Assert.Equal("nginx:1.27", (string?)obj["spec"]!["containers"]![0]!["image"]);
        Assert.Equal("Running", (string?)obj["status"]!["phase"]);
        Assert.Equal("Guaranteed", (string?)obj["status"]!["qosClass"]);
    }

    [Fact]
    public void ApplyDefaults_Twice_SameResult()
    {
        var pod = Stored(_pods, Nginx);
        var again = (JsonObject)pod.DeepClone();
        _pods.ApplyDefaults(again);
        Assert.True(JsonNode.DeepEquals(pod, again));
    }
}
