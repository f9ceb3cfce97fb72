using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Timonel.Api.Errors;
using Timonel.Api.Nodes;
using Timonel.ApiServer.Http;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Streaming;

namespace Timonel.ApiServer.Streaming;

/// <summary>
/// The pod subresources served by the pod's kubelet: pods/log (GET), pods/exec, pods/attach and
/// pods/portforward (GET or POST with an Upgrade to SPDY or WebSocket). The pod and container
/// are checked here so that mistakes get upstream's Status messages; the kubelet's answer
/// (a log stream, a switched protocol, or its own Status) is relayed as is.
/// </summary>
internal sealed class PodStreamEndpoint(ResourceCatalog catalog, ObjectStore objects, KubeletConnector kubelets)
{
    private static readonly string[] LogParameters = ["follow", "previous", "tailLines", "sinceSeconds", "sinceTime", "timestamps", "limitBytes"];

    public async Task HandleAsync(HttpContext context, ApiResource pods, string ns, string name, string subresource, CancellationToken ct)
    {
        var method = context.Request.Method;
        var allowed = subresource == "log" ? HttpMethods.IsGet(method) : HttpMethods.IsGet(method) || HttpMethods.IsPost(method);
        if (!allowed)
        {
            throw ApiException.MethodNotAllowed($"{method} is not supported on pods/{subresource}");
        }

        var pod = (await objects.GetRequiredAsync(pods, ns, name, ct).ConfigureAwait(false)).Object;
        var query = context.Request.Query;
        string path;
        var forward = new List<KeyValuePair<string, string>>();
        switch (subresource)
        {
            case "log":
            {
                var container = Container(pod, name, query["container"].FirstOrDefault());
                CheckLogsAvailable(pod, name, container, QueryBool.Parse(query["previous"]));
                path = $"containerLogs/{ns}/{name}/{container}";
                forward.AddRange(LogParameters.SelectMany(p => query[p].Where(v => v is not null).Select(v => KeyValuePair.Create(p, v!))));
                break;
            }

            case "exec" or "attach":
            {
                var container = Container(pod, name, query["container"].FirstOrDefault());
                NodeOf(pod, name);
                RequireUpgrade(context);
                Flag(forward, "input", query["stdin"]);
                Flag(forward, "output", query["stdout"]);
                Flag(forward, "error", query["stderr"]);
                Flag(forward, "tty", query["tty"]);
                if (subresource == "exec")
                {
                    var command = query["command"].Where(c => c is not null).ToList();
                    if (command.Count == 0)
                    {
                        throw ApiException.BadRequest("you must specify at least 1 command");
                    }

                    forward.AddRange(command.Select(c => KeyValuePair.Create("command", c!)));
                }

                if (!forward.Any(p => p.Key is "input" or "output" or "error"))
                {
                    throw ApiException.BadRequest("you must specify at least 1 of stdin, stdout, stderr");
                }

                path = $"{subresource}/{ns}/{name}/{container}";
                break;
            }

            default:
                NodeOf(pod, name);
                RequireUpgrade(context);
                forward.AddRange(query["ports"].Where(p => p is not null).Select(p => KeyValuePair.Create("port", p!)));
                path = $"portForward/{ns}/{name}";
                break;
        }

        var nodeName = NodeOf(pod, name);
        var node = await objects.GetAsync(catalog.Find("", "v1", "nodes")!, null, nodeName, ct).ConfigureAwait(false)
            ?? throw ApiException.ServiceUnavailable($"node \"{nodeName}\" of pod \"{name}\" is not registered: its kubelet cannot be reached");
        if (KubeletConnector.IsSimulated(node.Object))
        {
            // Never dial: a simulated node's address is made up and would route off the machine.
            throw ApiException.BadRequest($"pod \"{name}\" runs on simulated node \"{nodeName}\" (label {SimulatedNodes.Label}=true): it has no containers to {SimulatedVerb(subresource)}");
        }

        var target = new Uri(KubeletConnector.KubeletUrl(node.Object), path + QueryString(forward));
        try
        {
            if (subresource == "log")
            {
                await RelayLogsAsync(context, target, ct).ConfigureAwait(false);
            }
            else
            {
                await UpgradeRelay.RelayAsync(context, kubelets.Invoker, target, ct).ConfigureAwait(false);
            }
        }
        catch (HttpRequestException e) when (!context.Response.HasStarted)
        {
            throw ApiException.ServiceUnavailable($"error dialing backend: {e.Message} (kubelet of node \"{nodeName}\" at {target.Authority})");
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested && !context.Response.HasStarted)
        {
            throw ApiException.ServiceUnavailable($"error dialing backend: timed out reaching the kubelet of node \"{nodeName}\" at {target.Authority}: {e.Message}");
        }
    }

