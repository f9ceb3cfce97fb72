using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Timonel.Api.Images;
using Timonel.ApiServer.Security;

namespace Timonel.ApiServer.Images;

/// <summary>The registry could not answer (unreachable, timed out, refused the credentials, 5xx): the policy's onRegistryError decides.</summary>
internal sealed class RegistryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The registry answered that the manifest does not exist: the image cannot be admitted.</summary>
internal sealed class ManifestUnknownException(string message) : Exception(message);

/// <summary>One signature layer of a signature manifest: the payload's bytes and its base64 signature annotation.</summary>
internal sealed record SignatureLayer(byte[] Payload, string? Signature);

/// <summary>
/// Reads what image admission needs from a registry over the distribution API: a tag's manifest
/// digest and the sigstore signature layers of a digest. The registry's endpoints are the
/// server's registries.yaml mirrors for it (in order) then the registry itself (https), with that
/// file's TLS settings (CA, client certificate, insecure_skip_verify) per endpoint host; it
/// answers 401 challenges with Basic or Bearer (token endpoint) auth, trying the pod's
/// credentials, then the file's. Every connection goes through <see cref="FilteredDialer"/>.
/// </summary>
internal sealed class RegistryReader(RegistriesConfig registries, Func<IPAddress, bool>? dialFilter)
{
    private static readonly string[] ManifestTypes =
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ];

    /// <summary>The digest of <paramref name="reference"/>'s manifest (a tag) in <paramref name="repository"/> of <paramref name="registry"/>.</summary>
    public async Task<string> ResolveAsync(string registry, string repository, string reference, IReadOnlyList<RegistryCredential> credentials, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(registry, HttpMethod.Get, $"/v2/{repository}/manifests/{reference}", credentials, cancellationToken).ConfigureAwait(false)
            ?? throw new ManifestUnknownException($"manifest unknown: {registry}/{repository}:{reference} does not exist");
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { Length: > 0 } digest)
        {
            return digest;
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
    }

    /// <summary>The sigstore signature layers stored for <paramref name="digest"/>; none when there is no signature manifest.</summary>
    public async Task<IReadOnlyList<SignatureLayer>> SignaturesAsync(string registry, string repository, string digest, IReadOnlyList<RegistryCredential> credentials, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(registry, HttpMethod.Get, $"/v2/{repository}/manifests/{SigstoreSignature.SignatureTag(digest)}", credentials, cancellationToken).ConfigureAwait(false);
        if (response is null)
        {
            return [];
        }

        var manifest = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var layers = new List<(string Digest, string? Signature)>();
        try
        {
            using var doc = JsonDocument.Parse(manifest);
            if (doc.RootElement.TryGetProperty("layers", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var layer in list.EnumerateArray())
                {
                    if (layer.TryGetProperty("mediaType", out var type) && type.GetString() == SigstoreSignature.LayerMediaType
                        && layer.TryGetProperty("digest", out var layerDigest) && layerDigest.GetString() is { } d)
                    {
                        var signature = layer.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Object
                            && annotations.TryGetProperty(SigstoreSignature.SignatureAnnotation, out var s) ? s.GetString() : null;
                        layers.Add((d, signature));
                    }
                }
            }
        }
        catch (JsonException)
        {
            return [];
        }

        var found = new List<SignatureLayer>();
        foreach (var (layerDigest, signature) in layers)
        {
            using var blob = await SendAsync(registry, HttpMethod.Get, $"/v2/{repository}/blobs/{layerDigest}", credentials, cancellationToken).ConfigureAwait(false);
            if (blob is null)
            {
                continue;
            }

            var payload = await blob.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            // The registry is not trusted for content: a blob that is not what the manifest names is skipped.
            if ("sha256:" + Convert.ToHexStringLower(SHA256.HashData(payload)) == layerDigest)
            {
                found.Add(new SignatureLayer(payload, signature));
            }
        }

        return found;
    }

    /// <summary>
    /// The 2xx response, null for 404; throws <see cref="RegistryUnavailableException"/> naming
    /// every endpoint's failure when none answers otherwise.
    /// </summary>
    private async Task<HttpResponseMessage?> SendAsync(string registry, HttpMethod method, string path, IReadOnlyList<RegistryCredential> credentials, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        Exception? last = null;
        foreach (var endpoint in Endpoints(registry))
        {
            using var http = Client(endpoint);
            try
            {
                var response = await SendWithAuthAsync(http, method, new Uri(endpoint, path), credentials, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return response;
                }

                var status = response.StatusCode;
                response.Dispose();
                if (status == HttpStatusCode.NotFound)
                {
                    return null;
                }

                failures.Add($"{endpoint.GetLeftPart(UriPartial.Authority)} answered {(int)status} {status}");
            }
            catch (HttpRequestException e)
            {
                last = e;
                failures.Add($"{endpoint.GetLeftPart(UriPartial.Authority)}: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}");
            }
        }

        throw new RegistryUnavailableException(string.Join("; ", failures), last);
    }

    private static async Task<HttpResponseMessage> SendWithAuthAsync(HttpClient http, HttpMethod method, Uri url, IReadOnlyList<RegistryCredential> credentials, CancellationToken cancellationToken)
    {
        var response = await http.SendAsync(Request(method, url, null), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.FirstOrDefault() is not { } challenge)
        {
            return response;
        }

        // Anonymous first (a Bearer challenge may give an anonymous token), then each credential in turn.
        var attempts = new List<RegistryCredential?>();
        if (challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            attempts.Add(null);
        }

        attempts.AddRange(credentials);
        foreach (var credential in attempts)
        {
            var authorization = challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)
                ? credential is null ? null : Basic(credential)
                : await BearerAsync(http, challenge, credential, cancellationToken).ConfigureAwait(false);
            if (authorization is null)
            {
                continue;
            }

            var retry = await http.SendAsync(Request(method, url, authorization), cancellationToken).ConfigureAwait(false);
            if (retry.StatusCode != HttpStatusCode.Unauthorized)
            {
                response.Dispose();
                return retry;
            }

            retry.Dispose();
        }

        return response;
    }

    private static async Task<AuthenticationHeaderValue?> BearerAsync(HttpClient http, AuthenticationHeaderValue challenge, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        var fields = ChallengeFields(challenge.Parameter ?? string.Empty);
        if (!fields.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUrl))
        {
            return null;
        }

        var query = string.Join('&', new[] { "service", "scope" }.Where(fields.ContainsKey).Select(k => $"{k}={Uri.EscapeDataString(fields[k])}"));
        using var request = new HttpRequestMessage(HttpMethod.Get, new UriBuilder(realmUrl) { Query = query }.Uri);
        if (credential is not null)
        {
            request.Headers.Authorization = Basic(credential);
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            var root = doc.RootElement;
            var token = root.ValueKind != JsonValueKind.Object ? null
                : root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : root.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            return token is { Length: > 0 } ? new AuthenticationHeaderValue("Bearer", token) : null;
        }
        catch (JsonException)
        {
            // A token endpoint that does not answer JSON gives no token: the 401 stands.
            return null;
        }
    }

    private static Dictionary<string, string> ChallengeFields(string parameter)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(parameter, "([A-Za-z]+)=\"([^\"]*)\""))
        {
            fields[m.Groups[1].Value] = m.Groups[2].Value;
        }

        return fields;
    }

    private static AuthenticationHeaderValue Basic(RegistryCredential credential) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}")));

    private static HttpRequestMessage Request(HttpMethod method, Uri url, AuthenticationHeaderValue? authorization)
    {
        var request = new HttpRequestMessage(method, url);
        foreach (var type in ManifestTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        request.Headers.Authorization = authorization;
        return request;
    }

    /// <summary>The mirrors of the registry (or of "*") in order, then the registry itself, as containerd tries them.</summary>
    private IEnumerable<Uri> Endpoints(string registry)
    {
        var mirror = registries.Mirrors.TryGetValue(registry, out var own) ? own : registries.Mirrors.GetValueOrDefault("*");
        foreach (var endpoint in mirror?.Endpoints ?? [])
        {
            yield return endpoint;
        }

        yield return new Uri(registry == "docker.io" ? "https://registry-1.docker.io" : $"https://{registry}");
    }

    /// <summary>The credentials registries.yaml gives <paramref name="registry"/>, added after the pod's.</summary>
    public IReadOnlyList<RegistryCredential> NodeCredentials(string registry)
    {
        if (registries.Configs.GetValueOrDefault(registry)?.Auth is not { } auth)
        {
            return [];
        }

        if (auth.Auth is { } encoded)
        {
            var (user, password) = DockerConfigKeyring.DecodeAuth(encoded, "registries file", registry);
            return [new RegistryCredential(user, password)];
        }

        return auth.Username is { } name ? [new RegistryCredential(name, auth.Password ?? string.Empty)] : [];
    }

    private HttpClient Client(Uri endpoint)
    {
        var tls = registries.Configs.GetValueOrDefault(endpoint.Authority)?.Tls ?? registries.Configs.GetValueOrDefault(endpoint.Host)?.Tls;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) => await FilteredDialer.ConnectAsync(context.DnsEndPoint.Host, null, context.DnsEndPoint.Port, dialFilter, ct).ConfigureAwait(false),
            AllowAutoRedirect = true,
            UseProxy = false,
        };
        if (tls is not null)
        {
            // As containerd (Go's TLS): a registry's CA is trusted as it is, without revocation lists it rarely publishes.
            var ssl = new SslClientAuthenticationOptions { CertificateRevocationCheckMode = X509RevocationMode.NoCheck };
            if (tls.InsecureSkipVerify)
            {
                ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            }
            else if (tls.CaFile is { } caFile)
            {
                var roots = new X509Certificate2Collection();
                roots.ImportFromPemFile(caFile);
                ssl.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
                ssl.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
            }

            if (tls.CertFile is { } certFile && tls.KeyFile is { } keyFile)
            {
                ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(certFile, keyFile)];
            }

            handler.SslOptions = ssl;
        }

        return new HttpClient(handler, disposeHandler: true);
    }
}
