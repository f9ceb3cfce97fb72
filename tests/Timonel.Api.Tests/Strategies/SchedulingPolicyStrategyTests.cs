using Timonel.Api.Errors;
using Timonel.Registry.Strategies;
using Xunit;
using static Timonel.Api.Tests.Strategies.StrategyHarness;

namespace Timonel.Api.Tests.Strategies;

public class SchedulingPolicyStrategyTests
{
    private readonly PriorityClassStrategy _priorities = new();
    private readonly HorizontalPodAutoscalerStrategy _hpas = new();
    private readonly PodDisruptionBudgetStrategy _pdbs = new();

    [Fact]
    public void PriorityClass_Create_DefaultPolicyAndValueImmutable()
    {
        var pc = Stored(_priorities, """{"metadata":{"name":"high"},"value":1000000,"description":"important"}""");
        Assert.Equal("PreemptLowerPriority", (string?)pc["preemptionPolicy"]);
        var (_, errors) = Update(_priorities, pc, p => p["value"] = 5);
        HasError(errors, FieldErrorType.Forbidden, "value", "may not be changed in an update.");
    }

    [Fact]
    public void PriorityClass_ReservedNameAndTooHigh_Forbidden()
    {
        var (_, reserved) = Create(_priorities, """{"metadata":{"name":"system-mine"},"value":1}""");
        HasError(reserved, FieldErrorType.Forbidden, "metadata.name", "reserved for system use only");
        var (_, high) = Create(_priorities, """{"metadata":{"name":"huge"},"value":2000000000}""");
        HasError(high, FieldErrorType.Forbidden, "value", "maximum allowed value of a user defined priority is 1000000000");
        Stored(_priorities, """{"metadata":{"name":"system-node-critical"},"value":2000001000}""");
    }

    [Fact]
    public void Hpa_Create_MinReplicasAndCpuMetricDefaulted()
    {
        var hpa = Stored(_hpas, """{"metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"maxReplicas":5,"behavior":{"scaleDown":{"stabilizationWindowSeconds":60}}}}""");
        var spec = hpa["spec"]!;
        Assert.Equal(1, (int?)spec["minReplicas"]);
        Assert.Equal("cpu", (string?)spec["metrics"]![0]!["resource"]!["name"]);
        Assert.Equal(80, (int?)spec["metrics"]![0]!["resource"]!["target"]!["averageUtilization"]);
        Assert.Equal(60, (int?)spec["behavior"]!["scaleDown"]!["stabilizationWindowSeconds"]);
        Assert.Equal("Max", (string?)spec["behavior"]!["scaleUp"]!["selectPolicy"]);
        Assert.Equal(2, spec["behavior"]!["scaleUp"]!["policies"]!.AsArray().Count);
    }

    [Fact]
    public void Hpa_BadBounds_Invalid()
    {
        var (_, errors) = Create(_hpas, """{"metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":{"kind":"Deployment"},"minReplicas":3,"maxReplicas":2}}""");
        HasError(errors, FieldErrorType.Required, "spec.scaleTargetRef.name");
        HasError(errors, FieldErrorType.Invalid, "spec.maxReplicas", "must be greater than or equal to `minReplicas`");
    }

    [Fact]
    public void Pdb_BothBounds_Invalid()
    {
        Stored(_pdbs, """{"metadata":{"name":"web","namespace":"default"},"spec":{"minAvailable":"50%","selector":{"matchLabels":{"app":"web"}}}}""");
        var (_, errors) = Create(_pdbs, """{"metadata":{"name":"web","namespace":"default"},"spec":{"minAvailable":1,"maxUnavailable":"150%"}}""");
        HasError(errors, FieldErrorType.Invalid, "spec", "minAvailable and maxUnavailable cannot be both set");
        HasError(errors, FieldErrorType.Invalid, "spec.maxUnavailable", "must not be greater than 100%");
    }
}