    private static string SimulatedVerb(string subresource) => subresource switch
    {
        "log" => "read logs from",
        "exec" => "exec into",
        "attach" => "attach to",
        _ => "forward ports to",
    };

    private async Task RelayLogsAsync(HttpContext context, Uri target, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, target) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await kubelets.Invoker.SendAsync(request, ct).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "text/plain";
        await context.Response.StartAsync(ct).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The kubelet went away mid-stream: the log simply ends.
        }
    }

    /// <summary>The container a request names, or the only one; upstream's messages otherwise.</summary>
    private static string Container(JsonObject pod, string podName, string? requested)
    {
        var spec = pod["spec"] as JsonObject;
        var containers = Names(spec?["containers"]);
        var init = Names(spec?["initContainers"]);
        var ephemeral = Names(spec?["ephemeralContainers"]);
        if (string.IsNullOrEmpty(requested))
        {
            if (containers.Count == 1)
            {
                return containers[0];
            }

            var message = $"a container name must be specified for pod {podName}, choose one of: [{string.Join(' ', containers)}]";
            if (init.Count > 0)
            {
                message += $" or one of the init containers: [{string.Join(' ', init)}]";
            }

            throw ApiException.BadRequest(message);
        }

        return containers.Contains(requested) || init.Contains(requested) || ephemeral.Contains(requested)
            ? requested
            : throw ApiException.BadRequest($"container {requested} is not valid for pod {podName}");
    }

    private static List<string> Names(JsonNode? list) =>
        (list as JsonArray ?? []).OfType<JsonObject>().Select(c => c["name"]?.GetValue<string>()).OfType<string>().ToList();

    private static string NodeOf(JsonObject pod, string podName) =>
        pod["spec"]?["nodeName"]?.GetValue<string>() is { Length: > 0 } node
            ? node
            : throw ApiException.BadRequest($"pod {podName} does not have a host assigned");

    /// <summary>As the kubelet answers upstream: a container that never started has no log yet.</summary>
    private static void CheckLogsAvailable(JsonObject pod, string podName, string container, bool previous)
    {
        var status = pod["status"] as JsonObject;
        var statuses = new[] { "containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses" }
            .SelectMany(k => (status?[k] as JsonArray ?? []).OfType<JsonObject>());
        var own = statuses.FirstOrDefault(s => s["name"]?.GetValue<string>() == container);
        if (own is null)
        {
            if (pod["spec"]?["nodeName"]?.GetValue<string>() is not { Length: > 0 })
            {
                throw ApiException.BadRequest($"pod {podName} does not have a host assigned");
            }

            throw ApiException.BadRequest($"container \"{container}\" in pod \"{podName}\" is waiting to start: ContainerCreating");
        }

        var lastTerminated = own["lastState"]?["terminated"] is JsonObject;
        if (previous)
        {
            if (!lastTerminated)
            {
                throw ApiException.BadRequest($"previous terminated container \"{container}\" in pod \"{podName}\" not found");
            }

            return;
        }

        if (own["state"]?["waiting"] is JsonObject waiting && !lastTerminated)
        {
            var reason = waiting["reason"]?.GetValue<string>() is { Length: > 0 } r ? r : "ContainerCreating";
            throw ApiException.BadRequest($"container \"{container}\" in pod \"{podName}\" is waiting to start: {reason}");
        }
    }

    private static void RequireUpgrade(HttpContext context)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true } || context.Request.Headers.Upgrade.Count == 0)
        {
            throw ApiException.BadRequest("Upgrade request required");
        }
    }

    private static void Flag(List<KeyValuePair<string, string>> forward, string name, Microsoft.Extensions.Primitives.StringValues value)
    {
        if (QueryBool.Parse(value))
        {
            forward.Add(KeyValuePair.Create(name, "1"));
        }
    }

    private static string QueryString(List<KeyValuePair<string, string>> pairs)
    {
        if (pairs.Count == 0)
        {
            return "";
        }

        var b = new StringBuilder("?");
        foreach (var (key, value) in pairs)
        {
            if (b.Length > 1)
            {
                b.Append('&');
            }

            b.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return b.ToString();
    }
}
