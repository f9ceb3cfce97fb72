using System.Text.Json.Nodes;
using Xunit;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>The stored-only kinds refuse bodies without upstream's required fields (422, nothing written) and default as upstream.</summary>
public sealed class StoredKindValidationTests(ApiServerFixture fx) : IClassFixture<ApiServerFixture>
{
    public static TheoryData<string, string, string> Invalid() => new()
    {
        { "/apis/node.k8s.io/v1/runtimeclasses", "{}", "handler: Required value" },
        { "/apis/node.k8s.io/v1/runtimeclasses", "{\"handler\":\"Not_A_Label\"}", "handler: Invalid value: \"Not_A_Label\"" },
        { "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas", "{\"spec\":{}}", "spec.priorityLevelConfiguration.name: Required value" },
        { "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas", "{\"spec\":{\"priorityLevelConfiguration\":{\"name\":\"x\"},\"matchingPrecedence\":20000}}", "spec.matchingPrecedence: Invalid value: 20000" },
        { "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations", "{\"spec\":{\"type\":\"Limited\"}}", "spec.limited: Required value" },
        { "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations", "{\"spec\":{}}", "spec.type: Required value" },
        { "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", "{\"webhooks\":[{\"name\":\"a.b.c\",\"clientConfig\":{\"url\":\"https://h/x\"}}]}", "webhooks[0].sideEffects: Required value" },
        { "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings", "{\"spec\":{\"validationActions\":[\"Deny\"]}}", "spec.policyName: Required value" },
        { "/apis/storage.k8s.io/v1/volumeattachments", "{\"spec\":{\"attacher\":\"a\",\"nodeName\":\"n\",\"source\":{}}}", "must specify exactly one of inlineVolumeSpec and persistentVolumeName" },
        { "/apis/certificates.k8s.io/v1/certificatesigningrequests", "{\"spec\":{\"signerName\":\"a/b\",\"usages\":[\"client auth\"],\"request\":\"bm90IGEgY3Ny\"}}", "PEM block type must be CERTIFICATE REQUEST" },
        { "/apis/networking.k8s.io/v1/servicecidrs", "{\"spec\":{\"cidrs\":[\"10.0.0.0/33\"]}}", "spec.cidrs[0]: Invalid value: \"10.0.0.0/33\"" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task Create_MissingOrBadRequiredField_Is422AndNothingWritten(string collection, string body, string message)
    {
        var obj = JsonNode.Parse(body)!.AsObject();
        var name = "invalid-" + Guid.NewGuid().ToString("N")[..8];
        obj["metadata"] = new JsonObject { ["name"] = name };

        var refused = await fx.Client.PostAsync(collection, obj);

        ApiAssert.Failure(refused, 422, "Invalid", message);
        ApiAssert.Code(404, await fx.Client.GetAsync($"{collection}/{name}"));
    }

    [Fact]
    public async Task Create_PriorityLevelAndCsiDriver_GetUpstreamsDefaults()
    {
        var level = await fx.Client.PostAsync("/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations", JsonNode.Parse(
            "{\"metadata\":{\"name\":\"defaults-level\"},\"spec\":{\"type\":\"Limited\",\"limited\":{\"limitResponse\":{\"type\":\"Queue\",\"queuing\":{}}}}}")!);
        var driver = await fx.Client.PostAsync("/apis/storage.k8s.io/v1/csidrivers", JsonNode.Parse("{\"metadata\":{\"name\":\"defaults.csi.timonel.dev\"}}")!);

        ApiAssert.Code(201, level);
        var limited = level.Object["spec"]!["limited"]!;
        Assert.Equal((30, 0), (limited["nominalConcurrencyShares"]!.GetValue<int>(), limited["lendablePercent"]!.GetValue<int>()));
        var queuing = limited["limitResponse"]!["queuing"]!;
        Assert.Equal((64, 8, 50), (queuing["queues"]!.GetValue<int>(), queuing["handSize"]!.GetValue<int>(), queuing["queueLengthLimit"]!.GetValue<int>()));
        ApiAssert.Code(201, driver);
        Assert.True(driver.Object["spec"]!["attachRequired"]!.GetValue<bool>());
        Assert.Equal("ReadWriteOnceWithFSType", ApiResponse.Str(driver.Object["spec"]!["fsGroupPolicy"]));
    }

    [Fact]
    public async Task Bootstrap_FlowControl_HasUpstreamsMandatoryObjects()
    {
        var exemptLevel = await fx.Client.GetAsync("/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations/exempt");
        var catchAllLevel = await fx.Client.GetAsync("/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations/catch-all");
        var exemptFlows = await fx.Client.GetAsync("/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas/exempt");
        var catchAllFlows = await fx.Client.GetAsync("/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas/catch-all");

        ApiAssert.Code(200, exemptLevel);
        Assert.Equal("Exempt", ApiResponse.Str(exemptLevel.Object["spec"]!["type"]));
        ApiAssert.Code(200, catchAllLevel);
        Assert.Equal("Reject", ApiResponse.Str(catchAllLevel.Object["spec"]!["limited"]!["limitResponse"]!["type"]));
        ApiAssert.Code(200, exemptFlows);
        Assert.Equal(1, exemptFlows.Object["spec"]!["matchingPrecedence"]!.GetValue<int>());
        ApiAssert.Code(200, catchAllFlows);
        Assert.Equal(("catch-all", 10000), (ApiResponse.Str(catchAllFlows.Object["spec"]!["priorityLevelConfiguration"]!["name"]), catchAllFlows.Object["spec"]!["matchingPrecedence"]!.GetValue<int>()));
    }
}
