using Timonel.Api.Errors;
using Timonel.Registry.Strategies;
using Xunit;
using static Timonel.Api.Tests.Strategies.StrategyHarness;

namespace Timonel.Api.Tests.Strategies;

public class ServiceCidrStrategyTests
{
    private readonly ServiceCidrStrategy _cidrs = new();
    private readonly IpAddressStrategy _addresses = new();

    [Fact]
    public void ServiceCidr_DualStackPair_Valid()
    {
        Stored(_cidrs, """{"metadata":{"name":"dual"},"spec":{"cidrs":["10.97.0.0/24","fd00::/112"]}}""");
    }

    [Fact]
    public void ServiceCidr_TwoOfOneFamily_Invalid()
    {
        var (_, errors) = Create(_cidrs, """{"metadata":{"name":"two"},"spec":{"cidrs":["10.97.0.0/24","10.98.0.0/24"]}}""");
        HasError(errors, FieldErrorType.Invalid, "spec.cidrs", "may specify no more than one IP for each IP family");
    }

    [Fact]
    public void ServiceCidr_SecondFamilyAddedWhileFirstChanged_FirstIsImmutable()
    {
        var old = Stored(_cidrs, """{"metadata":{"name":"grow"},"spec":{"cidrs":["10.97.0.0/24"]}}""");
        var (_, errors) = Update(_cidrs, old, c => c["spec"]!["cidrs"] = new System.Text.Json.Nodes.JsonArray("10.96.0.0/24", "fd00::/112"));
        HasError(errors, FieldErrorType.Invalid, "spec.cidrs[0]", "field is immutable");
    }

    [Fact]
    public void ServiceCidr_CidrRemoved_Immutable()
    {
        var old = Stored(_cidrs, """{"metadata":{"name":"shrink"},"spec":{"cidrs":["10.97.0.0/24","fd00::/112"]}}""");
        var (_, errors) = Update(_cidrs, old, c => c["spec"]!["cidrs"] = new System.Text.Json.Nodes.JsonArray("10.97.0.0/24"));
        HasError(errors, FieldErrorType.Invalid, "spec.cidrs", "field is immutable");
    }

    [Fact]
    public void IpAddress_BadParentRefSegments_AllReported()
    {
        var (_, errors) = Create(_addresses, """{"metadata":{"name":"10.0.0.1"},"spec":{"parentRef":{"group":"Not_A_Group","resource":"a/b","name":".."}}}""");
        HasError(errors, FieldErrorType.Invalid, "spec.parentRef.group", "");
        HasError(errors, FieldErrorType.Invalid, "spec.parentRef.resource", "may not contain '/'");
        HasError(errors, FieldErrorType.Invalid, "spec.parentRef.name", "may not be '..'");
    }
}
