using Timonel.E2E.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.E2E.Tests;

/// <summary>
/// Gateway API on the same node ingress controller (issue 20 item 3): the upstream CRDs applied
/// with kubectl while the controller already runs (it started without them), a GatewayClass,
/// Gateway and HTTPRoute to two busybox Services by path, header and weight, a redirect, and a
/// rule whose Service is missing; statuses read back with kubectl -o jsonpath.
/// </summary>
public sealed partial class IngressTests
{
    private const string CrdDir = "/work/shared/crds/gateway-api";
    private const string AppHost = "app.gw.test";

    [NodeFact]
    public async Task GatewayApi_CrdsInstalledLater_RoutesByPathHeaderWeightRedirectsAndReportsStatus()
    {
        var ns = await cluster.Kubectl.CreateUniqueNamespaceAsync("gw");
        var className = $"timonel-{ns}";
        try
        {
            foreach (var crd in new[] { "gatewayclasses", "gateways", "httproutes", "referencegrants" })
            {
                // Server-side: the HTTPRoute CRD is too big for client-side apply's annotation.
                KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("apply", "--server-side", "-f", Path.Combine(CrdDir, $"gateway.networking.k8s.io_{crd}.yaml")));
                KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync("wait", "--for=condition=Established", "--timeout=60s", $"crd/{crd}.gateway.networking.k8s.io"));
            }

            KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(string.Join("\n---\n", Backend(ns, "alpha"), Backend(ns, "beta"))));
            KubectlAssert.Succeeds(await cluster.Kubectl.ApplyAsync(GatewayObjects(ns, className, alphaWeight: 100, betaWeight: 0)));
            var node = cluster.Agents[0];
            var client = new NodeCurl(node.Host, node.Host.Address!.ToString(), "/dev/null");

            // By path (weights 100/0: all to alpha), by header, the redirect, the missing Service's 500.
            await ExpectAsync(client, $"http://{AppHost}/hello", 200, "alpha", node);
            for (var i = 0; i < 5; i++)
            {
                var split = await client.GetAsync($"http://{AppHost}/hello");
                Assert.True(split.Code == 200 && split.Body.Trim() == "alpha", split.ToString());
            }

            var canary = await client.GetAsync($"http://{AppHost}/hello", "-H", "x-canary: yes");
            Assert.True(canary.Code == 200 && canary.Body.Trim() == "beta", canary.ToString());
            var moved = await client.GetAsync($"http://{AppHost}/old?x=1");
            Assert.True(moved.Code == 301, moved.ToString());
            Assert.Equal("http://new.gw.test/hello?x=1", moved.Location);
            var broken = await client.GetAsync($"http://{AppHost}/api/hello");
            Assert.True(broken.Code == 500, broken.ToString());
            Assert.Contains($"service {ns}/ghost not found", broken.Body, StringComparison.Ordinal);
            // A host the route does not name is not taken by it.
            var other = await client.GetAsync("http://other.gw.test/hello");
            Assert.True(other.Code == 404, other.ToString());

            // Statuses, as a user reads them.
            await ExpectJsonPathAsync($"gatewayclass/{className}", "{.status.conditions[?(@.type==\"Accepted\")].status}", "True");
            await ExpectJsonPathAsync("gateway/web", "{.status.conditions[?(@.type==\"Programmed\")].status}", "True", ns);
            await ExpectJsonPathAsync("gateway/web", "{.status.addresses[*].value}", node.Host.Address!.ToString(), ns);
            await ExpectJsonPathAsync("gateway/web", "{.status.listeners[?(@.name==\"http\")].attachedRoutes}", "1", ns);
            await ExpectJsonPathAsync("gateway/web", "{.status.listeners[?(@.name==\"alt\")].conditions[?(@.type==\"Accepted\")].reason}", "PortUnavailable", ns);
            await ExpectJsonPathAsync("httproute/app", "{.status.parents[0].conditions[?(@.type==\"Accepted\")].status}", "True", ns);
            await ExpectJsonPathAsync("httproute/app", "{.status.parents[0].conditions[?(@.type==\"ResolvedRefs\")].reason}", "BackendNotFound", ns);
            await ExpectJsonPathAsync("httproute/app", "{.status.parents[0].controllerName}", "timonel.dev/gateway-controller", ns);

            // The split flipped to 0/100: /hello now goes to beta only; the other rules keep working.
            // replace, not apply: kubectl's apply of a changed custom resource sends a strategic merge
            // patch, which Timonel (as upstream for CRs) refuses with 415 (docs/limits.md, Gateway API).
            KubectlAssert.Succeeds(await cluster.Kubectl.RunAsync(["replace", "-f", "-"], GatewayObjects(ns, className, alphaWeight: 0, betaWeight: 100)));
            await ExpectAsync(client, $"http://{AppHost}/hello", 200, "beta", node);
            for (var i = 0; i < 5; i++)
            {
                var split = await client.GetAsync($"http://{AppHost}/hello");
                Assert.True(split.Code == 200 && split.Body.Trim() == "beta", split.ToString());
            }

            var stillBroken = await client.GetAsync($"http://{AppHost}/api/hello");
            Assert.True(stillBroken.Code == 500, stillBroken.ToString());
        }
        finally
        {
            await cluster.Kubectl.RunAsync("delete", "namespace", ns, "--wait=false");
            await cluster.Kubectl.RunAsync("delete", "gatewayclass", className, "--ignore-not-found");
        }
    }

    private async Task ExpectJsonPathAsync(string resource, string jsonPath, string expected, string ns = "default")
    {
        string last = "";
        await Eventually.WaitAsync(
            async _ => (last = await cluster.Kubectl.JsonPathAsync(ns, resource, jsonPath)) == expected,
            Converge,
            $"{resource} {jsonPath} is \"{expected}\"; last \"{last}\"\n{(await cluster.Kubectl.RunAsync("-n", ns, "get", resource, "-o", "yaml")).Stdout}");
    }

    /// <summary>
    /// GatewayClass <paramref name="className"/> of Timonel's controller; Gateway "web" with an HTTP
    /// listener on port 80 for *.gw.test and one on 8080 (not served); HTTPRoute "app" for
    /// app.gw.test: /hello with header x-canary: yes → beta, /hello → alpha and beta by weight,
    /// /old → 301 to new.gw.test/hello, /api → a Service that does not exist.
    /// </summary>
    private static string GatewayObjects(string ns, string className, int alphaWeight, int betaWeight) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: {{className}} }
        spec: {controllerName: timonel.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: web, namespace: {{ns}} }
        spec:
          gatewayClassName: {{className}}
          listeners:
          - {name: http, protocol: HTTP, port: 80, hostname: "*.gw.test"}
          - {name: alt, protocol: HTTP, port: 8080}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: app, namespace: {{ns}} }
        spec:
          parentRefs: [{name: web, sectionName: http}]
          hostnames: [{{AppHost}}]
          rules:
          - matches: [{path: {type: PathPrefix, value: /hello}, headers: [{name: x-canary, value: "yes"}]}]
            backendRefs: [{name: beta, port: 80}]
          - matches: [{path: {type: PathPrefix, value: /hello} }]
            backendRefs: [{name: alpha, port: 80, weight: {{alphaWeight}} }, {name: beta, port: 80, weight: {{betaWeight}} }]
          - matches: [{path: {type: Exact, value: /old} }]
            filters: [{type: RequestRedirect, requestRedirect: {hostname: new.gw.test, statusCode: 301, path: {type: ReplaceFullPath, replaceFullPath: /hello} } }]
          - matches: [{path: {type: PathPrefix, value: /api} }]
            backendRefs: [{name: ghost, port: 80}]
        """;
}
