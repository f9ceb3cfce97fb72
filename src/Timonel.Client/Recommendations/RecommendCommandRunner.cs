using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Timonel.Client.Recommendations;

/// <summary>
/// What `timonel recommend [-n NS] [-A] [TYPE/NAME]` does, apart from its flags: asks the API
/// server for the recommendations of a namespace (or all, or one workload) on the pod metrics
/// list (<c>?recommendations=true</c>), with the kubeconfig's credentials, and prints them as
/// <see cref="RecommendationTable"/>. The server's refusals are printed as kubectl prints them
/// (<c>Error from server (Forbidden): ...</c>). Returns the process exit code.
/// </summary>
public static class RecommendCommandRunner
{
    public static async Task<int> RunAsync(KubernetesClientConfiguration config, string? @namespace, bool allNamespaces, string? workload, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        string? kindAndName = null;
        if (workload is not null)
        {
            if (allNamespaces)
            {
                await stderr.WriteLineAsync("error: a workload cannot be named across all namespaces (-A): give its namespace with -n").ConfigureAwait(false);
                return 1;
            }

            if (!WorkloadArgument.TryParse(workload, out var parsed, out var error))
            {
                await stderr.WriteLineAsync($"error: {error}").ConfigureAwait(false);
                return 1;
            }

            kindAndName = parsed;
        }

        var ns = @namespace ?? config.Namespace ?? "default";
        var path = allNamespaces
            ? "apis/metrics.k8s.io/v1beta1/pods?recommendations=true"
            : $"apis/metrics.k8s.io/v1beta1/namespaces/{Uri.EscapeDataString(ns)}/pods?recommendations=true";
        if (kindAndName is not null)
        {
            path += "&workload=" + Uri.EscapeDataString(kindAndName);
        }

        using var client = new Kubernetes(config);
        var (code, body) = await GetAsync(client, path, cancellationToken).ConfigureAwait(false);
        if (code != 200 || body is null)
        {
            var reason = body?["reason"]?.GetValue<string>() ?? $"{code}";
            var message = body?["message"]?.GetValue<string>() ?? "the server's answer is not a JSON object";
            await stderr.WriteLineAsync($"Error from server ({reason}): {message}").ConfigureAwait(false);
            return 1;
        }

        if ((body["items"] as JsonArray)?.Count is null or 0)
        {
            await stdout.WriteLineAsync(allNamespaces ? "No usage history yet in any namespace." : $"No usage history yet in namespace {ns}.").ConfigureAwait(false);
            return 0;
        }

        await stdout.WriteAsync(RecommendationTable.Render(body, allNamespaces)).ConfigureAwait(false);
        return 0;
    }

    /// <summary>One GET through the client's own TLS and credentials; the status code and the JSON object answered (null when not one).</summary>
    private static async Task<(int Code, JsonObject? Body)> GetAsync(Kubernetes client, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{client.BaseUri.ToString().TrimEnd('/')}/{path}"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        using var response = await client.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return ((int)response.StatusCode, JsonNode.Parse(text) as JsonObject);
        }
        catch (JsonException)
        {
            return ((int)response.StatusCode, null);
        }
    }
}
