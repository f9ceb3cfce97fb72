using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// The server restarted on the same data directory must still hold everything it acknowledged.
/// Each test owns its server, since it stops and kills it.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class DurabilityTests : IAsyncLifetime
{
    private TimonelServer? server;
    private Kubectl? kubectl;

    private TimonelServer Server => server!;

    private Kubectl Kubectl => kubectl!;

    public async Task InitializeAsync()
    {
        server = await TimonelServer.StartAsync(CancellationToken.None);
        kubectl = new Kubectl(KubectlBinary.Latest, server.KubeconfigPath, Path.Combine(server.RootDir, "home"));
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Restart_AfterSigterm_EveryObjectIsStillThere()
    {
        const string Ns = "durable";
        await Kubectl.CreateNamespaceAsync(Ns);
        KubectlAssert.Succeeds(await Kubectl.ApplyAsync(Manifests.WebApp(Ns, replicas: 3)));
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "web-config", "kept=yes"));
        var before = await SnapshotAsync(Ns);

        await Server.RestartAsync(CancellationToken.None);

        var after = await SnapshotAsync(Ns);
        Assert.Equal(before, after);
        Assert.Equal("yes", await Kubectl.JsonPathAsync(Ns, "configmap/web-config", "{.metadata.labels.kept}"));
        Assert.Equal("3", await Kubectl.JsonPathAsync(Ns, "deployment/web", "{.spec.replicas}"));
        Assert.Equal("Active", KubectlAssert.Succeeds(await Kubectl.RunAsync("get", "namespace", Ns, "-o", "jsonpath={.status.phase}")).Stdout);

        // The store keeps counting from where it stopped: a new write gets a newer resourceVersion.
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", Ns, "label", "configmap", "web-config", "after=restart"));
        var rv = long.Parse(await Kubectl.JsonPathAsync(Ns, "configmap/web-config", "{.metadata.resourceVersion}"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(rv > before.Max(o => o.ResourceVersion), $"resourceVersion {rv} went backwards after restart");
    }

    [Fact]
    public async Task Sigterm_ComponentsLeading_LeasesReleasedWhileTheApiStillServes()
    {
        string[] leases = ["kube-controller-manager", "kube-scheduler", "timonel-node-simulator"];
        var holders = await Eventually.WaitAsync(
            async _ =>
            {
                var found = new Dictionary<string, string>();
                foreach (var lease in leases)
                {
                    var holder = (await Kubectl.RunAsync("-n", "kube-system", "get", "lease", lease, "-o", "jsonpath={.spec.holderIdentity}")).Stdout.Trim();
                    if (holder.Length == 0)
                    {
                        return null;
                    }

                    found[lease] = holder;
                }

                return found;
            },
            TimeSpan.FromSeconds(60),
            "every component leading its Lease");

        await Server.StopAsync();

        // Each release went through the API before it stopped serving: none was refused.
        var log = Server.LogTail(int.MaxValue);
        foreach (var lease in leases)
        {
            Assert.Contains($"released lease kube-system/{lease}", log, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("could not release lease", log, StringComparison.Ordinal);

        // Released, a Lease is free at once: the restarted server's components do not wait out the
        // old holder's 15 s, and the stored holder is never the stopped server's identity again.
        await Server.RestartAsync(CancellationToken.None);
        foreach (var lease in leases)
        {
            var holder = (await Kubectl.RunAsync("-n", "kube-system", "get", "lease", lease, "-o", "jsonpath={.spec.holderIdentity}")).Stdout.Trim();
            Assert.NotEqual(holders[lease], holder);
        }
    }

    [Fact]
    public async Task Kill9_DuringConcurrentCreates_EveryAcknowledgedConfigMapSurvives()
    {
        const string Ns = "crash";
        const int Workers = 8;
        await Kubectl.CreateNamespaceAsync(Ns);
        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();

        var writers = Enumerable.Range(0, Workers)
            .Select(worker => Task.Run(() => CreateUntilFailureAsync(Ns, worker, acknowledged, stop.Token)))
            .ToList();
        await WaitUntilAsync(() => acknowledged.Count >= 200, TimeSpan.FromSeconds(60));
        Server.Kill9();
        await Server.WaitForExitAsync();
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        await Server.RestartAsync(CancellationToken.None);

        var names = await ListConfigMapNamesAsync(Ns);
        var lost = acknowledged.Where(n => !names.Contains(n)).Order(StringComparer.Ordinal).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged configmaps are gone after kill -9: {string.Join(", ", lost.Take(20))}");
    }

    private async Task CreateUntilFailureAsync(string ns, int worker, ConcurrentBag<string> acknowledged, CancellationToken cancellationToken)
    {
        for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
        {
            var name = $"w{worker}-{i}";
            var body = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["metadata"] = new JsonObject { ["name"] = name },
                ["data"] = new JsonObject { ["worker"] = $"{worker}", ["sequence"] = $"{i}" },
            };
            try
            {
                using var response = await Server.Api.PostAsJsonAsync($"api/v1/namespaces/{ns}/configmaps", body, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged.Add(name);
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                // The server was killed under this request: it was never acknowledged.
                return;
            }
        }
    }

    private async Task<HashSet<string>> ListConfigMapNamesAsync(string ns)
    {
        var list = await Server.Api.GetFromJsonAsync<JsonObject>($"api/v1/namespaces/{ns}/configmaps");
        return list!["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToHashSet(StringComparer.Ordinal);
    }

    private async Task<List<ObjectSnapshot>> SnapshotAsync(string ns)
    {
        var json = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", ns, "get", "deployments,services,configmaps,secrets", "-o", "json")).Stdout;
        return JsonNode.Parse(json)!["items"]!.AsArray()
            .Select(i => new ObjectSnapshot(
                $"{(string?)i!["kind"]}/{(string?)i["metadata"]!["name"]}",
                (string)i["metadata"]!["uid"]!,
                long.Parse((string)i["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {timeout}");
            await Task.Delay(20);
        }
    }

    private sealed record ObjectSnapshot(string Key, string Uid, long ResourceVersion);
}
