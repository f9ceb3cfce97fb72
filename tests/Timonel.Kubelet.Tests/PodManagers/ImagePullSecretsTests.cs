using System.Text;
using k8s.Models;

namespace Timonel.Kubelet.Tests.PodManagers;

/// <summary>Pulls with the pod's imagePullSecrets, and images the runtime could not parse.</summary>
public sealed class ImagePullSecretsTests
{
    private const string Image = "registry.test:5000/team/app:1.0";

    private static PodSyncerHarness Harness(string image, params string[] pullSecrets)
    {
        var pod = PodSyncerHarness.NewPod("Always");
        pod.Spec.Containers[0].Image = image;
        pod.Spec.Containers[0].ImagePullPolicy = "IfNotPresent";
        pod.Spec.ImagePullSecrets = [.. pullSecrets.Select(n => new V1LocalObjectReference { Name = n })];
        return new PodSyncerHarness(pod);
    }

    private static V1Secret DockerConfigJson(string name, string registryKey, string user, string password) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Type = "kubernetes.io/dockerconfigjson",
        Data = new Dictionary<string, byte[]>
        {
            [".dockerconfigjson"] = Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject { ["auths"] = new System.Text.Json.Nodes.JsonObject { [registryKey] = new System.Text.Json.Nodes.JsonObject { ["auth"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)) } } }.ToJsonString()),
        },
    };

    [Fact]
    public async Task MatchingSecret_SendsItsCredentials_AndTheContainerRuns()
    {
        await using var h = Harness(Image, "regcred");
        h.Runtime.ProtectedImages[Image] = ("alice", "s3cret");
        h.AddSecret(DockerConfigJson("regcred", "https://registry.test:5000/v1/", "alice", "s3cret"));

        await h.SyncAsync();

        Assert.Equal(["alice"], h.Runtime.PullUsers);
        Assert.NotNull(h.Posted[^1].ContainerStatuses[0].State.Running);
    }

    [Fact]
    public async Task WrongPasswordThenRightOne_TriesEachMatchingCredentialInTurn()
    {
        await using var h = Harness(Image, "wrong", "right");
        h.Runtime.ProtectedImages[Image] = ("alice", "s3cret");
        h.AddSecret(DockerConfigJson("wrong", "registry.test:5000/team", "alice", "nope"));
        h.AddSecret(DockerConfigJson("right", "registry.test:5000", "alice", "s3cret"));

        await h.SyncAsync();

        // The more specific key ("…/team") first, as upstream's keyring orders them.
        Assert.Equal(["alice", "alice"], h.Runtime.PullUsers);
        Assert.NotNull(h.Posted[^1].ContainerStatuses[0].State.Running);
    }

    [Fact]
    public async Task WrongPassword_ErrImagePullWithTheRuntimeMessage()
    {
        await using var h = Harness(Image, "regcred");
        h.Runtime.ProtectedImages[Image] = ("alice", "s3cret");
        h.AddSecret(DockerConfigJson("regcred", "registry.test:5000", "alice", "nope"));

        await h.SyncAsync();

        var waiting = h.Posted[^1].ContainerStatuses[0].State.Waiting;
        Assert.Equal("ErrImagePull", waiting?.Reason);
        Assert.Contains("401 Unauthorized", waiting?.Message, StringComparison.Ordinal);
        Assert.Contains(await h.EventTextsAsync(), t => t.StartsWith($"Failed: Failed to pull image \"{Image}\": rpc error: code = Unknown", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecretForAnotherRegistry_PullsWithoutCredentials()
    {
        await using var h = Harness(Image, "other");
        h.AddSecret(DockerConfigJson("other", "elsewhere.test", "bob", "pw"));

        await h.SyncAsync();

        Assert.Equal([""], h.Runtime.PullUsers);
        Assert.NotNull(h.Posted[^1].ContainerStatuses[0].State.Running);
    }

    [Fact]
    public async Task MissingSecret_WarnsAndStillPulls()
    {
        await using var h = Harness(Image, "absent");

        await h.SyncAsync();

        Assert.Contains("FailedToRetrieveImagePullSecret: Unable to retrieve some image pull secrets (absent); attempting to pull the image may not succeed.", await h.EventTextsAsync());
        Assert.Equal([""], h.Runtime.PullUsers);
    }

    [Theory]
    [InlineData("Busybox:1.36")]
    [InlineData("busybox:1.36:extra")]
    [InlineData("registry.test/app@sha256:short")]
    public async Task UnparsableImage_InvalidImageNameAndNoPull(string image)
    {
        await using var h = Harness(image);

        await h.SyncAsync();

        var waiting = h.Posted[^1].ContainerStatuses[0].State.Waiting;
        Assert.Equal("InvalidImageName", waiting?.Reason);
        Assert.Equal($"Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": invalid reference format", waiting?.Message);
        Assert.Empty(h.Runtime.PullUsers);
        Assert.Contains(await h.EventTextsAsync(), t => t.StartsWith("InspectFailed: Failed to apply default image tag", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidImage_IsNotInvalidImageName()
    {
        // The sibling of the test above: a parsable digest reference pulls.
        await using var h = Harness("registry.test/app@sha256:" + new string('a', 64));

        await h.SyncAsync();

        Assert.Single(h.Runtime.PullUsers);
        Assert.NotNull(h.Posted[^1].ContainerStatuses[0].State.Running);
    }
}
