using Timonel.Registry.Discovery;
using Xunit;

namespace Timonel.Api.Tests.Discovery;

public sealed class DiscoveryNegotiationTests
{
    private const string ClientGo133 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
    private const string ClientGo127 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

    [Theory]
    [InlineData(ClientGo133, DiscoveryFormat.AggregatedV2)]
    [InlineData(ClientGo127, DiscoveryFormat.AggregatedV2Beta1)]
    [InlineData("application/json", DiscoveryFormat.Legacy)]
    [InlineData("application/json, */*", DiscoveryFormat.Legacy)]
    [InlineData(null, DiscoveryFormat.Legacy)]
    [InlineData("", DiscoveryFormat.Legacy)]
    [InlineData("application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io", DiscoveryFormat.AggregatedV2)]
    public void Choose_ClientAcceptHeaders_PicksUpstreamFormat(string? accept, DiscoveryFormat expected) =>
        Assert.Equal(expected, DiscoveryNegotiation.Choose(accept));

    [Theory]
    [InlineData("application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json")]
    [InlineData("application/json;g=other.io;v=v2;as=APIGroupDiscoveryList")]
    [InlineData("text/html, ;;; ,garbage")]
    public void Choose_UnservableAggregatedRequests_FallsBackToLegacy(string accept) =>
        Assert.Equal(DiscoveryFormat.Legacy, DiscoveryNegotiation.Choose(accept));

    [Fact]
    public void Choose_HigherQualityWins_EvenWhenListedLater() =>
        Assert.Equal(DiscoveryFormat.AggregatedV2Beta1, DiscoveryNegotiation.Choose(
            "application/json;q=0.5,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"));

    [Fact]
    public void Choose_ZeroQualityAggregated_IsNotChosen() =>
        Assert.Equal(DiscoveryFormat.Legacy, DiscoveryNegotiation.Choose(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0,application/json"));

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("application/json", true)]
    [InlineData("*/*", true)]
    [InlineData("application/*", true)]
    [InlineData("application/yaml", true)]
    [InlineData("application/vnd.kubernetes.protobuf", true)]
    [InlineData("foo/bar, application/json", true)]
    [InlineData("foo/bar", false)]
    [InlineData("text/html, ;;; ,garbage", false)]
    [InlineData("application/json;as=Table;v=v1;g=meta.k8s.io", false)]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList", false)]
    public void AcceptsLegacy_AsUpstreamsNegotiationWithoutConversions(string? accept, bool expected) =>
        Assert.Equal(expected, DiscoveryNegotiation.AcceptsLegacy(accept));
}
