using System.Text.Json;
using System.Text.Json.Serialization;

namespace Timonel.ApiServer.Security;

/// <summary>
/// What every server of one cluster must hold alike (the bootstrap data k3s keeps in its
/// datastore): both CAs with their keys, the service-account signing key and the admin token.
/// Leaves (serving, admin client) are not shared: each server issues its own from the CAs.
/// <see cref="EncryptionConfig"/> is the generated EncryptionConfiguration of servers started
/// without --encryption-provider-config; absent in records written before it was shared.
/// </summary>
internal sealed record SharedSecrets(
    [property: JsonPropertyName("serverCaCert")] string ServerCaCert,
    [property: JsonPropertyName("serverCaKey")] string ServerCaKey,
    [property: JsonPropertyName("clientCaCert")] string ClientCaCert,
    [property: JsonPropertyName("clientCaKey")] string ClientCaKey,
    [property: JsonPropertyName("serviceAccountKey")] string ServiceAccountKey,
    [property: JsonPropertyName("adminToken")] string AdminToken,
    [property: JsonPropertyName("encryptionConfig"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EncryptionConfig = null)
{
    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this);

    /// <exception cref="FormatException">The bytes are not a complete record.</exception>
    public static SharedSecrets Parse(byte[] bytes)
    {
        SharedSecrets? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<SharedSecrets>(bytes);
        }
        catch (JsonException e)
        {
            throw new FormatException(e.Message, e);
        }

        return parsed is not null && new[] { parsed.ServerCaCert, parsed.ServerCaKey, parsed.ClientCaCert, parsed.ClientCaKey, parsed.ServiceAccountKey, parsed.AdminToken }.All(s => !string.IsNullOrEmpty(s))
            ? parsed
            : throw new FormatException("a field is missing");
    }

    /// <summary>Reads the files of a PKI that <see cref="ClusterPki.LoadOrCreateAsync(string, IEnumerable{string}, Microsoft.Extensions.Logging.ILogger, CancellationToken)"/> has just loaded or created.</summary>
    public static async Task<SharedSecrets> ReadAsync(PkiPaths paths, CancellationToken ct)
    {
        async Task<string> Read(string path) => await PkiFiles.ReadIfExistsAsync(path, ct).ConfigureAwait(false)
            ?? throw new PkiFileException(path, $"{path} vanished while the server was starting");
        return new SharedSecrets(
            await Read(paths.ServerCaCert).ConfigureAwait(false),
            await Read(paths.ServerCaKey).ConfigureAwait(false),
            await Read(paths.ClientCaCert).ConfigureAwait(false),
            await Read(paths.ClientCaKey).ConfigureAwait(false),
            await Read(paths.ServiceAccountKey).ConfigureAwait(false),
            await Read(paths.AdminToken).ConfigureAwait(false));
    }

    /// <summary>Writes the files that differ; returns true when a CA this data dir had before was replaced.</summary>
    public async Task<bool> WriteAsync(PkiPaths paths, CancellationToken ct)
    {
        PkiFiles.EnsurePrivateDirectory(paths.DataDir, tighten: false);
        PkiFiles.EnsurePrivateDirectory(paths.TlsDir, tighten: true);
        var replaced = false;
        // Keys before certificates, as ClusterPki writes them: a crash leaves a key without its
        // certificate, which the next start handles.
        foreach (var (path, content, mode) in new[]
        {
            (paths.ServerCaKey, ServerCaKey, PkiFiles.PrivateFile),
            (paths.ServerCaCert, ServerCaCert, PkiFiles.PublicFile),
            (paths.ClientCaKey, ClientCaKey, PkiFiles.PrivateFile),
            (paths.ClientCaCert, ClientCaCert, PkiFiles.PublicFile),
            (paths.ServiceAccountKey, ServiceAccountKey, PkiFiles.PrivateFile),
            (paths.AdminToken, AdminToken, PkiFiles.PrivateFile),
        })
        {
            var existing = await PkiFiles.ReadIfExistsAsync(path, ct).ConfigureAwait(false);
            if (existing == content)
            {
                continue;
            }

            replaced |= existing is not null && (path == paths.ServerCaCert || path == paths.ClientCaCert);
            await PkiFiles.WriteAsync(path, content, mode, ct).ConfigureAwait(false);
        }

        return replaced;
    }
}
