using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Timonel.Cli.Bench;

/// <summary>The small objects the benchmark writes, as wire JSON, and its namespaces.</summary>
internal static class BenchObjects
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static string ConfigMapName(int i) => "cm-" + i.ToString("D6", CultureInfo.InvariantCulture);

    public static string PodName(int i) => "pod-" + i.ToString("D6", CultureInfo.InvariantCulture);

    public static ByteArrayContent ConfigMap(string name) => Content(
        $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{name}}}","labels":{"app":"bench"}},"data":{"key":"value"}}""");

    public static ByteArrayContent Pod(string name) => Content(
        $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}","labels":{"app":"bench"}},"spec":{"containers":[{"name":"main","image":"busybox:1.36","command":["sleep","3600"]}]}}""");

    public static ByteArrayContent Namespace(string name) => Content(
        $$$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{{name}}}}","labels":{"timonel.dev/bench":"true"}}}""");

    /// <summary>A merge patch setting the watch probe's annotations: sequence number and send time.</summary>
    public static StringContent WatchProbePatch(int sequence, long sentTicks) => new(
        $$$$"""{"metadata":{"annotations":{"{{{{WatchProbe.SequenceKey}}}}":"{{{{sequence}}}}","{{{{WatchProbe.SentKey}}}}":"{{{{sentTicks}}}}"}}}""",
        Encoding.UTF8,
        "application/merge-patch+json");

    /// <summary>Creates a namespace; an existing one is an error, so runs never mix.</summary>
    public static async Task CreateNamespaceAsync(HttpClient client, string name, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsync("api/v1/namespaces", Namespace(name), cancellationToken).ConfigureAwait(false);
        if (await ClosedLoop.FailureOfAsync(response, cancellationToken).ConfigureAwait(false) is { } error)
        {
            throw new InvalidOperationException($"cannot create namespace {name}: {error}");
        }
    }

    /// <summary>Best-effort removal of a namespace (and with it everything the run wrote there).</summary>
    public static async Task DeleteNamespaceAsync(HttpClient client, string name, CancellationToken cancellationToken)
    {
        using var response = await client.DeleteAsync($"api/v1/namespaces/{name}", cancellationToken).ConfigureAwait(false);
        await response.Content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
    }

    private static ByteArrayContent Content(string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = Json;
        return content;
    }
}
