using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Timonel.Api.Images;

namespace Timonel.ApiServer.Tests.Images;

/// <summary>
/// A distribution API server on a free loopback port (plain HTTP) serving manifests and blobs
/// from memory: image manifests under tags, and sigstore signature manifests as cosign and
/// skopeo store them (tag sha256-HEX.sig, one simple-signing layer with its signature annotation).
/// With a login it answers 401 with a Basic challenge unless the request carries it. It counts the
/// manifest requests it serves.
/// </summary>
internal sealed class FakeRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (byte[] Body, string MediaType)> _manifests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly string? _authorization;
    private int _manifestRequests;

    private FakeRegistry(WebApplication app, string? authorization)
    {
        _app = app;
        _authorization = authorization;
    }

    public int Port { get; private set; }

    /// <summary>host:port as image references name this registry.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public int ManifestRequests => Volatile.Read(ref _manifestRequests);

    public static async Task<FakeRegistry> StartAsync((string User, string Password)? login = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var registry = new FakeRegistry(app, login is { } l ? "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{l.User}:{l.Password}")) : null);
        app.Run(registry.ServeAsync);
        await app.StartAsync();
        registry.Port = new Uri(app.Urls.First()).Port;
        return registry;
    }

    /// <summary>Stores a (fake) image manifest under <paramref name="tag"/>; returns its digest. <paramref name="content"/> makes it unique.</summary>
    public string PushImage(string repository, string tag, string content)
    {
        var config = AddBlob(Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","content":"{{content}}"}"""));
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = config, ["size"] = 10 },
            ["layers"] = new JsonArray(),
        };
        var body = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        var digest = Digest(body);
        _manifests[$"{repository}:{tag}"] = (body, "application/vnd.oci.image.manifest.v1+json");
        _manifests[$"{repository}:{digest}"] = (body, "application/vnd.oci.image.manifest.v1+json");
        return digest;
    }

    /// <summary>Stores a signature of <paramref name="signedDigest"/> (by <paramref name="key"/>, naming <paramref name="reference"/>) at the signature tag of <paramref name="storedUnder"/>.</summary>
    public void PushSignature(string repository, string storedUnder, string signedDigest, string reference, ECDsa key)
    {
        var payload = Encoding.UTF8.GetBytes($$"""{"critical":{"identity":{"docker-reference":"{{reference}}"},"image":{"docker-manifest-digest":"{{signedDigest}}"},"type":"cosign container image signature"},"optional":null}""");
        var signature = Convert.ToBase64String(key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var layer = AddBlob(payload);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = AddBlob("{}"u8.ToArray()), ["size"] = 2 },
            ["layers"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = SigstoreSignature.LayerMediaType,
                ["digest"] = layer,
                ["size"] = payload.Length,
                ["annotations"] = new JsonObject { [SigstoreSignature.SignatureAnnotation] = signature },
            }),
        };
        _manifests[$"{repository}:{SigstoreSignature.SignatureTag(storedUnder)}"] = (Encoding.UTF8.GetBytes(manifest.ToJsonString()), "application/vnd.oci.image.manifest.v1+json");
    }

    private string AddBlob(byte[] content)
    {
        var digest = Digest(content);
        _blobs[digest] = content;
        return digest;
    }

    private static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    private async Task ServeAsync(HttpContext context)
    {
        if (_authorization is not null && context.Request.Headers.Authorization != _authorization)
        {
            context.Response.StatusCode = 401;
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"fake\"";
            return;
        }

        var path = context.Request.Path.Value ?? string.Empty;
        var manifests = path.IndexOf("/manifests/", StringComparison.Ordinal);
        var blobs = path.IndexOf("/blobs/", StringComparison.Ordinal);
        if (path.StartsWith("/v2/", StringComparison.Ordinal) && manifests > 0)
        {
            Interlocked.Increment(ref _manifestRequests);
            var key = $"{path[4..manifests]}:{path[(manifests + "/manifests/".Length)..]}";
            if (_manifests.TryGetValue(key, out var found))
            {
                context.Response.ContentType = found.MediaType;
                context.Response.Headers["Docker-Content-Digest"] = Digest(found.Body);
                await context.Response.Body.WriteAsync(found.Body);
                return;
            }
        }
        else if (path.StartsWith("/v2/", StringComparison.Ordinal) && blobs > 0 && _blobs.TryGetValue(path[(blobs + "/blobs/".Length)..], out var blob))
        {
            await context.Response.Body.WriteAsync(blob);
            return;
        }

        context.Response.StatusCode = 404;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
