using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Timonel.ApiServer.Tests.Api;
using Timonel.ApiServer.Tests.MultiServer;
using Timonel.Storage;
using Timonel.Storage.Memory;
using Xunit;
using static Timonel.ApiServer.Tests.ServiceAccounts.ServiceAccountTestSupport;

namespace Timonel.ApiServer.Tests.ServiceAccounts;

/// <summary>
/// Servers started here with their own options: the "kubernetes" Service's endpoints kept by
/// each server's lease, tokens verified across servers, and pods refused for a missing account
/// when the serviceaccount controller is expected.
/// </summary>
public sealed class KubernetesEndpointsTests : IAsyncLifetime
{
    private readonly MemoryStore _store = new();
    private readonly List<string> _dirs = [];
    private readonly List<(ApiServerHost Host, ApiClient Client)> _servers = [];
    private readonly string _token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (host, client) in _servers)
        {
            client.Dispose();
            await host.DisposeAsync();
        }

        foreach (var dir in _dirs)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp dir is harmless.
            }
        }
    }

    [Fact]
    public async Task Start_SingleServer_PublishesItsAdvertiseAddressAndPort()
    {
        var (host, client) = await StartAsync(IPAddress.Parse("10.1.2.3"), shared: false);
        var port = new Uri(host.Url).Port;

        var endpoints = await client.GetAsync("/api/v1/namespaces/default/endpoints/kubernetes");
        var slice = await client.GetAsync("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes");

        ApiAssert.Code(200, endpoints);
        Assert.Equal("true", ApiResponse.Str(endpoints.Body?["metadata"]?["labels"]?["endpointslice.kubernetes.io/skip-mirror"]));
        var subset = Assert.Single(endpoints.Body!["subsets"]!.AsArray())!;
        Assert.Equal("10.1.2.3", ApiResponse.Str(Assert.Single(subset["addresses"]!.AsArray())!["ip"]));
        Assert.Equal(port, (int?)subset["ports"]?[0]?["port"]);
        Assert.Equal("https", ApiResponse.Str(subset["ports"]?[0]?["name"]));
        ApiAssert.Code(200, slice);
        Assert.Equal("kubernetes", ApiResponse.Str(slice.Body?["metadata"]?["labels"]?["kubernetes.io/service-name"]));
        Assert.Equal("IPv4", ApiResponse.Str(slice.Body?["addressType"]));
        Assert.Equal("10.1.2.3", ApiResponse.Str(slice.Body?["endpoints"]?[0]?["addresses"]?[0]));
        Assert.True((bool?)slice.Body?["endpoints"]?[0]?["conditions"]?["ready"]);
        Assert.Equal(port, (int?)slice.Body?["ports"]?[0]?["port"]);
    }

    [Fact]
    public async Task Start_SecondServer_BothListedThenStoppedOneAndStaleLeaseRemoved()
    {
        var (_, first) = await StartAsync(IPAddress.Parse("10.1.0.1"), shared: true);
        var (second, _) = await StartAsync(IPAddress.Parse("10.1.0.2"), shared: true);
        // A server that died without removing its lease: renewed long ago.
        var stale = Encoding.UTF8.GetBytes("{\"ip\":\"10.1.0.9\",\"port\":6443,\"renewTime\":1000}");
        Assert.True((await _store.CreateAsync("/timonel/apiserver-leases/10.1.0.9:6443", stale, CancellationToken.None)).Succeeded);

        await WaitForAddressesAsync(first, ["10.1.0.1", "10.1.0.2"]);

        await StopAsync(second);

        await WaitForAddressesAsync(first, ["10.1.0.1"]);
        var slice = await first.GetAsync("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes");
        Assert.Equal(["10.1.0.1"], slice.Body!["endpoints"]!.AsArray().Select(e => (string)e!["addresses"]![0]!));
    }

    [Fact]
    public async Task Token_IssuedByOneServer_AcceptedByAnother()
    {
        var (_, first) = await StartAsync(IPAddress.Parse("10.2.0.1"), shared: true);
        var (_, second) = await StartAsync(IPAddress.Parse("10.2.0.2"), shared: true);
        ApiAssert.Code(201, await first.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "multi-sa" } }));
        ApiAssert.Code(201, await first.PostAsync("/api/v1/namespaces/multi-sa/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "robot" } }));
        var issued = await first.PostAsync(TokenPath("multi-sa", "robot"), Request());
        ApiAssert.Code(201, issued);
        using var client = new ApiClient(_servers[1].Host.Url, _servers[1].Host.Pki.ServerCaPem, ApiResponse.Str(issued.Body?["status"]?["token"])!);

        var review = await WhoAmIAsync(client);

        ApiAssert.Code(201, review);
        Assert.Equal("system:serviceaccount:multi-sa:robot", ApiResponse.Str(review.Body?["status"]?["userInfo"]?["username"]));
        Assert.NotNull(second);
    }

    [Fact]
    public async Task CreatePod_AccountsRequiredAndDefaultMissing_ForbiddenAfterWaiting()
    {
        var (_, client) = await StartAsync(IPAddress.Parse("10.3.0.1"), shared: false, requireAccounts: true);
        ApiAssert.Code(201, await client.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "nosa" } }));

        var answer = await client.PostAsync("/api/v1/namespaces/nosa/pods", TestObjects.Pod("web"));

        ApiAssert.Failure(answer, 403, "Forbidden", "pods \"web\" is forbidden: error looking up service account nosa/default: serviceaccount \"default\" not found");
    }

    [Fact]
    public async Task CreatePod_AccountsRequiredAndDefaultAppearsWhileWaiting_Admitted()
    {
        var (_, client) = await StartAsync(IPAddress.Parse("10.3.0.2"), shared: false, requireAccounts: true);
        ApiAssert.Code(201, await client.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "latesa" } }));

        var pod = client.PostAsync("/api/v1/namespaces/latesa/pods", TestObjects.Pod("web"));
        await Task.Delay(500);
        ApiAssert.Code(201, await client.PostAsync("/api/v1/namespaces/latesa/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } }));

        ApiAssert.Code(201, await pod);
    }

    private static async Task WaitForAddressesAsync(ApiClient client, string[] expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        HashSet<string> seen;
        while (!(seen = Addresses(await client.GetAsync("/api/v1/namespaces/default/endpoints/kubernetes"))).SetEquals(expected))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the kubernetes endpoints list [{string.Join(", ", seen)}], expected [{string.Join(", ", expected)}]");
            await Task.Delay(100);
        }
    }

    private static HashSet<string> Addresses(ApiResponse endpoints) =>
        endpoints.Body?["subsets"] is JsonArray subsets
            ? [.. subsets.SelectMany(s => s!["addresses"]!.AsArray()).Select(a => (string)a!["ip"]!)]
            : [];

    private async Task<(ApiServerHost Host, ApiClient Client)> StartAsync(IPAddress advertise, bool shared, bool requireAccounts = false)
    {
        var dir = Directory.CreateTempSubdirectory("timonel-sa-").FullName;
        _dirs.Add(dir);
        var host = await ApiServerHost.StartAsync(
            new ApiServerOptions
            {
                DataDir = dir,
                Port = FreePort(),
                AdvertiseAddress = advertise,
                RequireServiceAccounts = requireAccounts,
                JoinToken = shared ? _token : null,
                DatastoreEndpoint = shared ? "memory://" : null,
                EndpointReconcileInterval = TimeSpan.FromMilliseconds(200),
                EndpointLeaseTtl = TimeSpan.FromSeconds(2),
            },
            _ => Task.FromResult<IStore>(shared ? new SharedStore(_store) : new MemoryStore()),
            NullLoggerFactory.Instance,
            CancellationToken.None);
        var client = new ApiClient(host.Url, host.Pki.ServerCaPem, host.Pki.AdminToken);
        _servers.Add((host, client));
        return (host, client);
    }

    private async Task StopAsync(ApiServerHost host)
    {
        var index = _servers.FindIndex(s => s.Host == host);
        var (_, client) = _servers[index];
        _servers.RemoveAt(index);
        client.Dispose();
        await host.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
