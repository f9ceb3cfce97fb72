using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Timonel.Ingress.Gateway.Model;
using Timonel.Ingress.Tests.Infrastructure;
using Timonel.Testing;

namespace Timonel.Ingress.Tests.Gateway;

/// <summary>
/// Gateway API through the in-process controller: upstream's CRDs created after the controller
/// started (it runs without them), then a GatewayClass, Gateway and HTTPRoutes; requests through
/// the proxy's loopback ports to the fixture's backends A and B.
/// </summary>
public sealed class GatewayProxyTests(IngressFixture fixture) : IClassFixture<IngressFixture>
{
    private const string CrdDir = "/work/shared/crds/gateway-api";
    private const string Group = "gateway.networking.k8s.io";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Proxy_HttpRouteFilters_EditHeadersRewriteAndServeTlsListener()
    {
        // Ingresses are served before the CRDs exist: the controller did not wait for them.
        await fixture.Client.NetworkingV1.CreateNamespacedIngressAsync(new V1Ingress
        {
            Metadata = new V1ObjectMeta { Name = "before-crds" },
            Spec = new V1IngressSpec { IngressClassName = "timonel", Rules = [new V1IngressRule { Host = "ing.gwproxy.test", Http = new V1HTTPIngressRuleValue { Paths = [new V1HTTPIngressPath { Path = "/", PathType = "Prefix", Backend = new V1IngressBackend { Service = new V1IngressServiceBackend { Name = "a", Port = new V1ServiceBackendPort { Number = 80 } } } }] } }] },
        }, fixture.Namespace);
        await WaitForAsync(new Uri($"http://ing.gwproxy.test:{fixture.HttpPort}/x"), [], HttpStatusCode.OK, "A /x");

        await InstallCrdsAsync();
        await fixture.CreateTlsSecretAsync("gw-tls", "secure.gwproxy.test");
        await CreateAsync(null, "gatewayclasses", $$"""{"apiVersion":"{{Group}}/v1","kind":"GatewayClass","metadata":{"name":"timonel-proxy-test"},"spec":{"controllerName":"timonel.dev/gateway-controller"} }""");
        await CreateAsync(fixture.Namespace, "gateways", $$$"""
            {"apiVersion":"{{{Group}}}/v1","kind":"Gateway","metadata":{"name":"gw"},"spec":{"gatewayClassName":"timonel-proxy-test","listeners":[
              {"name":"http","protocol":"HTTP","port":{{{fixture.HttpPort}}}},
              {"name":"https","protocol":"HTTPS","port":{{{fixture.HttpsPort}}},"hostname":"secure.gwproxy.test","tls":{"mode":"Terminate","certificateRefs":[{"name":"gw-tls"}]} }
            ]} }
            """);
        await CreateAsync(fixture.Namespace, "httproutes", $$$"""
            {"apiVersion":"{{{Group}}}/v1","kind":"HTTPRoute","metadata":{"name":"filters"},"spec":{"parentRefs":[{"name":"gw","sectionName":"http"}],"hostnames":["filters.gwproxy.test"],"rules":[
              {"matches":[{"path":{"type":"PathPrefix","value":"/v1"}}],
               "filters":[
                 {"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"X-Test","value":"set-by-route"}]} },
                 {"type":"ResponseHeaderModifier","responseHeaderModifier":{"add":[{"name":"X-Served-By","value":"timonel"}]} },
                 {"type":"URLRewrite","urlRewrite":{"hostname":"rewritten.internal","path":{"type":"ReplacePrefixMatch","replacePrefixMatch":"/v2"} } }
               ],
               "backendRefs":[{"name":"b","port":80}]},
              {"backendRefs":[{"name":"a","port":80}]}
            ]} }
            """);
        await CreateAsync(fixture.Namespace, "httproutes", $$$"""
            {"apiVersion":"{{{Group}}}/v1","kind":"HTTPRoute","metadata":{"name":"secure"},"spec":{"parentRefs":[{"name":"gw","sectionName":"https"}],"rules":[{"backendRefs":[{"name":"b","port":80}]}]} }
            """);

        var body = await WaitForAsync(new Uri($"http://filters.gwproxy.test:{fixture.HttpPort}/v1/items"), [("X-Test", "from-client")], HttpStatusCode.OK, "B /v2/items");
        Assert.Equal("B /v2/items host=rewritten.internal xff=127.0.0.1 proto=http x-test=set-by-route", body);
        await WaitForAsync(new Uri($"http://filters.gwproxy.test:{fixture.HttpPort}/other"), [], HttpStatusCode.OK, "A /other");
        using (var client = new HttpClient(fixture.Handler()))
        {
            using var response = await client.GetAsync(new Uri($"http://filters.gwproxy.test:{fixture.HttpPort}/v1/x"));
            Assert.Equal("timonel", response.Headers.GetValues("X-Served-By").Single());
        }

        // The HTTPS listener: the Secret's certificate by SNI, to backend B.
        X509Certificate2? seen = null;
        using (var tls = new HttpClient(fixture.Handler(c => seen = c)))
        {
            var secure = await Eventually.WaitAsync(async ct =>
            {
                using var response = await tls.GetAsync(new Uri($"https://secure.gwproxy.test:{fixture.HttpsPort}/s"), ct);
                var text = await response.Content.ReadAsStringAsync(ct);
                return response.StatusCode == HttpStatusCode.OK && text.StartsWith("B /s", StringComparison.Ordinal) ? text : null;
            }, Timeout, "https://secure.gwproxy.test/s served by B");
            Assert.Contains("proto=https", secure, StringComparison.Ordinal);
        }

        Assert.Contains("secure.gwproxy.test", seen!.GetNameInfo(X509NameType.DnsName, false), StringComparison.Ordinal);

        // Statuses: the class accepted, both listeners programmed with their routes, routes accepted.
        var gateway = await Eventually.WaitAsync(async ct =>
        {
            var gw = await GetAsync<V1Gateway>(fixture.Namespace, "gateways", "gw", ct);
            return gw.Status?.Listeners?.Sum(l => l.AttachedRoutes) == 2 ? gw : null;
        }, Timeout, "both listeners of gw have their route attached");
        Assert.All(gateway.Status!.Listeners!, l => Assert.Equal("True", l.Conditions.Single(c => c.Type == "Programmed").Status));
        Assert.Equal(["127.0.0.1"], gateway.Status.Addresses!.Select(a => a.Value));
        var gatewayClass = await GetAsync<V1GatewayClass>(null, "gatewayclasses", "timonel-proxy-test", CancellationToken.None);
        Assert.Equal("True", gatewayClass.Status!.Conditions!.Single(c => c.Type == "Accepted").Status);
        var route = await GetAsync<V1HttpRoute>(fixture.Namespace, "httproutes", "filters", CancellationToken.None);
        Assert.Equal("True", route.Status!.Parents!.Single().Conditions.Single(c => c.Type == "Accepted").Status);

        // The Ingress still serves next to the routes.
        await WaitForAsync(new Uri($"http://ing.gwproxy.test:{fixture.HttpPort}/y"), [], HttpStatusCode.OK, "A /y");
    }

