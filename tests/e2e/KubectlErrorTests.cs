using Timonel.E2E.Tests.Infrastructure;

namespace Timonel.E2E.Tests;

/// <summary>Bad input through kubectl: the server's Status must reach the user as an actionable message.</summary>
[Collection(E2ECollection.Name)]
public sealed class KubectlErrorTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubectl Kubectl => fixture.Kubectl;

    [Fact]
    public async Task Apply_UnknownTopLevelField_FailsNamingTheField()
    {
        const string Ns = "err-unknown";
        await Kubectl.CreateNamespaceAsync(Ns);

        var result = await Kubectl.ApplyAsync(Manifests.ConfigMap(Ns, "cfg") + "\nbogusField: 3\n");

        KubectlAssert.Fails(result, "unknown field \"bogusField\"");
        KubectlAssert.Fails(await Kubectl.RunAsync("-n", Ns, "get", "configmap", "cfg"), "NotFound");
    }

    [Fact]
    public async Task Apply_UnknownNestedField_FailsNamingTheFieldPath()
    {
        const string Ns = "err-unknown-nested";
        await Kubectl.CreateNamespaceAsync(Ns);
        var manifest = Manifests.Deployment(Ns, "web").Replace("  replicas: 2\n", "  replicas: 2\n  replicaz: 3\n", StringComparison.Ordinal);

        var result = await Kubectl.ApplyAsync(manifest);

        KubectlAssert.Fails(result, "unknown field \"spec.replicaz\"");
    }

    [Fact]
    public async Task Apply_UpperCaseName_FailsWithInvalidValue()
    {
        const string Ns = "err-name";
        await Kubectl.CreateNamespaceAsync(Ns);

        var result = await Kubectl.ApplyAsync(Manifests.ConfigMap(Ns, "Upper_Case"));

        KubectlAssert.Fails(result, "Invalid value");
        KubectlAssert.Fails(result, "metadata.name");
        KubectlAssert.Fails(result, "\"Upper_Case\"");
    }

    [Fact]
    public async Task Apply_NegativeReplicas_FailsWithInvalidValueOnTheField()
    {
        const string Ns = "err-replicas";
        await Kubectl.CreateNamespaceAsync(Ns);

        var result = await Kubectl.ApplyAsync(Manifests.Deployment(Ns, "web", replicas: -1));

        KubectlAssert.Fails(result, "The Deployment \"web\" is invalid: spec.replicas: Invalid value: ");
        KubectlAssert.Fails(result, "must be greater than or equal to 0");
    }

    // Upstream prints numeric bad values bare (field.Error uses %v for ints); FieldError.BadValue is a
    // string and is always quoted, so the server says Invalid value: "-1".
    [Fact]
    public async Task Apply_NegativeReplicas_PrintsTheNumberUnquotedAsUpstream()
    {
        const string Ns = "err-replicas-text";
        await Kubectl.CreateNamespaceAsync(Ns);

        var result = await Kubectl.ApplyAsync(Manifests.Deployment(Ns, "web", replicas: -1));

        KubectlAssert.Fails(result, "spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    }

    [Fact]
    public async Task Get_UnknownResourceType_FailsNamingIt()
    {
        var result = await Kubectl.RunAsync("get", "nosuchresource");

        KubectlAssert.Fails(result, "the server doesn't have a resource type \"nosuchresource\"");
    }

    [Fact]
    public async Task Delete_MissingConfigMap_FailsWithNotFound()
    {
        const string Ns = "err-delete";
        await Kubectl.CreateNamespaceAsync(Ns);

        var result = await Kubectl.RunAsync("-n", Ns, "delete", "configmap", "nothere");

        KubectlAssert.Fails(result, "Error from server (NotFound): configmaps \"nothere\" not found");
    }

    [Fact]
    public async Task Apply_IntoMissingNamespace_FailsWithNotFound()
    {
        var result = await Kubectl.ApplyAsync(Manifests.ConfigMap("no-such-namespace", "cfg"));

        KubectlAssert.Fails(result, "namespaces \"no-such-namespace\" not found");
    }
}
