using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// Several `timonel server` processes on one real etcd: shared objects, watches and credentials;
/// one leader per control-plane component; no acknowledged write lost when an etcd member or an
/// API server dies mid-stream. Each test owns its etcd and servers.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class HighAvailabilityTests : IAsyncLifetime
{
    private readonly List<TimonelServer> servers = [];
    private EtcdProcess? etcd;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }

        if (etcd is not null)
        {
            await etcd.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoServersOnEtcd_ShareObjectsWatchesAndOneKubeconfig()
    {
        var (a, b) = await StartPairAsync(members: 1);
        var viaA = KubectlFor(a, a);
        var viaB = KubectlFor(a, b);

        // One kubeconfig (A's CA and credentials) is trusted by B: the CA came from the datastore.
        Assert.Equal(File.ReadAllText(Path.Combine(a.DataDir, "tls", "server-ca.crt")), File.ReadAllText(Path.Combine(b.DataDir, "tls", "server-ca.crt")));
        await using var watch = viaB.Start("get", "configmaps", "-n", "default", "-w", "--output-watch-events", "-o", "name");
        KubectlAssert.Succeeds(await viaA.RunAsync("create", "configmap", "shared", "-n", "default", "--from-literal=k=v"));

        Assert.Equal("v", KubectlAssert.Succeeds(await viaB.RunAsync("get", "configmap", "shared", "-n", "default", "-o", "jsonpath={.data.k}")).Stdout);
        Assert.True(await watch.WaitForLineAsync(l => l.Contains("configmap/shared", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), $"watch through B never saw the create through A:\n{watch.Stdout}");

        // The etcd keys are laid out as upstream's, so etcdctl shows what an operator expects.
        var keys = await EtcdctlAsync(etcd!.Endpoints[0], "get", "--prefix", "--keys-only", "/registry/configmaps/default/shared");
        Assert.Contains("/registry/configmaps/default/shared", keys, StringComparison.Ordinal);

        // Secrets are encrypted at rest with the key the first server generated and shared: etcd
        // holds ciphertext, and the other server reads the value.
        KubectlAssert.Succeeds(await viaA.RunAsync("create", "secret", "generic", "shared-secret", "-n", "default", "--from-literal=password=hunter2-in-etcd"));
        Assert.Equal("aHVudGVyMi1pbi1ldGNk", KubectlAssert.Succeeds(await viaB.RunAsync("get", "secret", "shared-secret", "-n", "default", "-o", "jsonpath={.data.password}")).Stdout);
        var raw = await EtcdctlAsync(etcd!.Endpoints[0], "get", "--print-value-only", "/registry/secrets/default/shared-secret");
        Assert.StartsWith("k8s:enc:aescbc:v1:aescbckey:", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("aHVudGVyMi1pbi1ldGNk", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchResumesOnAnotherServer_FromLastResourceVersion()
    {
        var (a, b) = await StartPairAsync(members: 1);
        await CreateConfigMapAsync(a, "default", "before");
        var rv = (string?)(await a.Api.GetFromJsonAsync<JsonObject>("api/v1/namespaces/default/configmaps/before"))!["metadata"]!["resourceVersion"];
        await a.StopAsync();
        await CreateConfigMapAsync(b, "default", "after");

        using var response = await b.Api.GetAsync($"api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=2", HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"name\":\"after\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"name\":\"before\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThreeServers_LeaderKilled_AnotherTakesOverWithinLeaseDuration()
    {
        await StartEtcdAsync(1);
        var first = await StartServerAsync(token: null);
        var token = File.ReadAllText(Path.Combine(first.DataDir, "token")).Trim();
        var others = await Task.WhenAll(StartServerAsync(token), StartServerAsync(token));
        var all = new[] { first, others[0], others[1] };

        var holder = await Eventually.WaitAsync(ct => LeaseHolderAsync(first, ct), TimeSpan.FromSeconds(60), "a controller-manager leader");
        var leader = all.Single(s => holder.Contains($"_{s.Port}_", StringComparison.Ordinal));
        var observer = all.First(s => s != leader);
        var clock = Stopwatch.StartNew();
        leader.Kill9();
        await leader.WaitForExitAsync();

        var next = await Eventually.WaitAsync(async ct => await LeaseHolderAsync(observer, ct) is { } h && h != holder ? h : null, TimeSpan.FromSeconds(60), "a new controller-manager leader");
        clock.Stop();

        Assert.Contains(all.Where(s => s != leader), s => next.Contains($"_{s.Port}_", StringComparison.Ordinal));
        // Lease duration 15 s, plus one retry period (2 s, jittered by 1.2) for the poll that sees it expired.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15 + (2 * 1.2) + 1), $"takeover took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task EtcdMemberKilledDuringWrites_NoAcknowledgedWriteLost_AndMemberCatchesUp()
    {
        await StartEtcdAsync(3);
        var server = await StartServerAsync(token: null);
        await CreateNamespaceAsync(server, "stream");

        using var stop = new CancellationTokenSource();
        var acknowledged = new ConcurrentBag<string>();
        var writer = WriteStreamAsync(server, "stream", "w", acknowledged, stopOnFailure: false, stop.Token);
        await Eventually.WaitAsync(_ => Task.FromResult(acknowledged.Count >= 30), TimeSpan.FromSeconds(60), "writes before the kill");
        await etcd!.KillAsync(0);
        var atKill = acknowledged.Count;
        await Eventually.WaitAsync(_ => Task.FromResult(acknowledged.Count >= atKill + 30), TimeSpan.FromSeconds(60), "writes after the kill");
        await stop.CancelAsync();
        await writer;

        var names = await ListNamesAsync(server, "stream");
        Assert.Empty(acknowledged.Except(names));

        await etcd.RestartAsync(0);
        var member0 = etcd.Endpoints[0];
        await Eventually.WaitAsync(async _ =>
        {
            var keys = await EtcdctlAsync(member0, "get", "--prefix", "--keys-only", "--consistency=s", "/registry/configmaps/stream/");
            return acknowledged.All(n => keys.Contains($"/registry/configmaps/stream/{n}\n", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(60), "the restarted member to hold every acknowledged write");
    }

    [Fact]
    public async Task ApiServerKilledDuringWrites_OtherServerSeesEveryAcknowledgedObject()
    {
        var (a, b) = await StartPairAsync(members: 1);
        await CreateNamespaceAsync(a, "stream");

        using var stop = new CancellationTokenSource();
        var ackA = new ConcurrentBag<string>();
        var ackB = new ConcurrentBag<string>();
        var writerA = WriteStreamAsync(a, "stream", "a", ackA, stopOnFailure: true, stop.Token);
        var writerB = WriteStreamAsync(b, "stream", "b", ackB, stopOnFailure: false, stop.Token);
        await Eventually.WaitAsync(_ => Task.FromResult(ackA.Count >= 30 && ackB.Count >= 30), TimeSpan.FromSeconds(60), "writes through both servers");
        a.Kill9();
        await a.WaitForExitAsync();
        var atKill = ackB.Count;
        await Eventually.WaitAsync(_ => Task.FromResult(ackB.Count >= atKill + 20), TimeSpan.FromSeconds(60), "writes through B after A died");
        await stop.CancelAsync();
        await Task.WhenAll(writerA, writerB);

        var names = await ListNamesAsync(b, "stream");
        Assert.Empty(ackA.Concat(ackB).Except(names));
    }

    private async Task StartEtcdAsync(int members)
    {
        Assert.True(EtcdProcess.IsInstalled, "etcd is not installed: run scripts/install-deps.sh");
        etcd = await EtcdProcess.StartAsync(members);
    }

    private async Task<(TimonelServer A, TimonelServer B)> StartPairAsync(int members)
    {
        await StartEtcdAsync(members);
        var a = await StartServerAsync(token: null);
        var b = await StartServerAsync(File.ReadAllText(Path.Combine(a.DataDir, "token")).Trim());
        return (a, b);
    }

    private async Task<TimonelServer> StartServerAsync(string? token)
    {
        var args = new List<string> { "--datastore-endpoint", etcd!.EndpointList };
        if (token is not null)
        {
            args.AddRange(["--token", token]);
        }

        var server = await TimonelServer.StartAsync(args, CancellationToken.None);
        lock (servers)
        {
            servers.Add(server);
        }

        return server;
    }

    /// <summary>kubectl with <paramref name="credentials"/>' kubeconfig aimed at <paramref name="target"/>'s address.</summary>
    private static Kubectl KubectlFor(TimonelServer credentials, TimonelServer target)
    {
        var path = Path.Combine(target.RootDir, $"kubeconfig-from-{credentials.Port}.yaml");
        File.WriteAllText(path, File.ReadAllText(credentials.KubeconfigPath).Replace($"https://127.0.0.1:{credentials.Port}", $"https://127.0.0.1:{target.Port}", StringComparison.Ordinal));
        return new Kubectl(KubectlBinary.Latest, path, Path.Combine(target.RootDir, $"home-{credentials.Port}"));
    }

    private static async Task<string?> LeaseHolderAsync(TimonelServer server, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await server.Api.GetFromJsonAsync<JsonObject>("apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager", cancellationToken);
            return (string?)lease?["spec"]?["holderIdentity"] is { Length: > 0 } h ? h : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task CreateNamespaceAsync(TimonelServer server, string name)
    {
        using var response = await server.Api.PostAsJsonAsync("api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task<HttpStatusCode> CreateConfigMapAsync(TimonelServer server, string ns, string name, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["data"] = new JsonObject { ["n"] = name } };
        using var response = await server.Api.PostAsJsonAsync($"api/v1/namespaces/{ns}/configmaps", body, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>Creates configmaps one after another; a name goes into <paramref name="acknowledged"/> only on 201.</summary>
    private static async Task WriteStreamAsync(TimonelServer server, string ns, string prefix, ConcurrentBag<string> acknowledged, bool stopOnFailure, CancellationToken cancellationToken)
    {
        for (var i = 0; !cancellationToken.IsCancellationRequested; i++)
        {
            var name = $"{prefix}-{i}";
            try
            {
                if (await CreateConfigMapAsync(server, ns, name, cancellationToken) == HttpStatusCode.Created)
                {
                    acknowledged.Add(name);
                    continue;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // Not acknowledged: the test only counts 201s.
            }

            if (stopOnFailure)
            {
                return;
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    private static async Task<HashSet<string>> ListNamesAsync(TimonelServer server, string ns)
    {
        var list = await server.Api.GetFromJsonAsync<JsonObject>($"api/v1/namespaces/{ns}/configmaps");
        return list!["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToHashSet(StringComparer.Ordinal);
    }

    private static async Task<string> EtcdctlAsync(string endpoint, params string[] args)
    {
        var start = new ProcessStartInfo("etcdctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["ETCDCTL_API"] = "3";
        start.ArgumentList.Add($"--endpoints={endpoint}");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return stdout;
    }
}
