using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Timonel.Api.Images;
using Timonel.ApiServer.Tests.Api;
using Xunit;

namespace Timonel.ApiServer.Tests.Images;

/// <summary>
/// A server with an image policy and registries on loopback (registries.yaml mirrors to plain
/// HTTP): an open registry, one that wants alice's password, and a port where nothing listens.
/// </summary>
public sealed class ImagePolicyFixture : ApiServerFixture, IAsyncLifetime
{
    public const string DigestOnly = "imgpol-digest";
    public const string AdmitOnError = "imgpol-admit";
    public static readonly (string User, string Password) Alice = ("alice", "alice-pw");

    private readonly string _dir = Directory.CreateTempSubdirectory("timonel-imgpol-").FullName;

    internal FakeRegistry Open { get; private set; } = null!;

    internal FakeRegistry Locked { get; private set; } = null!;

    /// <summary>host:port where nothing listens.</summary>
    public string Dead { get; private set; } = string.Empty;

    public ECDsa Release { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public ECDsa Stranger { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    async Task IAsyncLifetime.InitializeAsync()
    {
        Open = await FakeRegistry.StartAsync();
        Locked = await FakeRegistry.StartAsync(Alice);
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Dead = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        }

        await File.WriteAllTextAsync(Path.Combine(_dir, "release.pub"), Release.ExportSubjectPublicKeyInfoPem());
        await InitializeAsync();
        foreach (var ns in new[] { DigestOnly, AdmitOnError })
        {
            ApiAssert.Code(201, await Client.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }));
        }
    }

    protected override ApiServerOptions Configure(ApiServerOptions options)
    {
        var policy = ImagePolicy.Parse($$"""
            keys:
              release: release.pub
            default:
              images: ["127.0.0.1:*"]
              resolveTags: true
              requireSignature: [release]
              timeout: 5s
            namespaces:
              {{DigestOnly}}: {requireDigest: true, resolveTags: false, requireSignature: []}
              {{AdmitOnError}}: {onRegistryError: Admit}
            """, "policy.yaml", _dir);
        var mirrors = string.Join('\n', new[] { Open.Host, Locked.Host, Dead }.Select(h => $"  \"{h}\":\n    endpoint: [\"http://{h}\"]"));
        return options with
        {
            ImagePolicy = policy,
            Registries = RegistriesConfig.Parse($"mirrors:\n{mirrors}\n", "registries.yaml"),
        };
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Open.DisposeAsync();
        await Locked.DisposeAsync();
        Release.Dispose();
        Stranger.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>The image policy's admission: tag resolution, required digests, sigstore signatures, registry failures, pull secrets.</summary>
public sealed class ImagePolicyAdmissionTests(ImagePolicyFixture fx) : IClassFixture<ImagePolicyFixture>
{
    private static string Pods(string ns) => $"/api/v1/namespaces/{ns}/pods";

    [Fact]
    public async Task SignedImageByTag_PodAdmittedWithTheTagResolvedToItsDigest()
    {
        var ns = await fx.NamespaceAsync("signed");
        var digest = fx.Open.PushImage("team/app", "1", "signed-" + ns);
        fx.Open.PushSignature("team/app", digest, digest, $"{fx.Open.Host}/team/app:1", fx.Release);

        var created = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("p", image: $"{fx.Open.Host}/team/app:1"));

        ApiAssert.Code(201, created);
        Assert.Equal($"{fx.Open.Host}/team/app:1@{digest}", (string?)created.Object["spec"]!["containers"]![0]!["image"]);
    }

    [Fact]
    public async Task UnsignedImage_Refused403NamingTheImageAndTheRule_NothingWritten()
    {
        var ns = await fx.NamespaceAsync("unsigned");
        var digest = fx.Open.PushImage("team/unsigned", "1", "unsigned-" + ns);
        var image = $"{fx.Open.Host}/team/unsigned:1";

        var refused = await ApiAssert.NoWriteAsync(fx, () => fx.Client.PostAsync(Pods(ns), TestObjects.Pod("p", image: image)));

        ApiAssert.Failure(refused, 403, "Forbidden", $"pods \"p\" is forbidden: image policy: image \"{image}\": requireSignature: no sigstore signature for {digest}", "a signature by key release is required");
    }

    [Fact]
    public async Task RetaggedImage_SignatureOfAnotherDigest_Refused()
    {
        var ns = await fx.NamespaceAsync("retag");
        var signedDigest = fx.Open.PushImage("team/retag", "good", "good-" + ns);
        var otherDigest = fx.Open.PushImage("team/retag", "1", "other-" + ns);
        // The good image's valid signature, copied under the other digest's signature tag.
        fx.Open.PushSignature("team/retag", otherDigest, signedDigest, $"{fx.Open.Host}/team/retag:good", fx.Release);
        var image = $"{fx.Open.Host}/team/retag:1";

        var refused = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("p", image: image));

        ApiAssert.Failure(refused, 403, "Forbidden", $"image \"{image}\": requireSignature: no valid signature by key release for {otherDigest}: the signature is for the manifest {signedDigest}, not {otherDigest}");
    }

    [Fact]
    public async Task SignedByAnUnknownKey_Refused()
    {
        var ns = await fx.NamespaceAsync("stranger");
        var digest = fx.Open.PushImage("team/stranger", "1", "stranger-" + ns);
        fx.Open.PushSignature("team/stranger", digest, digest, $"{fx.Open.Host}/team/stranger:1", fx.Stranger);

        var refused = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("p", image: $"{fx.Open.Host}/team/stranger:1"));

        ApiAssert.Failure(refused, 403, "Forbidden", "requireSignature: no valid signature by key release", "no configured key verifies the signature");
    }

    [Fact]
    public async Task DeploymentByTag_TemplateResolved_ImagesOutsideThePolicyUntouched()
    {
        var ns = await fx.NamespaceAsync("deploy");
        var digest = fx.Open.PushImage("team/web", "2", "web-" + ns);
        fx.Open.PushSignature("team/web", digest, digest, $"{fx.Open.Host}/team/web:2", fx.Release);
        var deployment = TestObjects.Deployment("web");
        deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = $"{fx.Open.Host}/team/web:2";

        var created = await fx.Client.PostAsync($"/apis/apps/v1/namespaces/{ns}/deployments", deployment);

        ApiAssert.Code(201, created);
        var containers = created.Object["spec"]!["template"]!["spec"]!["containers"]!;
        Assert.Equal($"{fx.Open.Host}/team/web:2@{digest}", (string?)containers[0]!["image"]);
        Assert.Equal("busybox:1.36", (string?)containers[1]!["image"]);

        // An update that leaves the image as admitted asks the registry nothing.
        var before = fx.Open.ManifestRequests;
        created.Object["spec"]!["replicas"] = 3;
        ApiAssert.Code(200, await fx.Client.PutAsync($"/apis/apps/v1/namespaces/{ns}/deployments/web", created.Object));
        Assert.Equal(before, fx.Open.ManifestRequests);

        // An update to an unsigned image is refused like a create.
        fx.Open.PushImage("team/web", "3", "web3-" + ns);
        var updated = (await fx.Client.GetAsync($"/apis/apps/v1/namespaces/{ns}/deployments/web")).Object;
        updated["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = $"{fx.Open.Host}/team/web:3";
        ApiAssert.Failure(await fx.Client.PutAsync($"/apis/apps/v1/namespaces/{ns}/deployments/web", updated), 403, "Forbidden", "deployments \"web\" is forbidden", "requireSignature");
    }

    [Fact]
    public async Task RequireDigest_TagRefusedWithoutAskingTheRegistry_DigestAdmitted()
    {
        var digest = fx.Open.PushImage("team/pinned", "1", "pinned");
        var before = fx.Open.ManifestRequests;

        var byTag = await fx.Client.PostAsync(Pods(ImagePolicyFixture.DigestOnly), TestObjects.Pod("by-tag", image: $"{fx.Open.Host}/team/pinned:1"));
        var byDigest = await fx.Client.PostAsync(Pods(ImagePolicyFixture.DigestOnly), TestObjects.Pod("by-digest", image: $"{fx.Open.Host}/team/pinned@{digest}"));

        ApiAssert.Failure(byTag, 403, "Forbidden", $"image \"{fx.Open.Host}/team/pinned:1\": requireDigest: the image is not named by digest");
        ApiAssert.Code(201, byDigest);
        Assert.Equal(before, fx.Open.ManifestRequests);
    }

    [Fact]
    public async Task UnreachableRegistry_FailRefuses_AdmitAdmitsUnchanged()
    {
        var ns = await fx.NamespaceAsync("dead");
        var image = $"{fx.Dead}/team/app:1";

        var refused = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("p", image: image));
        var admitted = await fx.Client.PostAsync(Pods(ImagePolicyFixture.AdmitOnError), TestObjects.Pod("dead", image: image));

        ApiAssert.Failure(refused, 403, "Forbidden", $"image \"{image}\": onRegistryError: Fail: the registry {fx.Dead} could not be asked:");
        ApiAssert.Code(201, admitted);
        Assert.Equal(image, (string?)admitted.Object["spec"]!["containers"]![0]!["image"]);
    }

    [Fact]
    public async Task RegistryWithAuth_PullSecretCredentialsUsed_WithoutThemRefused()
    {
        var ns = await fx.NamespaceAsync("auth");
        var digest = fx.Locked.PushImage("team/private", "1", "private-" + ns);
        fx.Locked.PushSignature("team/private", digest, digest, $"{fx.Locked.Host}/team/private:1", fx.Release);
        var login = new JsonObject { ["username"] = ImagePolicyFixture.Alice.User, ["password"] = ImagePolicyFixture.Alice.Password };
        var config = new JsonObject { ["auths"] = new JsonObject { [fx.Locked.Host] = login } }.ToJsonString();
        ApiAssert.Code(201, await fx.Client.PostAsync($"/api/v1/namespaces/{ns}/secrets", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "regcred" },
            ["type"] = "kubernetes.io/dockerconfigjson",
            ["data"] = new JsonObject { [".dockerconfigjson"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(config)) },
        }));
        var image = $"{fx.Locked.Host}/team/private:1";
        var withSecret = TestObjects.Pod("with", image: image);
        withSecret["spec"]!["imagePullSecrets"] = new JsonArray(new JsonObject { ["name"] = "regcred" });

        var refused = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("without", image: image));
        var admitted = await fx.Client.PostAsync(Pods(ns), withSecret);

        ApiAssert.Failure(refused, 403, "Forbidden", "onRegistryError: Fail", $"http://{fx.Locked.Host} answered 401 Unauthorized");
        ApiAssert.Code(201, admitted);
        Assert.Equal($"{image}@{digest}", (string?)admitted.Object["spec"]!["containers"]![0]!["image"]);
    }

    [Fact]
    public async Task UnknownTag_RefusedAsManifestUnknown()
    {
        var ns = await fx.NamespaceAsync("notag");
        var image = $"{fx.Open.Host}/team/absent:9";

        var refused = await fx.Client.PostAsync(Pods(ns), TestObjects.Pod("p", image: image));

        ApiAssert.Failure(refused, 403, "Forbidden", $"image \"{image}\": resolveTags: manifest unknown: {fx.Open.Host}/team/absent:9 does not exist");
    }
}
