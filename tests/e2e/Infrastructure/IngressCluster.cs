namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// The control plane and one node agent whose ingress controller runs (ports 80 and 443 of the
/// node's namespace): the agent gets `--ingress-kubeconfig` with a token of ServiceAccount
/// kube-system/timonel-ingress-controller, as docs/ingress.md tells an operator to do.
/// </summary>
public sealed class IngressCluster : MultiNodeCluster
{
    protected override int NodeCount => 1;

    protected override async Task<IReadOnlyList<string>> AgentArgsFromServerAsync()
    {
        KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", "kube-system", "create", "serviceaccount", "timonel-ingress-controller"));
        var token = KubectlAssert.Succeeds(await Kubectl.RunAsync("-n", "kube-system", "create", "token", "timonel-ingress-controller", "--duration=2h")).Stdout.Trim();
        var path = Path.Combine(Server.RootDir, "ingress.kubeconfig");
        await File.WriteAllTextAsync(path, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster: {server: "{{ServerUrl.ToString().TrimEnd('/')}}", certificate-authority: "{{Path.Combine(Server.DataDir, "tls", "server-ca.crt")}}"}
            users:
            - name: ingress
              user: {token: "{{token}}"}
            contexts:
            - name: c
              context: {cluster: c, user: ingress}
            current-context: c
            """);
        return ["--ingress-kubeconfig", path];
    }
}
