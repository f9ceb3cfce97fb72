using System.Net;
using System.Net.Http.Headers;
using System.Text;
using k8s;
using k8s.Models;
using Timonel.ApiServer.ServiceAccounts;
using Timonel.Testing;
using Xunit;

namespace Timonel.Controllers.Tests.ServiceAccount;

public sealed class TokensControllerTests : IAsyncLifetime
{
    private const string Pem = "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private ControllerHarness _harness = null!;
    private HttpClient _http = null!;

    private IKubernetes Client => _harness.Client;

    private sealed class Signer(LegacyTokenSigner inner) : Controllers.ServiceAccount.IServiceAccountTokenSigner
    {
        public string SignLegacyToken(string ns, string serviceAccountName, string serviceAccountUid, string secretName) =>
            inner.Sign(ns, serviceAccountName, serviceAccountUid, secretName);
    }

    public async Task InitializeAsync()
    {
        _harness = await ControllerHarness.StartAsync(
            new ControllerManagerOptions { RootCaPem = Pem }, TimeProvider.System, c => new Signer(new LegacyTokenSigner(c.Host.Pki.ServiceAccountKey)), "serviceaccount-token");
        // Loopback test server with its own CA: the bearer token is what is under test, not TLS.
        _http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator })
        {
            BaseAddress = new Uri(_harness.Cluster.Host.Url),
        };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _harness.DisposeAsync();
    }

    private async Task<(string Ns, V1ServiceAccount Account)> AccountAsync()
    {
        var ns = await _harness.Cluster.CreateNamespaceAsync("token");
        var account = await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "robot" } }, ns);
        return (ns, account);
    }

    private Task<V1Secret> CreateTokenSecretAsync(string ns, string name, string account) =>
        Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = name, Annotations = new Dictionary<string, string> { ["kubernetes.io/service-account.name"] = account } },
                Type = "kubernetes.io/service-account-token",
            },
            ns);

    private Task<V1Secret> WaitFilledAsync(string ns, string name) =>
        Eventually.WaitAsync(async ct =>
        {
            var secret = await Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct);
            return secret.Data is { } data && data.ContainsKey("token") ? secret : null;
        }, Patience, $"token in secret {ns}/{name}");

    private async Task<HttpStatusCode> GetPodsAsync(string ns, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await _http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task TokenSecret_GetsTokenCaNamespaceAndUid_TokenAuthenticatesUntilSecretDeleted()
    {
        var (ns, account) = await AccountAsync();
        await CreateTokenSecretAsync(ns, "robot-token", "robot");

        var secret = await WaitFilledAsync(ns, "robot-token");

        Assert.Equal(Pem, Encoding.UTF8.GetString(secret.Data["ca.crt"]));
        Assert.Equal(ns, Encoding.UTF8.GetString(secret.Data["namespace"]));
        Assert.Equal(account.Metadata.Uid, secret.Metadata.Annotations["kubernetes.io/service-account.uid"]);
        var token = Encoding.UTF8.GetString(secret.Data["token"]);
        var claims = System.Text.Json.Nodes.JsonNode.Parse(Convert.FromBase64String(Pad(token.Split('.')[1].Replace('-', '+').Replace('_', '/'))))!.AsObject();
        Assert.Equal("kubernetes/serviceaccount", (string?)claims["iss"]);
        Assert.Equal($"system:serviceaccount:{ns}:robot", (string?)claims["sub"]);
        Assert.Equal("robot-token", (string?)claims["kubernetes.io/serviceaccount/secret.name"]);
        Assert.Equal(account.Metadata.Uid, (string?)claims["kubernetes.io/serviceaccount/service-account.uid"]);
        Assert.Null(claims["exp"]);

        Assert.Equal(HttpStatusCode.OK, await GetPodsAsync(ns, token));
        var used = await Client.CoreV1.ReadNamespacedSecretAsync("robot-token", ns);
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), used.Metadata.Labels["kubernetes.io/legacy-token-last-used"]);

        await Client.CoreV1.DeleteNamespacedSecretAsync("robot-token", ns);

        Assert.Equal(HttpStatusCode.Unauthorized, await GetPodsAsync(ns, token));
    }

    [Fact]
    public async Task TokenSecret_MarkedInvalid_TokenRefusedUntilLabelRemoved()
    {
        var (ns, _) = await AccountAsync();
        await CreateTokenSecretAsync(ns, "robot-token", "robot");
        var secret = await WaitFilledAsync(ns, "robot-token");
        var token = Encoding.UTF8.GetString(secret.Data["token"]);
        Assert.Equal(HttpStatusCode.OK, await GetPodsAsync(ns, token));

        await Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"kubernetes.io/legacy-token-invalid-since\":\"2026-01-01\"}}}", V1Patch.PatchType.MergePatch), "robot-token", ns);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetPodsAsync(ns, token));

        await Client.CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"kubernetes.io/legacy-token-invalid-since\":null}}}", V1Patch.PatchType.MergePatch), "robot-token", ns);
        Assert.Equal(HttpStatusCode.OK, await GetPodsAsync(ns, token));
    }

    [Fact]
    public async Task TokenSecret_TamperedToken_Refused()
    {
        var (ns, _) = await AccountAsync();
        await CreateTokenSecretAsync(ns, "robot-token", "robot");
        await CreateTokenSecretAsync(ns, "other-token", "robot");
        var first = Encoding.UTF8.GetString((await WaitFilledAsync(ns, "robot-token")).Data["token"]);
        var second = await WaitFilledAsync(ns, "other-token");
        Assert.Equal(HttpStatusCode.OK, await GetPodsAsync(ns, first));

        // The other secret now holds a copy of the first token: the first one still names robot-token, which holds it.
        second.Data["token"] = Encoding.UTF8.GetBytes(first);
        await Client.CoreV1.ReplaceNamespacedSecretAsync(second, "other-token", ns);
        Assert.Equal(HttpStatusCode.OK, await GetPodsAsync(ns, first));

        // A secret holding another token than the one presented refuses it.
        var robot = await Client.CoreV1.ReadNamespacedSecretAsync("robot-token", ns);
        robot.Data["token"] = Encoding.UTF8.GetBytes("something else");
        await Client.CoreV1.ReplaceNamespacedSecretAsync(robot, "robot-token", ns);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetPodsAsync(ns, first));
    }

    [Fact]
    public async Task ServiceAccountDeleted_ItsTokenSecretsDeleted_OtherAccountsKept()
    {
        var (ns, _) = await AccountAsync();
        await Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "keeper" } }, ns);
        await CreateTokenSecretAsync(ns, "robot-token", "robot");
        await CreateTokenSecretAsync(ns, "keeper-token", "keeper");
        var token = Encoding.UTF8.GetString((await WaitFilledAsync(ns, "robot-token")).Data["token"]);
        await WaitFilledAsync(ns, "keeper-token");

        await Client.CoreV1.DeleteNamespacedServiceAccountAsync("robot", ns);

        await Eventually.WaitAsync(async ct => (await Client.CoreV1.ListNamespacedSecretAsync(ns, cancellationToken: ct)).Items.All(s => s.Metadata.Name != "robot-token"), Patience, "robot-token deleted");
        Assert.Contains((await Client.CoreV1.ListNamespacedSecretAsync(ns)).Items, s => s.Metadata.Name == "keeper-token");
        Assert.Equal(HttpStatusCode.Unauthorized, await GetPodsAsync(ns, token));
    }

    [Fact]
    public async Task TokenSecretForMissingOrDifferentAccount_Deleted()
    {
        var (ns, account) = await AccountAsync();
        await CreateTokenSecretAsync(ns, "ghost-token", "ghost");
        await Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "stale-token",
                    Annotations = new Dictionary<string, string> { ["kubernetes.io/service-account.name"] = "robot", ["kubernetes.io/service-account.uid"] = "not-" + account.Metadata.Uid },
                },
                Type = "kubernetes.io/service-account-token",
            },
            ns);
        await CreateTokenSecretAsync(ns, "robot-token", "robot");

        await WaitFilledAsync(ns, "robot-token");
        await Eventually.WaitAsync(
            async ct => (await Client.CoreV1.ListNamespacedSecretAsync(ns, cancellationToken: ct)).Items.All(s => s.Metadata.Name is not ("ghost-token" or "stale-token")),
            Patience,
            "ghost-token and stale-token deleted");
    }

    private static string Pad(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
}
