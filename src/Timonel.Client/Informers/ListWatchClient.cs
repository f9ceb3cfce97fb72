using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Timonel.Client.Informers;

/// <summary>One page of a list: its objects, the list's resourceVersion and the continue token (null on the last page).</summary>
internal sealed record ListPage<T>(IReadOnlyList<T> Items, string ResourceVersion, string? Continue);

/// <summary>One decoded watch event; <see cref="Object"/> is null for bookmarks.</summary>
internal readonly record struct WatchItem<T>(WatchEventType Type, T? Object, string ResourceVersion);

/// <summary>A non-success answer from the API server (an HTTP status or a watch ERROR event).</summary>
internal sealed class ApiCallException(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    /// <summary>410 Gone / "Expired": the resourceVersion asked for has been compacted away.</summary>
    public bool IsExpired => Code == 410 || Reason is "Expired" or "Gone";
}

/// <summary>
/// Lists and watches one collection over the client's own HTTP pipeline (so its TLS and
/// credentials apply), decoding items into typed models with <see cref="KubernetesJson"/>.
/// Raw requests because the typed operations cannot address a collection by group/version/plural.
/// </summary>
internal sealed class ListWatchClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Kubernetes _client;
    private readonly ResourceKind<T> _kind;
    private readonly InformerOptions _options;

    public ListWatchClient(IKubernetes client, ResourceKind<T> kind, InformerOptions options)
    {
        _client = client as Kubernetes
            ?? throw new ArgumentException($"informers need a {typeof(Kubernetes).FullName} client (its HTTP pipeline carries the credentials)", nameof(client));
        _kind = kind;
        _options = options;
    }

    public async Task<ListPage<T>> ListAsync(int limit, string? continueToken, CancellationToken cancellationToken)
    {
        var query = Query(("limit", limit > 0 ? limit.ToString(System.Globalization.CultureInfo.InvariantCulture) : null), ("continue", continueToken));
        using var response = await SendAsync(query, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        string rv = "", next = "";
        if (root.TryGetProperty("metadata", out var meta))
        {
            rv = StringOf(meta, "resourceVersion");
            next = StringOf(meta, "continue");
        }

        var items = new List<T>();
        if (root.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in array.EnumerateArray())
            {
                var item = KubernetesJson.Deserialize<T>(element);
                // List items carry no kind/apiVersion on the wire; fill them so cached objects are whole.
                item.ApiVersion ??= _kind.ApiVersion;
                item.Kind ??= _kind.Kind;
                items.Add(item);
            }
        }

        return new ListPage<T>(items, rv, next.Length == 0 ? null : next);
    }

    /// <summary>Streams watch events after <paramref name="resourceVersion"/> until the server ends the stream.</summary>
    /// <exception cref="ApiCallException">The server refused the watch or sent an ERROR event (410 when expired).</exception>
    public async IAsyncEnumerable<WatchItem<T>> WatchAsync(string resourceVersion, int timeoutSeconds, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = Query(
            ("watch", "true"),
            ("resourceVersion", resourceVersion),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var response = await SendAsync(query, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        // Events are read as UTF-8 lines and parsed where they lie: no string per event, no re-encoding.
        var reader = PipeReader.Create(body, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (TakeLine(ref buffer, out var line))
                {
                    if (!line.IsEmpty)
                    {
                        yield return Decode(line);
                    }
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        yield return Decode(buffer);
                    }

                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Takes the next whole line (without its \n or \r\n) off the front of <paramref name="buffer"/>; false when no newline has arrived yet.</summary>
    internal static bool TakeLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        if (buffer.PositionOf((byte)'\n') is not { } end)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, end);
        buffer = buffer.Slice(buffer.GetPosition(1, end));
        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        return true;
    }

    private WatchItem<T> Decode(ReadOnlySequence<byte> line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var type = root.GetProperty("type").GetString();
        var obj = root.GetProperty("object");
        switch (type)
        {
            case "ADDED" or "MODIFIED" or "DELETED":
                var item = KubernetesJson.Deserialize<T>(obj);
                item.ApiVersion ??= _kind.ApiVersion;
                item.Kind ??= _kind.Kind;
                var eventType = type switch { "ADDED" => WatchEventType.Added, "MODIFIED" => WatchEventType.Modified, _ => WatchEventType.Deleted };
                return new WatchItem<T>(eventType, item, item.Metadata?.ResourceVersion ?? "");
            case "BOOKMARK":
                var rv = obj.TryGetProperty("metadata", out var meta) ? StringOf(meta, "resourceVersion") : "";
                return new WatchItem<T>(WatchEventType.Bookmark, null, rv);
            case "ERROR":
                throw StatusError(obj, 500);
            default:
                throw new InvalidDataException($"unknown watch event type \"{type}\" from {_kind}");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string query, CancellationToken cancellationToken)
    {
        var baseUri = _client.BaseUri.ToString().TrimEnd('/');
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{baseUri}/{_kind.CollectionPath(_options.Namespace)}{query}"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var response = await _client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var doc = JsonDocument.Parse(text);
                throw StatusError(doc.RootElement, (int)response.StatusCode);
            }
            catch (JsonException)
            {
                throw new ApiCallException((int)response.StatusCode, response.StatusCode.ToString(), $"{_kind}: {(int)response.StatusCode} {text}");
            }
        }
    }

    private string Query(params (string Name, string? Value)[] extra)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(_options.LabelSelector))
        {
            parts.Add("labelSelector=" + Uri.EscapeDataString(_options.LabelSelector));
        }

        if (!string.IsNullOrEmpty(_options.FieldSelector))
        {
            parts.Add("fieldSelector=" + Uri.EscapeDataString(_options.FieldSelector));
        }

        foreach (var (name, value) in extra)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    private ApiCallException StatusError(JsonElement status, int fallbackCode)
    {
        var code = status.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : fallbackCode;
        return new ApiCallException(code, StringOf(status, "reason"), $"{_kind}: {code} {StringOf(status, "message")}");
    }

    private static string StringOf(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString() ?? ""
            : "";
}
