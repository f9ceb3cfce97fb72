using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// A client inside a pod, as client-go's in-cluster config builds it: the real kubectl, mounted
/// from the host, with no kubeconfig finds the API server through KUBERNETES_SERVICE_HOST/PORT
/// (the `kubernetes` ClusterIP, through the agent's service proxy) and authenticates with the
/// mounted service-account token, verifying the server against the mounted ca.crt.
/// </summary>
[Collection(E2ECollection.Name)]
public sealed class InClusterClientTests : IClassFixture<SingleNodeCluster>
{
    private const string KubectlInPod = "/kubectl";
    private readonly SingleNodeCluster cluster;

    public InClusterClientTests(SingleNodeCluster cluster)
    {
        this.cluster = cluster;
    }

    [NodeFact]
    public async Task InClusterClient_PodWithToken_ListsPodsAndWithoutTokenIsUnauthorized()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("incluster");
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "service", "clusterip", "web-api", "--tcp=8080:80"));
        var webIp = await cluster.Kubectl.JsonPathAsync(ns, "service/web-api", "{.spec.clusterIP}");
        // Admission needs the namespace's default ServiceAccount, which a controller creates.
        await Eventually.WaitAsync(async _ => (await cluster.Kubectl.RunAsync("-n", ns, "get", "serviceaccount", "default")).ExitCode == 0, TimeSpan.FromSeconds(30), "default ServiceAccount");

        // RBAC: the pod's token may do what its ServiceAccount was granted (view in its namespace)
        // and nothing more: it lists pods, and is refused the cluster's Secrets.
        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "create", "rolebinding", "lister-view", "--clusterrole=view", $"--serviceaccount={ns}:default"));
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(
            ns,
            "lister",
            automountToken: true,
            "sh",
            "-c",
            $"{KubectlInPod} get pods -o name && {KubectlInPod} auth whoami -o jsonpath='user={{.status.userInfo.username}}' && echo && " +
            $"{{ {KubectlInPod} get secrets -A -o name 2>&1; echo secrets-exit=$?; }} && exec sleep 3600")));
        // No token: kubectl finds no in-cluster config and falls back to localhost:8080, as upstream;
        // pointed at the `kubernetes` Service with a made-up token it is refused. (kubectl sends no
        // request without credentials: it prompts for a username instead.) The Service variables
        // expand in the command as upstream's $(VAR).
        KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(Pod(
            ns,
            "no-token",
            automountToken: false,
            "sh",
            "-c",
            $"{KubectlInPod} get pods -o name; echo in-cluster-exit=$?; " +
            $"exec {KubectlInPod} get pods -o name --server=https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT) --insecure-skip-tls-verify --token=not-a-service-account-token")));

        // The lister prints its own name, then who it is, then sleeps.
        var log = await Eventually.WaitAsync(async _ =>
        {
            var phase = await cluster.Kubectl.JsonPathAsync(ns, "pod/lister", "{.status.phase}");
            var logs = await cluster.Kubectl.RunAsync("-n", ns, "logs", "lister");
            if (phase == "Failed")
            {
                throw new InvalidOperationException($"the in-cluster kubectl failed:\n{logs}\n{cluster.Agent("node-1").LogTail(20)}");
            }

            return logs.ExitCode == 0 && logs.Stdout.Contains("secrets-exit=", StringComparison.Ordinal) ? logs.Stdout : null;
        }, TimeSpan.FromSeconds(90), "in-cluster kubectl output in the lister's log");
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("pod/lister", lines);
        Assert.Contains($"user=system:serviceaccount:{ns}:default", lines);
        Assert.Contains("secrets-exit=1", lines);
        Assert.Contains($"User \"system:serviceaccount:{ns}:default\" cannot list resource \"secrets\" in API group \"\" at the cluster scope", log, StringComparison.Ordinal);

        // The environment the kubelet gave the container: the API server's Service and the namespace's.
        var env = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "exec", "lister", "--", "env")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        Assert.Equal("10.43.0.1", env["KUBERNETES_SERVICE_HOST"]);
        Assert.Equal("443", env["KUBERNETES_SERVICE_PORT"]);
        Assert.Equal("443", env["KUBERNETES_SERVICE_PORT_HTTPS"]);
        Assert.Equal("tcp://10.43.0.1:443", env["KUBERNETES_PORT"]);
        Assert.Equal("tcp://10.43.0.1:443", env["KUBERNETES_PORT_443_TCP"]);
        Assert.Equal("tcp", env["KUBERNETES_PORT_443_TCP_PROTO"]);
        Assert.Equal("443", env["KUBERNETES_PORT_443_TCP_PORT"]);
        Assert.Equal("10.43.0.1", env["KUBERNETES_PORT_443_TCP_ADDR"]);
        Assert.Equal(webIp, env["WEB_API_SERVICE_HOST"]);
        Assert.Equal("8080", env["WEB_API_SERVICE_PORT"]);
        Assert.Equal($"tcp://{webIp}:8080", env["WEB_API_PORT_8080_TCP"]);

        // Without a token the request reaches the server and is refused.
        await Eventually.WaitAsync(
            async _ => await cluster.Kubectl.JsonPathAsync(ns, "pod/no-token", "{.status.phase}") == "Failed",
            TimeSpan.FromSeconds(60),
            "the token-less pod Failed");
        Assert.DoesNotContain("kube-api-access", await cluster.Kubectl.JsonPathAsync(ns, "pod/no-token", "{.spec.volumes[*].name}"), StringComparison.Ordinal);
        var exitCode = await cluster.Kubectl.JsonPathAsync(ns, "pod/no-token", "{.status.containerStatuses[0].state.terminated.exitCode}");
        Assert.NotEqual("0", exitCode);
        var refused = KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("-n", ns, "logs", "no-token"));
        Assert.Contains("The connection to the server localhost:8080 was refused", refused.Stdout, StringComparison.Ordinal);
        Assert.Contains("in-cluster-exit=1", refused.Stdout, StringComparison.Ordinal);
        // kubectl's words for a 401 during discovery, as against an upstream API server.
        Assert.Contains("error: You must be logged in to the server", refused.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("pod/", refused.Stdout, StringComparison.Ordinal);

        KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false"));
    }

    private static string Pod(string ns, string name, bool automountToken, params string[] command) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            e2e: incluster
        spec:
          nodeName: node-1
          restartPolicy: Never
          terminationGracePeriodSeconds: 1
          automountServiceAccountToken: {(automountToken ? "true" : "false")}
          volumes:
          - name: kubectl
            hostPath:
              path: {HostKubectl}
              type: File
          containers:
          - name: main
            image: {AgentProcess.BusyboxImage}
            command: [{string.Join(", ", command.Select(c => $"'{c.Replace("'", "''", StringComparison.Ordinal)}'"))}]
            volumeMounts:
            - name: kubectl
              mountPath: {KubectlInPod}
              readOnly: true
        """;

    /// <summary>The kubectl the suite drives: a static Go binary that runs in the busybox image.</summary>
    private static string HostKubectl => Path.IsPathRooted(KubectlBinary.Latest) && File.Exists(KubectlBinary.Latest)
        ? KubectlBinary.Latest
        : throw new InvalidOperationException($"the versioned kubectl binary is missing (found \"{KubectlBinary.Latest}\")");
}
