using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Tests.Api;

/// <summary>An HTTP answer: its code, its JSON body (when it has one), headers and raw text.</summary>
internal sealed record ApiResponse(int Code, JsonNode? Body, HttpResponseHeaders Headers, string ContentType, string Text)
{
    public JsonObject Object => Body as JsonObject ?? throw new InvalidOperationException($"expected a JSON object, got {Code}: {Text}");

    public string? Reason => Str(Body?["reason"]);

    public string Message => Str(Body?["message"]) ?? "";

    public string? Kind => Str(Body?["kind"]);

    public string? Name => Str(Body?["metadata"]?["name"]);

    public string? ResourceVersion => Str(Body?["metadata"]?["resourceVersion"]);

    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public override string ToString() => $"{Code} {Text}";
}

/// <summary>
/// A small Kubernetes REST client for tests: trusts only the cluster's server CA, sends the
/// admin bearer token (unless told not to), returns code + parsed JSON instead of throwing.
/// </summary>
internal sealed class ApiClient : IDisposable
{
    public const string Json = "application/json";
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";
    public const string StrategicPatch = "application/strategic-merge-patch+json";

    private readonly HttpClient _http;
    private readonly X509Certificate2 _ca;
    private readonly string _token;

    /// <param name="clientCertificate">Authenticate with this certificate instead (pass an empty token).</param>
    public ApiClient(string baseUrl, string serverCaPem, string token, X509Certificate2? clientCertificate = null)
    {
        _ca = X509Certificate2.CreateFromPem(serverCaPem);
        _token = token;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = TrustClusterCaOnly },

            // Warning headers carry UTF-8 text, as upstream sends it.
            ResponseHeaderEncodingSelector = (_, _) => Encoding.UTF8,
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        _http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
    }

    public Task<ApiResponse> GetAsync(string path, string? accept = null) => SendAsync(HttpMethod.Get, path, accept: accept);

    public Task<ApiResponse> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body.ToJsonString(), Json);

    public Task<ApiResponse> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body.ToJsonString(), Json);

    public Task<ApiResponse> PatchAsync(string path, string patch, string contentType) => SendAsync(HttpMethod.Patch, path, patch, contentType);

    public Task<ApiResponse> DeleteAsync(string path, JsonNode? options = null) =>
        SendAsync(HttpMethod.Delete, path, options?.ToJsonString(), options is null ? null : Json);

    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? body = null, string? contentType = null, string? accept = null, bool authenticate = true, bool expectContinue = false)
    {
        using var request = Request(method, path, body, contentType, accept, authenticate);
        request.Headers.ExpectContinue = expectContinue;
        return await SendAsync(request);
    }

    /// <summary>A GET with extra request headers (If-None-Match, say).</summary>
    public async Task<ApiResponse> GetWithHeadersAsync(string path, string? accept, params (string Name, string Value)[] headers)
    {
        using var request = Request(HttpMethod.Get, path, null, null, accept, authenticate: true);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await SendAsync(request);
    }

    /// <summary>A request with extra request headers (Impersonate-User, say) and an optional body.</summary>
    public async Task<ApiResponse> SendWithHeadersAsync(HttpMethod method, string path, string? body, string? contentType, params (string Name, string Value)[] headers)
    {
        using var request = Request(method, path, body, contentType, null, authenticate: true);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await SendAsync(request);
    }

    /// <summary>Sends raw bytes (protobuf, invalid UTF-8, byte order marks) as the body.</summary>
    public async Task<ApiResponse> SendBytesAsync(HttpMethod method, string path, byte[] body, string contentType)
    {
        using var request = Request(method, path, null, null, null, authenticate: true);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await SendAsync(request);
    }

    private async Task<ApiResponse> SendAsync(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? json = null;
        if (text.Length > 0 && response.Content.Headers.ContentType?.MediaType == Json)
        {
            json = JsonNode.Parse(text);
        }

        return new ApiResponse((int)response.StatusCode, json, response.Headers, response.Content.Headers.ContentType?.MediaType ?? "", text);
    }

    /// <summary>Opens a watch (the path must carry watch=true); events are read line by line.</summary>
    public async Task<WatchStream> WatchAsync(string path, CancellationToken cancellationToken)
    {
        var request = Request(HttpMethod.Get, path, null, null, null, true);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            request.Dispose();
            throw new InvalidOperationException($"watch {path} answered {(int)response.StatusCode}: {text}");
        }

        return new WatchStream(request, response, await response.Content.ReadAsStreamAsync(cancellationToken));
    }

    public void Dispose()
    {
        _http.Dispose();
        _ca.Dispose();
    }

    private HttpRequestMessage Request(HttpMethod method, string path, string? body, string? contentType, string? accept, bool authenticate)
    {
        var request = new HttpRequestMessage(method, path);
        if (authenticate && _token.Length > 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        return request;
    }

    private bool TrustClusterCaOnly(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(_ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(leaf);
    }
}

/// <summary>The events of one watch response, one JSON object per line.</summary>
internal sealed class WatchStream(HttpRequestMessage request, HttpResponseMessage response, Stream body) : IAsyncDisposable
{
    private readonly StreamReader _reader = new(body);

    /// <summary>The next event, or null when the server ended the stream. Fails the test after <paramref name="timeout"/>.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null) =>
        await NextLineAsync(timeout) is { } line ? (JsonObject)JsonNode.Parse(line)! : null;

    /// <summary>The next event's text as sent (without its newline), or null when the stream ended.</summary>
    public async Task<string?> NextLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        string? line;
        try
        {
            line = await _reader.ReadLineAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no watch event arrived in time");
        }

        return line;
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await body.DisposeAsync();
        response.Dispose();
        request.Dispose();
    }
}
