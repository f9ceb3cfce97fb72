using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.Strategies;
using Xunit;
using static Timonel.Api.Tests.Strategies.StrategyHarness;

namespace Timonel.Api.Tests.Strategies;

public class StorageStrategyTests
{
    private readonly PersistentVolumeStrategy _volumes = new();
    private readonly PersistentVolumeClaimStrategy _claims = new();
    private readonly StorageClassStrategy _classes = new();

    private const string Claim = """
        {"metadata":{"name":"data","namespace":"default"},
         "spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"local-path","resources":{"requests":{"storage":"1Gi"}}}}
        """;

    [Fact]
    public void PersistentVolume_Create_DefaultsAndPendingPhase()
    {
        var pv = Stored(_volumes, """{"metadata":{"name":"pv1"},"spec":{"capacity":{"storage":"5Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/data/pv1"}}}""");
        Assert.Equal("Retain", (string?)pv["spec"]!["persistentVolumeReclaimPolicy"]);
        Assert.Equal("Filesystem", (string?)pv["spec"]!["volumeMode"]);
        Assert.Equal("Pending", (string?)pv["status"]!["phase"]);
    }

    [Fact]
    public void PersistentVolume_Empty_RequiredFields()
    {
        var (_, errors) = Create(_volumes, """{"metadata":{"name":"pv1"},"spec":{}}""");
        HasError(errors, FieldErrorType.Required, "spec.capacity");
        HasError(errors, FieldErrorType.Required, "spec.accessModes");
        HasError(errors, FieldErrorType.Required, "spec", "must specify a volume type");
    }

    [Fact]
    public void PersistentVolumeClaim_Create_DefaultsAndPending()
    {
        var pvc = Stored(_claims, Claim);
        Assert.Equal("Filesystem", (string?)pvc["spec"]!["volumeMode"]);
        Assert.Equal("Pending", (string?)pvc["status"]!["phase"]);
    }

    [Fact]
    public void PersistentVolumeClaim_NoStorageNoModes_Required()
    {
        var (_, errors) = Create(_claims, """{"metadata":{"name":"d","namespace":"default"},"spec":{"accessModes":["ReadWriteSometimes"]}}""");
        HasError(errors, FieldErrorType.NotSupported, "spec.accessModes");
        HasError(errors, FieldErrorType.Required, "spec.resources[storage]");
    }

    [Fact]
    public void PersistentVolumeClaim_Update_GrowAllowedShrinkAndModesForbidden()
    {
        var old = Stored(_claims, Claim);
        var (_, grow) = Update(_claims, old, c => c["spec"]!["resources"]!["requests"]!["storage"] = "2Gi");
        Assert.Empty(grow);
        var (_, bind) = Update(_claims, old, c => c["spec"]!["volumeName"] = "pv-123");
        Assert.Empty(bind);
        var (_, shrink) = Update(_claims, old, c => c["spec"]!["resources"]!["requests"]!["storage"] = "500Mi");
        HasError(shrink, FieldErrorType.Forbidden, "spec.resources.requests.storage", "can not be less than previous value");
        var (_, modes) = Update(_claims, old, c => c["spec"]!["accessModes"] = new JsonArray("ReadWriteMany"));
        HasError(modes, FieldErrorType.Forbidden, "spec", "spec is immutable after creation");
    }

    [Fact]
    public void StorageClass_Create_DefaultsAndParametersImmutable()
    {
        var sc = Stored(_classes, """{"metadata":{"name":"local-path"},"provisioner":"rancher.io/local-path","parameters":{"path":"/opt"}}""");
        Assert.Equal("Delete", (string?)sc["reclaimPolicy"]);
        Assert.Equal("Immediate", (string?)sc["volumeBindingMode"]);
        var (_, errors) = Update(_classes, sc, c => c["parameters"]!["path"] = "/srv");
        HasError(errors, FieldErrorType.Forbidden, "parameters", "updates to parameters are forbidden.");
    }

    [Fact]
    public void StorageClass_NoProvisioner_Required()
    {
        var (_, errors) = Create(_classes, """{"metadata":{"name":"x"},"reclaimPolicy":"Recycle"}""");
        HasError(errors, FieldErrorType.Required, "provisioner");
        HasError(errors, FieldErrorType.NotSupported, "reclaimPolicy");
    }
}
