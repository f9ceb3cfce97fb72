using Xunit;

namespace Timonel.Controllers.Tests;

public sealed class ControllerNamesTests
{
    private static bool Enabled(string registryName, params string[] entries) => new ControllerManagerOptions { Controllers = entries }.IsEnabled(registryName);

    [Fact]
    public void IsEnabled_Star_RunsEveryControllerOnByDefault()
    {
        Assert.True(Enabled("replicaset", "*"));
        Assert.True(Enabled("serviceaccount-token", "*"));
        Assert.True(Enabled("legacy-serviceaccount-token-cleaner", "*"));
        Assert.True(Enabled("local-path-provisioner", "*"));
    }

    [Theory]
    [InlineData("replicaset", "replicaset")]
    [InlineData("replicaset", "replicaset-controller")]
    [InlineData("endpoint", "endpoint")]
    [InlineData("endpoint", "endpoints-controller")]
    [InlineData("endpointslice", "endpointslice-controller")]
    [InlineData("garbagecollector", "garbage-collector-controller")]
    [InlineData("garbagecollector", "garbagecollector")]
    [InlineData("nodelifecycle", "node-lifecycle-controller")]
    [InlineData("disruption", "disruption-controller")]
    [InlineData("serviceaccount-token", "serviceaccount-token-controller")]
    [InlineData("legacy-serviceaccount-token-cleaner", "legacy-service-account-token-cleaner")]
    [InlineData("podgc", "pod-garbage-collector-controller")]
    [InlineData("pvc-protection", "persistentvolumeclaim-protection-controller")]
    [InlineData("root-ca-cert-publisher", "root-ca-certificate-publisher-controller")]
    [InlineData("service-lb-controller", "service")]
    [InlineData("service-cidr", "service-cidr-controller")]
    public void IsEnabled_AnyNameOfTheController_SelectsAndDisablesIt(string registryName, string name)
    {
        Assert.True(Enabled(registryName, name));
        Assert.False(Enabled(registryName, "*", "-" + name));
        Assert.False(Enabled("job", name));
    }

    [Fact]
    public void IsEnabled_FirstEntryNamingTheControllerWins()
    {
        Assert.True(Enabled("replicaset", "replicaset-controller", "-replicaset"));
        Assert.False(Enabled("replicaset", "-replicaset", "replicaset-controller"));
        Assert.False(Enabled("replicaset", "-replicaset-controller", "*"));
    }

    [Fact]
    public void IsEnabled_NoStar_RunsOnlyNamedControllers()
    {
        Assert.False(Enabled("deployment", "replicaset"));
        Assert.False(Enabled("deployment"));
    }

    [Fact]
    public void IsEnabled_OffByDefaultController_RunsOnlyWhenNamed()
    {
        // Upstream keeps bootstrap-signer and token-cleaner off under "*".
        Assert.False(Enabled("bootstrap-signer-controller", "*"));
        Assert.True(Enabled("bootstrap-signer-controller", "*", "bootstrapsigner"));
        Assert.False(Enabled("token-cleaner-controller", "*"));
        Assert.True(Enabled("token-cleaner-controller", "tokencleaner"));
    }

    [Fact]
    public void IsEnabled_RegistryNameWithoutAlias_MatchesLiterally()
    {
        Assert.True(Enabled("some-future-controller", "*"));
        Assert.False(Enabled("some-future-controller", "*", "-some-future-controller"));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("*,-replicaset-controller,bootstrapsigner")]
    [InlineData("endpoint,endpointslice-controller,-nodelifecycle,horizontalpodautoscaling")]
    [InlineData("service-cidr-controller,-service-cidr,local-path-provisioner,-legacy-service-account-token-cleaner")]
    public void Validate_KnownNamesInEveryForm_Accepted(string list) =>
        Assert.Null(ControllerNames.Validate(list.Split(',')));

    [Theory]
    [InlineData("*,-replicasets", "replicasets")]
    [InlineData("nodes-controller", "nodes-controller")]
    [InlineData("*,job,Deployment", "Deployment")]
    public void Validate_UnknownName_NamesItAndListsKnownNames(string list, string unknown)
    {
        var error = ControllerNames.Validate(list.Split(','));

        Assert.NotNull(error);
        Assert.StartsWith($"\"{unknown}\" is not in the list of known controllers", error);
        Assert.Contains("replicaset-controller", error);
        Assert.Contains("serviceaccount-token-controller", error);
    }
}
