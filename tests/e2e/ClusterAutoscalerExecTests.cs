using System.Globalization;
using System.Net;
using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;
using Xunit.Abstractions;

namespace Timonel.E2E.Tests;

/// <summary>
/// The cluster autoscaler's exec provider with real machines (issue 19 item 5): a pod that fits
/// no node makes the server run the group's create command; the test plays the cloud behind
/// that command, starting a real agent (its own network namespace and containerd) under the name
/// the command was given, which joins with the token; the pod runs there. When the load goes,
/// the node is removed through the delete command and leaves the cluster.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class ClusterAutoscalerExecTests : IClassFixture<ExecNodeGroupCluster>
{
    private static readonly TimeSpan ScaleLimit = TimeSpan.FromSeconds(120);

    private readonly ExecNodeGroupCluster cluster;
    private readonly ITestOutputHelper output;

    public ClusterAutoscalerExecTests(ExecNodeGroupCluster cluster, ITestOutputHelper output)
    {
        this.cluster = cluster;
        this.output = output;
    }

    [NodeFact]
    public async Task PendingPod_ExecGroupStartsAMachineThatJoinsAndRunsIt_ThenRemovedWhenTheLoadGoes()
    {
        var kubectl = cluster.Kubectl;
        var ns = await kubectl.CreateUniqueNamespaceAsync("ca");
        using var cloud = new CancellationTokenSource();
        var machines = Task.Run(() => cluster.PlayCloudAsync(cloud.Token), CancellationToken.None);
        try
        {
            // Each replica asks for 1.2 of node-1's 2 cpus: one fits, the other fits only a new machine.
            KubectlAssert.Succeeds(await kubectl.ApplyAsync($$$"""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: big, namespace: {{{ns}}}}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: big}}
                  template:
                    metadata: {labels: {app: big}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - {name: app, image: {{{AgentProcess.BusyboxImage}}}, command: [sleep, "3600"], resources: {requests: {cpu: 1200m, memory: 32Mi} } }
                """));

            var pods = await Eventually.WaitAsync(
                async _ =>
                {
                    var current = await cluster.PodsAsync(ns, "app=big");
                    return current.Count == 2 && current.Values.All(p => p.Phase == "Running") ? current : null;
                },
                ScaleLimit,
                $"both pods Running, one on a machine the exec group added\n{cluster.Requests()}\n{cluster.Server.LogTail()}");
            var grown = pods.Values.Select(p => p.Node).Single(n => n != "node-1");
            Assert.StartsWith("small-", grown, StringComparison.Ordinal);
            // One machine for one pod: a node that joined but is not Ready yet still counts as coming.
            Assert.Equal([$"create small 1 {grown}"], cluster.Requests().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("create", StringComparison.Ordinal)));
            output.WriteLine($"scaled up to {grown}:\n{cluster.Requests()}");

            // The load goes: the group's node is unneeded, removed through the delete command, and
            // leaves the cluster; node-1 (in no group) stays.
            KubectlAssert.Succeeds(await kubectl.RunAsync("-n", ns, "delete", "deployment", "big"));
            await Eventually.WaitAsync(
                async _ => !(await kubectl.RunAsync("get", "nodes", "-o", "name")).Stdout.Contains(grown, StringComparison.Ordinal),
                ScaleLimit,
                $"node {grown} removed once unneeded\n{cluster.Requests()}\n{cluster.Server.LogTail()}");
            Assert.Contains($"delete small {grown}", cluster.Requests(), StringComparison.Ordinal);
            Assert.Contains("node/node-1", (await kubectl.RunAsync("get", "nodes", "-o", "name")).Stdout, StringComparison.Ordinal);
            var status = await kubectl.JsonPathAsync("kube-system", "configmap/cluster-autoscaler-status", "{.data.status}");
            Assert.Contains("small", status, StringComparison.Ordinal);
        }
        finally
        {
            await cloud.CancelAsync();
            await machines;
        }

        KubectlAssert.Succeeds(await kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }
}

/// <summary>
/// One agent (node-1, in no node group) and a server whose cluster autoscaler has an exec node
/// group "small" whose commands only record what they were asked (a request file) and, for a
/// delete, wait until the test has stopped that machine; <see cref="PlayCloudAsync"/> acts on them.
/// </summary>
public sealed class ExecNodeGroupCluster : MultiNodeCluster
{
    private readonly string dir = Directory.CreateTempSubdirectory("timonel-exec-groups-").FullName;

    public ExecNodeGroupCluster()
    {
        File.WriteAllText(Path.Combine(dir, "create.sh"), $"""
            echo "create $1 $2 $TIMONEL_NODE_NAMES" >> {RequestsPath}
            """);
        // A real delete returns once the machine is gone: here, once the test stopped its agent.
        File.WriteAllText(Path.Combine(dir, "delete.sh"), $$"""
            echo "delete $1 $2" >> {{RequestsPath}}
            i=0
            while [ ! -e {{dir}}/gone-$2 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
            [ -e {{dir}}/gone-$2 ]
            """);
        File.WriteAllText(Path.Combine(dir, "groups.yaml"), $"""
            provider: exec
            exec:
              create: [/bin/sh, {dir}/create.sh]
              delete: [/bin/sh, {dir}/delete.sh]
            nodeGroups:
            - name: small
              minSize: 0
              maxSize: 2
              cpu: "2"
              memory: 4Gi
            """);
    }

    private string RequestsPath => Path.Combine(dir, "requests");

    protected override int NodeCount => 1;

    protected override IReadOnlyList<string> ServerArgs =>
    [
        "--node-groups", Path.Combine(dir, "groups.yaml"), "--scan-interval", "2s",
        "--scale-down-unneeded-time", "5s", "--scale-down-delay-after-add", "0s",
    ];

    /// <summary>What the group's commands were asked so far, one line each.</summary>
    public string Requests() => File.Exists(RequestsPath) ? File.ReadAllText(RequestsPath) : string.Empty;

    /// <summary>
    /// The cloud behind the commands: a machine (a new host of the topology with a joined agent)
    /// for every node name a create asked for; a delete's machine stopped, then marked gone.
    /// </summary>
    public async Task PlayCloudAsync(CancellationToken cancellationToken)
    {
        var handled = 0;
        var machines = new Dictionary<string, AgentProcess>(StringComparer.Ordinal);
        while (!cancellationToken.IsCancellationRequested)
        {
            var lines = Requests().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            foreach (var line in lines.Skip(handled))
            {
                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (words[0] == "create")
                {
                    foreach (var name in words.Skip(3))
                    {
                        var index = machines.Count + 1;
                        machines[name] = await JoinAgentAsync(name, string.Create(CultureInfo.InvariantCulture, $"g{index}"), IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"10.98.0.{20 + index}")));
                    }
                }
                else if (words[0] == "delete" && words.Length == 3)
                {
                    if (machines.TryGetValue(words[2], out var agent))
                    {
                        await agent.StopAsync();
                    }

                    await File.WriteAllTextAsync(Path.Combine(dir, "gone-" + words[2]), string.Empty, CancellationToken.None);
                }
            }

            handled = lines.Length;
            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
