using System.Buffers.Text;
using System.Text.Json.Nodes;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;
using Xunit;

namespace Timonel.E2E.Tests;

/// <summary>
/// Service-account tokens through the real kubectl: `kubectl create token` signs one, a client
/// presenting it is the service account (`kubectl auth whoami`), and bad requests fail with
/// upstream's messages. Pods get the token volume from the ServiceAccount admission plugin.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class ServiceAccountTokenTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private Kubectl Kubectl => fixture.Kubectl;

    [Fact]
    public async Task CreateToken_DefaultAccount_WhoAmIReportsTheServiceAccount()
    {
        const string Ns = "sa-token";
        await Kubectl.CreateNamespaceAsync(Ns);

        var token = await CreateTokenAsync(Kubectl, Ns, "default", "--duration=20m", $"--audience={Issuer}");

        var claims = Payload(token);
        Assert.Equal($"system:serviceaccount:{Ns}:default", (string?)claims["sub"]);
        Assert.Equal(1200, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.Equal(Issuer, (string?)claims["aud"]![0]);
        var asAccount = await TokenKubectlAsync(token, "latest");
        var whoami = KubectlAssert.Succeeds(await asAccount.RunAsync("auth", "whoami"));
        KubectlAssert.StdoutContains(whoami, $"system:serviceaccount:{Ns}:default");
        KubectlAssert.StdoutContains(whoami, $"system:serviceaccounts:{Ns}");
        // RBAC: nothing granted, nothing read; granted view in its namespace, it reads there only.
        KubectlAssert.Fails(await asAccount.RunAsync("-n", Ns, "get", "serviceaccounts"), $"User \"system:serviceaccount:{Ns}:default\" cannot list resource \"serviceaccounts\" in API group \"\" in the namespace \"{Ns}\"");
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "rolebinding", "default-view", "--clusterrole=view", $"--serviceaccount={Ns}:default"));
        await Eventually.WaitAsync(async _ => (await asAccount.RunAsync("-n", Ns, "get", "serviceaccounts")).ExitCode == 0, TimeSpan.FromSeconds(10), "the account reads after the grant");
        KubectlAssert.Fails(await asAccount.RunAsync("-n", "default", "get", "serviceaccounts"), "cannot list resource \"serviceaccounts\" in API group \"\" in the namespace \"default\"");
    }

    [Fact]
    public async Task CreateToken_OldestKubectl_TokenAuthenticates()
    {
        const string Ns = "sa-token-old";
        await Kubectl.CreateNamespaceAsync(Ns);

        var token = await CreateTokenAsync(fixture.OldestKubectl, Ns, "default");

        var asAccount = await TokenKubectlAsync(token, "oldest");
        KubectlAssert.Succeeds(await asAccount.RunAsync("auth", "can-i", "create", "selfsubjectaccessreviews.authorization.k8s.io"));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "create", "rolebinding", "default-view", "--clusterrole=view", $"--serviceaccount={Ns}:default"));
        await Eventually.WaitAsync(async _ => (await asAccount.RunAsync("-n", Ns, "get", "serviceaccount", "default")).ExitCode == 0, TimeSpan.FromSeconds(10), "the account reads after the grant");
    }

    [Fact]
    public async Task CreateToken_ForeignAudience_IsRefusedByTheApiServer()
    {
        const string Ns = "sa-token-aud";
        await Kubectl.CreateNamespaceAsync(Ns);

        var token = await CreateTokenAsync(Kubectl, Ns, "default", "--audience=vault");

        var asAccount = await TokenKubectlAsync(token, "foreign");
        KubectlAssert.Fails(await asAccount.RunAsync("auth", "whoami"), "Unauthorized");
    }

    [Fact]
    public async Task CreateToken_ShortDuration_FailsWithUpstreamMessage()
    {
        const string Ns = "sa-token-short";
        await Kubectl.CreateNamespaceAsync(Ns);
        await CreateTokenAsync(Kubectl, Ns, "default");

        var result = await Kubectl.RunAsync("-n", Ns, "create", "token", "default", "--duration=5m");

        KubectlAssert.Fails(result, "may not specify a duration less than 10 minutes");
    }

    [Fact]
    public async Task CreateToken_MissingAccount_FailsNotFound()
    {
        const string Ns = "sa-token-missing";
        await Kubectl.CreateNamespaceAsync(Ns);

        var result = await Kubectl.RunAsync("-n", Ns, "create", "token", "ghost");

        KubectlAssert.Fails(result, "serviceaccounts \"ghost\" not found");
    }

    [Fact]
    public async Task CreatePod_InFreshNamespace_GetsTheTokenVolume()
    {
        const string Ns = "sa-pod-volume";
        await Kubectl.CreateNamespaceAsync(Ns);

        // Created right after the namespace: admission waits for the controller's "default" account.
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(PodManifest(Ns, "web")));

        Assert.Equal("default", await Kubectl.JsonPathAsync(Ns, "pod/web", "{.spec.serviceAccountName}"));
        Assert.StartsWith("kube-api-access-", await Kubectl.JsonPathAsync(Ns, "pod/web", "{.spec.volumes[0].name}"), StringComparison.Ordinal);
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount", await Kubectl.JsonPathAsync(Ns, "pod/web", "{.spec.containers[0].volumeMounts[0].mountPath}"));
    }

    [Fact]
    public async Task CreatePod_MissingAccount_FailsForbidden()
    {
        const string Ns = "sa-pod-missing";
        await Kubectl.CreateNamespaceAsync(Ns);

        var result = await Kubectl.ApplyAsync(PodManifest(Ns, "web", "  serviceAccountName: ghost\n"));

        KubectlAssert.Fails(result, $"error looking up service account {Ns}/ghost: serviceaccount \"ghost\" not found");
    }

    [Fact]
    public async Task KubernetesService_HasTheServerAsEndpoint()
    {
        var port = await Kubectl.JsonPathAsync("default", "endpoints/kubernetes", "{.subsets[0].ports[0].port}");
        var address = await Kubectl.JsonPathAsync("default", "endpointslice/kubernetes", "{.endpoints[0].addresses[0]}");

        Assert.Equal(fixture.Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), port);
        Assert.True(System.Net.IPAddress.TryParse(address, out _), $"not an address: {address}");
    }

    private static string PodManifest(string ns, string name, string extraSpec = "") => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: {ns}
        spec:
        {extraSpec}  containers:
          - name: main
            image: busybox:1.36
        """;

    /// <summary>`kubectl create token`, retried while the controller has yet to create "default".</summary>
    private static async Task<string> CreateTokenAsync(Kubectl kubectl, string ns, string account, params string[] flags)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var result = await kubectl.RunAsync(["-n", ns, "create", "token", account, .. flags], stdin: null);
            if (result.Succeeded || DateTime.UtcNow > deadline || !result.Stderr.Contains("not found", StringComparison.Ordinal))
            {
                return KubectlAssert.Succeeds(result).Stdout.Trim();
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A kubectl whose kubeconfig holds only the server, its CA and <paramref name="token"/> (no client certificate).</summary>
    private async Task<Kubectl> TokenKubectlAsync(string token, string name)
    {
        var view = KubectlAssert.Succeeds(await Kubectl.RunAsync("config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.server} {.clusters[0].cluster.certificate-authority-data}"));
        var parts = view.Stdout.Split(' ');
        var dir = Path.Combine(fixture.Server.RootDir, "token-" + name);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "kubeconfig.yaml");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: timonel
              cluster:
                server: {parts[0]}
                certificate-authority-data: {parts[1]}
            users:
            - name: sa
              user:
                token: {token}
            contexts:
            - name: sa
              context:
                cluster: timonel
                user: sa
            current-context: sa
            """);
        var binary = name == "oldest" ? fixture.OldestKubectl.Binary : Kubectl.Binary;
        return new Kubectl(binary, path, Path.Combine(dir, "home"));
    }

    private static JsonObject Payload(string jwt) => JsonNode.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[1]))!.AsObject();
}
