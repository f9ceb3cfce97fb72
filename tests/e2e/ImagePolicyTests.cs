using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// The server's image policy driven by the real kubectl against Debian's docker-registry: a
/// signed image is admitted with its tag resolved to the digest and every pod of the Deployment
/// runs (and reports in imageID) that digest; an unsigned image and a re-tagged one (a valid
/// signature of another digest copied under its signature tag) are refused with the message.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class ImagePolicyTests(SigningRegistryCluster cluster) : IClassFixture<SigningRegistryCluster>
{
    private static readonly TimeSpan PodTimeout = TimeSpan.FromSeconds(90);

    [RegistryFact]
    public async Task SignedImage_DeploymentByTag_TemplateResolvedAndEveryPodRunsTheDigest()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("signed");
        await CreatePullSecretAsync(ns);
        var image = $"{SigningRegistryCluster.Host}/e2e/signed:1";

        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Deployment(ns, "signed", image, replicas: 2)));

        Assert.Equal($"{image}@{cluster.SignedDigest}", await cluster.Kubectl.JsonPathAsync(ns, "deployment/signed", "{.spec.template.spec.containers[0].image}"));
        await Eventually.WaitAsync(async _ =>
        {
            var pods = await cluster.PodsAsync(ns, "app=signed");
            return pods.Count == 2 && pods.Values.All(p => p.Phase == "Running");
        }, PodTimeout, $"two Running pods of signed\n{cluster.Agents[0].LogTail()}\n{cluster.Registry.LogTail()}");
        var imageIds = (await cluster.Kubectl.JsonPathAsync(ns, "pods", "{range .items[*]}{.status.containerStatuses[0].imageID}{\"\\n\"}{end}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, imageIds.Length);
        Assert.All(imageIds, id => Assert.EndsWith("@" + cluster.SignedDigest, id, StringComparison.Ordinal));
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task UnsignedImage_RefusedWithTheImageAndTheRule()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("unsigned");
        await CreatePullSecretAsync(ns);
        var image = $"{SigningRegistryCluster.Host}/e2e/unsigned:1";

        var refused = await cluster.Kubectl.ApplyAsync(Deployment(ns, "unsigned", image, replicas: 1));

        KubectlAssert.Fails(refused, $"deployments \"unsigned\" is forbidden: image policy: image \"{image}\": requireSignature: no sigstore signature for {cluster.SignedDigest}");
        KubectlAssert.Fails(await cluster.Kubectl.RunAsync("-n", ns, "get", "deployment", "unsigned"), "NotFound");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [RegistryFact]
    public async Task RetaggedImage_SignatureOfAnotherDigest_Refused()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("retag");
        await CreatePullSecretAsync(ns);
        var image = $"{SigningRegistryCluster.Host}/e2e/retagged:1";

        var refused = await cluster.Kubectl.RunAsync("-n", ns, "run", "retagged", $"--image={image}", "--overrides", """{"spec":{"imagePullSecrets":[{"name":"regcred"}]}}""", "--", "sleep", "3600");

        KubectlAssert.Fails(refused, $"pods \"retagged\" is forbidden: image policy: image \"{image}\": requireSignature: no valid signature by key release for {cluster.RetaggedDigest}: the signature is for the manifest {cluster.SignedDigest}, not {cluster.RetaggedDigest}");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    private async Task CreatePullSecretAsync(string ns) =>
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "secret", "docker-registry", "regcred",
            $"--docker-server={SigningRegistryCluster.Host}", $"--docker-username={SigningRegistryCluster.Alice.User}", $"--docker-password={SigningRegistryCluster.Alice.Password}"));

    private static string Deployment(string ns, string name, string image, int replicas) =>
        Manifests.RegistryDeployment(ns, name, image, "regcred", replicas);
}
