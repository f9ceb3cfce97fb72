using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// A small custom metrics adapter on 127.0.0.1, as prometheus-adapter or KEDA's sit behind the
/// aggregator: HTTPS with a certificate for SERVICE.NAMESPACE.svc from its own CA (the
/// APIServices' caBundle), serving custom.metrics.k8s.io/v1beta2 and external.metrics.k8s.io/v1beta1
/// discovery and MetricValueLists. A Pods metric is a total the test sets, spread evenly over the
/// pods the request's labelSelector matches (listed from the cluster, as an adapter would), so
/// more pods lower each one's share; an external metric is one series with the value the test sets.
/// </summary>
public sealed class CustomMetricsServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Kubernetes client;
    private readonly ConcurrentDictionary<string, decimal> podTotals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, decimal> external = new(StringComparer.Ordinal);

    private CustomMetricsServer(WebApplication app, Kubernetes client, int port, string caPem)
    {
        this.app = app;
        this.client = client;
        Port = port;
        CaBundleBase64 = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(caPem));
    }

    public int Port { get; }

    public string CaBundleBase64 { get; }

    /// <summary>Paths asked, with their query, and who the aggregator said was asking.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Sets the total of Pods metric <paramref name="metric"/> across the selected pods.</summary>
    public void SetPodsTotal(string metric, decimal total) => podTotals[metric] = total;

    /// <summary>Sets external metric <paramref name="metric"/>'s value.</summary>
    public void SetExternal(string metric, decimal value) => external[metric] = value;

    public static async Task<CustomMetricsServer> StartAsync(string serverName, string kubeconfig)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=custom-metrics-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={serverName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(serverName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        var serving = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serving,

            // The aggregator presents its front-proxy client certificate; this adapter trusts the
            // X-Remote-User header without checking it (a real one would), which is not what is under test.
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (_, _, _) => true,
        })));
        var web = builder.Build();
        var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        CustomMetricsServer? server = null;
        web.Run(context => server!.ServeAsync(context));
        await web.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new CustomMetricsServer(web, kube, new Uri(address).Port, ca.ExportCertificatePem());
        return server;
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        Requests.Enqueue($"{path}{context.Request.QueryString} as {context.Request.Headers["X-Remote-User"]}");
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        JsonObject? body = parts switch
        {
            ["apis", "custom.metrics.k8s.io", "v1beta2"] => ResourceList("custom.metrics.k8s.io/v1beta2", [.. podTotals.Keys.Select(m => $"pods/{m}")], "MetricValueList"),
            ["apis", "external.metrics.k8s.io", "v1beta1"] => ResourceList("external.metrics.k8s.io/v1beta1", [.. external.Keys], "ExternalMetricValueList"),
            ["apis", "custom.metrics.k8s.io", "v1beta2", "namespaces", var ns, "pods", "*", var metric] when podTotals.ContainsKey(metric) =>
                await PodsMetricAsync(ns, metric, context.Request.Query["labelSelector"].ToString(), context.RequestAborted),
            ["apis", "external.metrics.k8s.io", "v1beta1", "namespaces", _, var metric] when external.TryGetValue(metric, out var value) => new JsonObject
            {
                ["kind"] = "ExternalMetricValueList",
                ["apiVersion"] = "external.metrics.k8s.io/v1beta1",
                ["metadata"] = new JsonObject(),
                ["items"] = new JsonArray(new JsonObject
                {
                    ["metricName"] = metric,
                    ["metricLabels"] = new JsonObject(),
                    ["timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    ["value"] = Milli(value),
                }),
            },
            _ => null,
        };
        if (body is null)
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["reason"] = "NotFound", ["code"] = 404, ["message"] = $"the server could not find the metric at {path}" }.ToJsonString());
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private async Task<JsonObject> PodsMetricAsync(string ns, string metric, string labelSelector, CancellationToken cancellationToken)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken);
        var live = pods.Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        var share = live.Count == 0 ? 0 : podTotals[metric] / live.Count;
        var stamp = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["kind"] = "MetricValueList",
            ["apiVersion"] = "custom.metrics.k8s.io/v1beta2",
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray([.. live.Select(p => (JsonNode)new JsonObject
            {
                ["describedObject"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = p.Metadata.Name, ["apiVersion"] = "/v1" },
                ["metric"] = new JsonObject { ["name"] = metric },
                ["timestamp"] = stamp,
                ["windowSeconds"] = 30,
                ["value"] = Milli(share),
            })]),
        };
    }

    private static JsonObject ResourceList(string groupVersion, IReadOnlyList<string> names, string kind) => new()
    {
        ["kind"] = "APIResourceList",
        ["apiVersion"] = "v1",
        ["groupVersion"] = groupVersion,
        ["resources"] = new JsonArray([.. names.Select(n => (JsonNode)new JsonObject { ["name"] = n, ["singularName"] = "", ["namespaced"] = true, ["kind"] = kind, ["verbs"] = new JsonArray("get") })]),
    };

    private static string Milli(decimal value) => ((long)Math.Round(value * 1000m)).ToString(CultureInfo.InvariantCulture) + "m";

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        client.Dispose();
    }
}
