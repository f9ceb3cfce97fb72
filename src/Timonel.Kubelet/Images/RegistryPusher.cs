using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Kubelet.Images;

/// <summary>
/// Pushes a one-layer image (an <see cref="ImageBuilder"/>'s config and layer) to a registry over
/// the distribution API: each blob by a monolithic upload (POST, then PUT ?digest=), the layer
/// gzip-compressed, then a docker schema 2 manifest under the tag. Basic auth when a login is
/// given (docker-registry's htpasswd). For machines without docker or skopeo: `timonel images
/// push-busybox` and the registry tests use it.
/// </summary>
public sealed class RegistryPusher
{
    public const string ManifestType = "application/vnd.docker.distribution.manifest.v2+json";
    public const string ManifestListType = "application/vnd.docker.distribution.manifest.list.v2+json";

    private readonly HttpClient _http;
    private readonly Uri _registry;
    private readonly AuthenticationHeaderValue? _authorization;

    /// <param name="registry">The registry's base URL, e.g. https://127.0.0.1:5443.</param>
    public RegistryPusher(HttpClient http, Uri registry, string? username = null, string? password = null)
    {
        _http = http;
        _registry = registry;
        _authorization = username is null ? null : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
    }

    /// <summary>
    /// Pushes REPOSITORY:TAG; returns the digest of what the tag names ("sha256:..."). An
    /// <paramref name="architecture"/> other than amd64 tags a manifest list that offers the image
    /// for that architecture only (what a node of another architecture finds no match in).
    /// </summary>
    public async Task<string> PushAsync(string repository, string tag, byte[] configJson, byte[] layerTar, CancellationToken cancellationToken, string architecture = "amd64")
    {
        var gzipped = Gzip(layerTar);
        var configDigest = await PushBlobAsync(repository, configJson, cancellationToken).ConfigureAwait(false);
        var layerDigest = await PushBlobAsync(repository, gzipped, cancellationToken).ConfigureAwait(false);
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestType,
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.docker.container.image.v1+json", ["size"] = configJson.Length, ["digest"] = configDigest },
            ["layers"] = new JsonArray(new JsonObject { ["mediaType"] = "application/vnd.docker.image.rootfs.diff.tar.gzip", ["size"] = gzipped.Length, ["digest"] = layerDigest }),
        }.ToJsonString());
        var manifestDigest = Digest(manifest);
        if (architecture == "amd64")
        {
            await PutManifestAsync(repository, tag, manifest, ManifestType, cancellationToken).ConfigureAwait(false);
            return manifestDigest;
        }

        await PutManifestAsync(repository, manifestDigest, manifest, ManifestType, cancellationToken).ConfigureAwait(false);
        var list = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestListType,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = ManifestType,
                ["size"] = manifest.Length,
                ["digest"] = manifestDigest,
                ["platform"] = new JsonObject { ["architecture"] = architecture, ["os"] = "linux" },
            }),
        }.ToJsonString());
        await PutManifestAsync(repository, tag, list, ManifestListType, cancellationToken).ConfigureAwait(false);
        return Digest(list);
    }

    /// <summary>Uploads one blob; returns its digest.</summary>
    public async Task<string> PushBlobAsync(string repository, byte[] blob, CancellationToken cancellationToken)
    {
        var digest = Digest(blob);
        using var start = await _http.SendAsync(Authorized(new HttpRequestMessage(HttpMethod.Post, new Uri(_registry, $"/v2/{repository}/blobs/uploads/"))), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(start, $"start of the upload to {repository}", cancellationToken).ConfigureAwait(false);
        var location = start.Headers.Location ?? throw new InvalidOperationException($"the registry {_registry} answered an upload without a Location");
        var put = new UriBuilder(location.IsAbsoluteUri ? location : new Uri(_registry, location));
        put.Query = (put.Query.TrimStart('?') is { Length: > 0 } query ? query + "&" : "") + "digest=" + Uri.EscapeDataString(digest);
        using var request = new HttpRequestMessage(HttpMethod.Put, put.Uri) { Content = new ByteArrayContent(blob) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var done = await _http.SendAsync(Authorized(request), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(done, $"upload of blob {digest}", cancellationToken).ConfigureAwait(false);
        return digest;
    }

    /// <summary>Stores a manifest under a tag or digest.</summary>
    public async Task PutManifestAsync(string repository, string reference, byte[] manifest, string mediaType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(_registry, $"/v2/{repository}/manifests/{reference}")) { Content = new ByteArrayContent(manifest) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await _http.SendAsync(Authorized(request), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, $"put of manifest {repository}:{reference}", cancellationToken).ConfigureAwait(false);
    }

    private HttpRequestMessage Authorized(HttpRequestMessage request)
    {
        request.Headers.Authorization = _authorization;
        return request;
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException($"{what}: the registry answered {(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}");
        }
    }

    public static byte[] Gzip(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }

    public static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}
