using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Cli.Bench;

/// <summary>
/// Issue 18's CRD figures. "crd": creates of a custom resource whose schema has 50 fields and 3
/// CEL rules, against ConfigMap creates run just before on the same server (goal: ≥ 70 %).
/// "crd-discovery": CRDs created one by one, each timed from the create's response until
/// /apis/&lt;group&gt;/v1 lists its resource (p50, p99).
/// </summary>
internal static class CustomResourceMeasurement
{
    /// <summary>Fields of the benchmark kind's spec (the 50-field schema).</summary>
    public const int Fields = 50;

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly TimeSpan EstablishTimeout = TimeSpan.FromSeconds(30);

    public static async Task<(RateResult CustomResource, RateResult ConfigMap)> CreatesAsync(HttpClient client, string run, string ns, int count, int concurrency, int? serverPid, CancellationToken cancellationToken)
    {
        var group = $"bench{run}.timonel.dev";
        await CreateCrdAsync(client, Crd(group, withSchema: true), cancellationToken).ConfigureAwait(false);
        await WaitServedAsync(client, group, "benchwidgets", EstablishTimeout, cancellationToken).ConfigureAwait(false);
        var configMaps = await CreateGetMeasurement.CreateAsync(client, ns, count, concurrency, serverPid, cancellationToken).ConfigureAwait(false);
        var custom = await ClosedLoop.RunAsync("create custom resource (50 fields, 3 CEL rules)", concurrency, count, null, serverPid, async (i, ct) =>
        {
            using var response = await client.PostAsync($"apis/{group}/v1/namespaces/{ns}/benchwidgets", Body(Widget(group, i)), ct).ConfigureAwait(false);
            return await ClosedLoop.FailureOfAsync(response, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return (custom, configMaps);
    }

    public static async Task<Latencies> DiscoveryAsync(HttpClient client, string run, int crds, CancellationToken cancellationToken)
    {
        var samples = new List<Latencies>();
        for (var i = 0; i < crds; i++)
        {
            var group = $"disc{i.ToString(CultureInfo.InvariantCulture)}-{run}.timonel.dev";
            await CreateCrdAsync(client, Crd(group, withSchema: false), cancellationToken).ConfigureAwait(false);
            var created = Stopwatch.GetTimestamp();
            await WaitServedAsync(client, group, "benchwidgets", EstablishTimeout, cancellationToken).ConfigureAwait(false);
            var one = new Latencies();
            one.Add(Stopwatch.GetTimestamp() - created);
            samples.Add(one);
        }

        for (var i = 0; i < crds; i++)
        {
            using var _ = await client.DeleteAsync($"apis/apiextensions.k8s.io/v1/customresourcedefinitions/benchwidgets.disc{i.ToString(CultureInfo.InvariantCulture)}-{run}.timonel.dev", cancellationToken).ConfigureAwait(false);
        }

        return Latencies.Merge(samples);
    }

    private static async Task CreateCrdAsync(HttpClient client, JsonObject crd, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsync("apis/apiextensions.k8s.io/v1/customresourcedefinitions", Body(crd), cancellationToken).ConfigureAwait(false);
        if (await ClosedLoop.FailureOfAsync(response, cancellationToken).ConfigureAwait(false) is { } error)
        {
            throw new InvalidOperationException($"cannot create the benchmark's CRD: {error}");
        }
    }

    // Polls discovery of the group version (as kubectl's discovery would see it) every few milliseconds.
    private static async Task WaitServedAsync(HttpClient client, string group, string plural, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            using var response = await client.GetAsync($"apis/{group}/v1", cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK && (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Contains($"\"name\":\"{plural}\"", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2), cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"{plural}.{group} was not served in discovery within {timeout.TotalSeconds:F0} s");
    }

    private static JsonObject Crd(string group, bool withSchema)
    {
        var properties = new JsonObject();
        for (var f = 0; f < Fields; f++)
        {
            properties[FieldName(f)] = (f % 3) switch
            {
                0 => new JsonObject { ["type"] = "string", ["maxLength"] = 64 },
                1 => new JsonObject { ["type"] = "integer", ["minimum"] = 0, ["maximum"] = 1_000_000 },
                _ => new JsonObject { ["type"] = "boolean" },
            };
        }

        var spec = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["x-kubernetes-validations"] = new JsonArray(
                new JsonObject { ["rule"] = "self.f001 <= self.f004 + 1000000", ["message"] = "f001 must not exceed f004 by a million" },
                new JsonObject { ["rule"] = "size(self.f000) <= 64", ["message"] = "f000 is too long" },
                new JsonObject { ["rule"] = "!self.f002 || self.f003 != ''", ["message"] = "f003 is required when f002 is set" }),
        };
        var schema = withSchema
            ? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["spec"] = spec } }
            : new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = $"benchwidgets.{group}" },
            ["spec"] = new JsonObject
            {
                ["group"] = group,
                ["scope"] = "Namespaced",
                ["names"] = new JsonObject { ["plural"] = "benchwidgets", ["singular"] = "benchwidget", ["kind"] = "BenchWidget", ["listKind"] = "BenchWidgetList" },
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = "v1",
                    ["served"] = true,
                    ["storage"] = true,
                    ["schema"] = new JsonObject { ["openAPIV3Schema"] = schema },
                }),
            },
        };
    }

    private static JsonObject Widget(string group, int i)
    {
        var spec = new JsonObject();
        for (var f = 0; f < Fields; f++)
        {
            spec[FieldName(f)] = (f % 3) switch
            {
                0 => (JsonNode)$"value-{f}-{i}",
                1 => (JsonNode)(f * 10 + i % 1000),
                _ => (JsonNode)(f % 2 == 0),
            };
        }

        return new JsonObject
        {
            ["apiVersion"] = $"{group}/v1",
            ["kind"] = "BenchWidget",
            ["metadata"] = new JsonObject { ["name"] = "bw-" + i.ToString("D6", CultureInfo.InvariantCulture) },
            ["spec"] = spec,
        };
    }

    private static string FieldName(int f) => "f" + f.ToString("D3", CultureInfo.InvariantCulture);

    private static ByteArrayContent Body(JsonObject obj)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(obj.ToJsonString()));
        content.Headers.ContentType = Json;
        return content;
    }
}