    private async Task InstallCrdsAsync()
    {
        foreach (var plural in new[] { "gatewayclasses", "gateways", "httproutes", "referencegrants" })
        {
            var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(Path.Combine(CrdDir, $"{Group}_{plural}.yaml")));
            try
            {
                await fixture.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                // Another test of this fixture installed it.
            }
        }

        await Eventually.WaitAsync(async ct =>
        {
            var list = await fixture.Client.ApiextensionsV1.ListCustomResourceDefinitionAsync(cancellationToken: ct);
            return list.Items.Count(c => c.Spec.Group == Group && c.Status?.Conditions?.Any(x => x.Type == "Established" && x.Status == "True") == true) >= 4;
        }, Timeout, "the Gateway API CRDs are established");
    }

    private async Task CreateAsync(string? ns, string plural, string json)
    {
        var body = JsonNode.Parse(json)!;
        await Eventually.WaitAsync(async ct =>
        {
            try
            {
                if (ns is null)
                {
                    await fixture.Client.CustomObjects.CreateClusterCustomObjectAsync(body, Group, "v1", plural, cancellationToken: ct);
                }
                else
                {
                    await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, Group, "v1", ns, plural, cancellationToken: ct);
                }

                return true;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // The new resource is not served yet.
                return false;
            }
        }, Timeout, $"created {plural}");
    }

    private async Task<T> GetAsync<T>(string? ns, string plural, string name, CancellationToken cancellationToken)
    {
        var obj = ns is null
            ? await fixture.Client.CustomObjects.GetClusterCustomObjectAsync(Group, "v1", plural, name, cancellationToken)
            : await fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, "v1", ns, plural, name, cancellationToken);
        return KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));
    }

    private async Task<string> WaitForAsync(Uri uri, (string Name, string Value)[] headers, HttpStatusCode status, string bodyPrefix)
    {
        using var client = new HttpClient(fixture.Handler());
        return await Eventually.WaitAsync(async ct =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            foreach (var (name, value) in headers)
            {
                request.Headers.Add(name, value);
            }

            using var response = await client.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            return response.StatusCode == status && body.StartsWith(bodyPrefix, StringComparison.Ordinal) ? body : null;
        }, Timeout, $"{uri} to answer {(int)status} {bodyPrefix}");
    }
}
