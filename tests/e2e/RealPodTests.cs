using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;
using Xunit.Abstractions;

namespace Timonel.E2E.Tests;

/// <summary>
/// Real containers through the whole system: the control plane in its own network namespace and
/// one `timonel agent` node in another, driven by kubectl.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class RealPodTests : IClassFixture<SingleNodeCluster>
{
    private readonly SingleNodeCluster cluster;
    private readonly ITestOutputHelper output;

    public RealPodTests(SingleNodeCluster cluster, ITestOutputHelper output)
    {
        this.cluster = cluster;
        this.output = output;
    }

    [NodeFact]
    public async Task Deployment_BusyboxHttpdTwoReplicas_RunningWithPodIpsAndEachAnswersHttp()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("web");

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "deployment", "web", $"--image={AgentProcess.BusyboxImage}", "--replicas=2", "--", "httpd", "-f", "-p", "8080", "-h", "/"));

        var pods = await Eventually.WaitAsync(async _ =>
        {
            var current = await cluster.PodsAsync(ns, "app=web");
            return current.Count == 2 && current.Values.All(p => p.Phase == "Running" && p.Ip.Length > 0) ? current : null;
        }, TimeSpan.FromSeconds(60), $"2 web pods Running with pod IPs\n{cluster.Agents[0].LogTail()}");

        var podCidr = await cluster.Kubectl.JsonPathAsync("", "node/node-1", "{.spec.podCIDR}");
        var network = System.Net.IPNetwork.Parse(podCidr);
        Assert.Equal(2, pods.Values.Select(p => p.Ip).Distinct().Count());
        foreach (var (name, pod) in pods)
        {
            Assert.Equal("node-1", pod.Node);
            Assert.True(network.Contains(System.Net.IPAddress.Parse(pod.Ip)), $"pod IP {pod.Ip} outside the node's podCIDR {podCidr}");

            // From inside the node's namespace (the test made it): each pod serves its own /etc/hostname, its pod name.
            var body = await Eventually.WaitAsync(
                _ => MultiNodeCluster.HttpGetAsync(cluster.Agents[0].Host.NetnsPath, $"http://{pod.Ip}:8080/etc/hostname"),
                TimeSpan.FromSeconds(15),
                $"httpd of {name} answers on {pod.Ip}:8080");
            Assert.Equal(name, body.Trim());
        }

        ReportMemory();
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [NodeFact]
    public async Task AgentCredential_AfterJoin_ActsAsItsNodeAndCannotReadOtherSecrets()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("nodeid");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "secret", "generic", "unused", "--from-literal=k=v"));
        var agent = cluster.Agents[0];
        var pki = Path.Combine(agent.DataDir, "agent", "pki");
        var kubeconfig = Path.Combine(agent.RootDir, "node-kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {server: "{{cluster.ServerUrl}}", certificate-authority: "{{Path.Combine(cluster.Server.DataDir, "tls", "server-ca.crt")}}"}
            users:
            - name: node
              user: {client-certificate: "{{Path.Combine(pki, "node-client.crt")}}", client-key: "{{Path.Combine(pki, "node-client.key")}}"}
            contexts:
            - name: node
              context: {cluster: c, user: node}
            current-context: node
            """);
        var asNode = new Kubectl(KubectlBinary.Latest, kubeconfig, Path.Combine(agent.RootDir, "home"), cluster.ControlPlane.NetnsPath);

        // The agent stored the certificate it got for the join token: its requests are the node's.
        KubectlAssert.StdoutContains(KubectlAssert.Succeeds(await asNode.RunAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")), "system:node:node-1");
        KubectlAssert.Succeeds(await asNode.RunAsync("get", "node", "node-1"));
        KubectlAssert.Fails(await asNode.RunAsync("-n", ns, "get", "secret", "unused"), "Forbidden");
        KubectlAssert.Fails(await asNode.RunAsync("get", "secrets", "-A"), "Forbidden");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "get", "secret", "unused"));
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [NodeFact]
    public async Task DeleteClaim_MountedByARunningPod_StaysUntilThePodGoesAndKeepsItsData()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("pvc");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync($$$"""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data, namespace: {{{ns}}}}
            spec: {accessModes: [ReadWriteOnce], storageClassName: local-path, resources: {requests: {storage: 64Mi} } }
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: spare, namespace: {{{ns}}}}
            spec: {accessModes: [ReadWriteOnce], storageClassName: local-path, resources: {requests: {storage: 64Mi} } }
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: db, namespace: {{{ns}}}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: db, image: {{{AgentProcess.BusyboxImage}}}, command: [sh, -c, "echo kept > /data/file && exec sleep 3600"], volumeMounts: [{name: data, mountPath: /data}]}
              volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
            """));
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync(["-n", ns, "wait", "--for=condition=Ready", "pod/db", "--timeout=90s"], null, timeout: TimeSpan.FromSeconds(100)));

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "delete", "pvc", "data", "spare", "--wait=false"));
        // The claim no pod uses goes: protection lets go of what it may.
        await Eventually.WaitAsync(
            async _ => (await cluster.Kubectl.RunAsync("-n", ns, "get", "pvc", "spare", "--ignore-not-found", "-o", "name")).Stdout.Trim().Length == 0,
            TimeSpan.FromSeconds(60),
            "unused claim deleted");

        Assert.NotEmpty(await cluster.Kubectl.JsonPathAsync(ns, "pvc/data", "{.metadata.deletionTimestamp}"));
        Assert.Equal("kept", KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "exec", "db", "--", "cat", "/data/file")).Stdout.Trim());

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync(["-n", ns, "delete", "pod", "db", "--timeout=60s"], null, timeout: TimeSpan.FromSeconds(70)));
        await Eventually.WaitAsync(
            async _ => (await cluster.Kubectl.RunAsync("-n", ns, "get", "pvc", "data", "--ignore-not-found", "-o", "name")).Stdout.Trim().Length == 0,
            TimeSpan.FromSeconds(60),
            "claim deleted once its pod is gone");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    [NodeFact]
    public async Task GenericEphemeralVolume_CreatedForThePodAndRemovedWithIt()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("eph");
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync($$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: job, namespace: {{{ns}}}}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: job, image: {{{AgentProcess.BusyboxImage}}}, command: [sh, -c, "echo scratch > /scratch/file && exec sleep 3600"], volumeMounts: [{name: scratch, mountPath: /scratch}]}
              volumes:
              - name: scratch
                ephemeral:
                  volumeClaimTemplate:
                    metadata: {labels: {type: scratch}}
                    spec: {accessModes: [ReadWriteOnce], storageClassName: local-path, resources: {requests: {storage: 64Mi} } }
            """));
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync(["-n", ns, "wait", "--for=condition=Ready", "pod/job", "--timeout=90s"], null, timeout: TimeSpan.FromSeconds(100)));

        Assert.Equal("Bound", await cluster.Kubectl.JsonPathAsync(ns, "pvc/job-scratch", "{.status.phase}"));
        Assert.Equal("Pod/job", await cluster.Kubectl.JsonPathAsync(ns, "pvc/job-scratch", "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"));
        Assert.Equal("scratch", KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "exec", "job", "--", "cat", "/scratch/file")).Stdout.Trim());

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync(["-n", ns, "delete", "pod", "job", "--timeout=60s"], null, timeout: TimeSpan.FromSeconds(70)));
        await Eventually.WaitAsync(
            async _ => (await cluster.Kubectl.RunAsync("-n", ns, "get", "pvc", "--ignore-not-found", "-o", "name")).Stdout.Trim().Length == 0,
            TimeSpan.FromSeconds(60),
            "the ephemeral claim deleted with its pod");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    /// <summary>Prints the agent's and its containerd's resident memory with two pods running (a figure for docs/benchmarks.md).</summary>
    private void ReportMemory()
    {
        if (cluster.Agents[0].ProcessId is not { } pid)
        {
            return;
        }

        static string Rss(int id) => File.ReadLines($"/proc/{id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?";
        var children = File.Exists($"/proc/{pid}/task/{pid}/children") ? File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
        var containerd = children.Select(int.Parse).FirstOrDefault(c => File.ReadAllText($"/proc/{c}/comm").Trim() == "containerd");
        output.WriteLine($"agent RSS {Rss(pid)}; containerd RSS {(containerd > 0 ? Rss(containerd) : "?")} (2 pods running)");
    }
}
