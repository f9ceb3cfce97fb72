using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Timonel.Registry.Resources;

namespace Timonel.Controllers.Dynamic;

/// <summary>
/// Reads, writes and deletes objects of any served resource as wire JSON, through the typed
/// client's own HTTP pipeline (its TLS and credentials). The garbage collector, the namespace
/// controller and the quota controller work across every resource; the typed operations cannot
/// address a collection by group/version/plural.
/// </summary>
public sealed class DynamicClient
{
    private const int PageSize = 500;
    private readonly Kubernetes _client;

    public DynamicClient(IKubernetes client)
    {
        _client = client as Kubernetes
            ?? throw new ArgumentException($"the dynamic client needs a {typeof(Kubernetes).FullName} client", nameof(client));
    }

    /// <summary>The REST path of a collection, or of one object when <paramref name="name"/> is given.</summary>
    public static string PathOf(ApiResource resource, string? @namespace, string? name = null, string? subresource = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var path = resource.Group.Length == 0 ? $"api/{resource.Version}" : $"apis/{resource.Group}/{resource.Version}";
        if (resource.Namespaced && !string.IsNullOrEmpty(@namespace))
        {
            path += $"/namespaces/{Uri.EscapeDataString(@namespace)}";
        }

        path += "/" + resource.Plural;
        if (name is not null)
        {
            path += "/" + Uri.EscapeDataString(name);
        }

        return subresource is null ? path : path + "/" + subresource;
    }

    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<JsonObject?> GetAsync(ApiResource resource, string? @namespace, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(HttpMethod.Get, PathOf(resource, @namespace, name), null, cancellationToken).ConfigureAwait(false);
        }
        catch (DynamicApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>Every object of a collection (one namespace, or all when null), read page by page.</summary>
    public async Task<List<JsonObject>> ListAsync(ApiResource resource, string? @namespace, CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        string? continueToken = null;
        do
        {
            var query = $"?limit={PageSize.ToString(CultureInfo.InvariantCulture)}" + (continueToken is null ? "" : "&continue=" + Uri.EscapeDataString(continueToken));
            var page = await SendAsync(HttpMethod.Get, PathOf(resource, @namespace) + query, null, cancellationToken).ConfigureAwait(false);
            foreach (var item in page["items"] as JsonArray ?? [])
            {
                if (item is JsonObject obj)
                {
                    items.Add((JsonObject)obj.DeepClone());
                }
            }

            continueToken = page["metadata"]?["continue"]?.GetValue<string>() is { Length: > 0 } next ? next : null;
        }
        while (continueToken is not null);

        return items;
    }

    /// <summary>Deletes an object; false when it was already gone (or the uid precondition names an object that is gone).</summary>
    public async Task<bool> DeleteAsync(ApiResource resource, string? @namespace, string name, string? propagationPolicy, string? uid, CancellationToken cancellationToken)
    {
        var options = new JsonObject { ["kind"] = "DeleteOptions", ["apiVersion"] = "v1" };
        if (propagationPolicy is not null)
        {
            options["propagationPolicy"] = propagationPolicy;
        }

        if (uid is not null)
        {
            options["preconditions"] = new JsonObject { ["uid"] = uid };
        }

        try
        {
            await SendAsync(HttpMethod.Delete, PathOf(resource, @namespace, name), options, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DynamicApiException e) when (e.IsNotFound || (uid is not null && e.IsConflict))
        {
            // A conflict on the uid precondition means the object of that uid is gone (a new one took its name).
            return false;
        }
    }

    /// <summary>Replaces an object (PUT, optimistic on its resourceVersion); 409 surfaces as <see cref="DynamicApiException"/>.</summary>
    public Task<JsonObject> UpdateAsync(ApiResource resource, JsonObject obj, CancellationToken cancellationToken, string? subresource = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var meta = obj["metadata"] as JsonObject ?? throw new ArgumentException("object has no metadata", nameof(obj));
        var ns = meta["namespace"]?.GetValue<string>();
        var name = meta["name"]?.GetValue<string>() ?? throw new ArgumentException("object has no name", nameof(obj));
        obj["apiVersion"] ??= resource.ApiVersion;
        obj["kind"] ??= resource.Kind;
        return SendAsync(HttpMethod.Put, PathOf(resource, ns, name, subresource), obj, cancellationToken);
    }

    /// <summary>A document the server answers at <paramref name="path"/> (e.g. discovery), asked for with <paramref name="accept"/>.</summary>
    public Task<JsonObject> GetDocumentAsync(string path, string accept, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken, accept);

    /// <summary>
    /// Sends one request to a path relative to the server root (a query string included) and
    /// returns the JSON object answered; any non-success answer throws <see cref="DynamicApiException"/>.
    /// For what the typed helpers above do not address: discovery, subresources, aggregated APIs.
    /// </summary>
    public async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken, string accept = "application/json")
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        var baseUri = _client.BaseUri.ToString().TrimEnd('/');
        using var request = new HttpRequestMessage(method, new Uri($"{baseUri}/{path}"));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        using var response = await _client.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonObject? json = null;
        try
        {
            json = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            // Not JSON: reported below with the raw text.
        }

        if (response.IsSuccessStatusCode)
        {
            return json ?? throw new DynamicApiException((int)response.StatusCode, "InvalidResponse", $"{method} {path}: the answer is not a JSON object");
        }

        var code = (int)response.StatusCode;
        var reason = json?["reason"]?.GetValue<string>() ?? response.StatusCode.ToString();
        var message = json?["message"]?.GetValue<string>() ?? text;
        throw new DynamicApiException(code, reason, $"{method} {path}: {code} {message}", json?["kind"]?.GetValue<string>() == "Status");
    }
}
