using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.Strategies;
using Xunit;
using static Timonel.Api.Tests.Strategies.StrategyHarness;

namespace Timonel.Api.Tests.Strategies;

public class CoreMiscStrategyTests
{
    [Fact]
    public void Node_Create_StatusFromKubeletKept()
    {
        var node = Stored(new NodeStrategy(), """
            {"metadata":{"name":"worker-1","labels":{"timonel.dev/simulated":"true"}},
             "spec":{"podCIDR":"10.42.1.0/24","taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]},
             "status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"}}}
            """);
        Assert.Equal("4", (string?)node["status"]!["capacity"]!["cpu"]);
    }

    [Fact]
    public void Node_BadTaintAndCidr_Invalid()
    {
        var (_, errors) = Create(new NodeStrategy(), """{"metadata":{"name":"n"},"spec":{"podCIDR":"10.42.1.0","taints":[{"key":"a","effect":"Sometimes"},{"key":"b","effect":"NoSchedule"},{"key":"b","effect":"NoSchedule"}]}}""");
        HasError(errors, FieldErrorType.Invalid, "spec.podCIDR", "must be a valid CIDR value");
        HasError(errors, FieldErrorType.NotSupported, "spec.taints[0].effect");
        HasError(errors, FieldErrorType.Duplicate, "spec.taints[2]");
    }

    [Fact]
    public void Node_Update_ClientStatusIgnoredPodCidrFixed()
    {
        var strategy = new NodeStrategy();
        var old = Stored(strategy, """{"metadata":{"name":"n"},"spec":{"podCIDR":"10.42.1.0/24"},"status":{"phase":"Running"}}""");
        var (node, errors) = Update(strategy, old, n =>
        {
            n["status"] = new JsonObject();
            n["spec"]!["podCIDR"] = "10.42.2.0/24";
        });
        Assert.Equal("Running", (string?)node["status"]!["phase"]);
        HasError(errors, FieldErrorType.Forbidden, "spec.podCIDR");
    }

    [Fact]
    public void Event_MissingInvolvedObjectAndNamespaceMismatch_Rejected()
    {
        var events = new EventStrategy(eventsApi: false);
        var (_, missing) = Create(events, """{"metadata":{"name":"e1","namespace":"default"},"reason":"Started","type":"Normal"}""");
        HasError(missing, FieldErrorType.Required, "involvedObject");
        var (_, mismatch) = Create(events, """{"metadata":{"name":"e1","namespace":"default"},"involvedObject":{"kind":"Pod","name":"p","namespace":"other"},"type":"Normal"}""");
        HasError(mismatch, FieldErrorType.Invalid, "involvedObject.namespace", "does not match event.namespace");
        var ok = Stored(events, """{"metadata":{"name":"p.17a","namespace":"default"},"involvedObject":{"kind":"Pod","name":"p","namespace":"default"},"type":"Warning","status":{"x":1}}""");
        Assert.NotNull(ok["status"]);
    }

    [Fact]
    public void EventsApi_RequiresReportingFields()
    {
        var (_, errors) = Create(new EventStrategy(eventsApi: true), """{"metadata":{"name":"e","namespace":"default"},"regarding":{"kind":"Pod","name":"p"},"type":"Normal"}""");
        HasError(errors, FieldErrorType.Required, "reportingController");
        HasError(errors, FieldErrorType.Required, "eventTime");
    }

    [Fact]
    public void Lease_NonPositiveDuration_Invalid()
    {
        var strategy = new LeaseStrategy();
        Stored(strategy, """{"metadata":{"name":"kube-scheduler","namespace":"kube-system"},"spec":{"holderIdentity":"a","leaseDurationSeconds":15}}""");
        var (_, errors) = Create(strategy, """{"metadata":{"name":"l","namespace":"kube-system"},"spec":{"leaseDurationSeconds":0,"leaseTransitions":-1}}""");
        HasError(errors, FieldErrorType.Invalid, "spec.leaseDurationSeconds", "must be greater than 0");
        HasError(errors, FieldErrorType.Invalid, "spec.leaseTransitions");
    }

    [Fact]
    public void ResourceQuota_BadQuantity_Invalid()
    {
        var (_, errors) = Create(new ResourceQuotaStrategy(), """{"metadata":{"name":"q","namespace":"default"},"spec":{"hard":{"pods":"10","requests.cpu":"four"}}}""");
        HasError(errors, FieldErrorType.Invalid, "spec.hard[requests.cpu]", "quantities must match");
    }

    [Fact]
    public void LimitRange_MinAboveMax_Invalid()
    {
        var (_, errors) = Create(new LimitRangeStrategy(), """{"metadata":{"name":"l","namespace":"default"},"spec":{"limits":[{"type":"Container","min":{"cpu":"2"},"max":{"cpu":"1"}}]}}""");
        HasError(errors, FieldErrorType.Invalid, "spec.limits[0].min[cpu]", "is greater than max value");
    }

    [Fact]
    public void ControllerRevision_DataImmutable()
    {
        var strategy = new ControllerRevisionStrategy();
        var old = Stored(strategy, """{"metadata":{"name":"web-5d4f","namespace":"default"},"revision":1,"data":{"spec":{}}}""");
        var (_, errors) = Update(strategy, old, r => r["data"] = new JsonObject { ["x"] = 1 });
        HasError(errors, FieldErrorType.Invalid, "data", "field is immutable");
    }

    [Fact]
    public void EndpointSlice_BadAddress_Invalid()
    {
        var (_, errors) = Create(new EndpointSliceStrategy(), """{"metadata":{"name":"web-abc","namespace":"default"},"addressType":"IPv4","endpoints":[{"addresses":["10.42.0.300"]}],"ports":[{"port":80,"protocol":"TCP"}]}""");
        HasError(errors, FieldErrorType.Invalid, "endpoints[0].addresses[0]", "must be a valid IP address");
    }
}
