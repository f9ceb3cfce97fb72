using System.Text;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer.Encryption;
using Timonel.Storage;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Shares one PKI among the servers of a datastore, as k3s does with an external datastore:
/// the first server stores its CAs, service-account key, admin token and (when the servers
/// run without --encryption-provider-config) its generated encryption config under
/// <see cref="Key"/>, sealed with its join token (<see cref="BootstrapCipher"/>); a server
/// started with that token (<c>--token</c>) on the same datastore unseals them into its own
/// DIR/tls and then issues its own serving certificate from the shared CA. So one kubeconfig
/// trusts every server, and service-account tokens signed by one verify on the others.
/// </summary>
/// <remarks>
/// One fixed key, created conditionally, makes the first start race-free: of two servers
/// starting on an empty datastore one record wins and the other adopts it (which succeeds
/// only if both were given the same token). Nothing is written locally before the token has
/// been checked against the record.
/// </remarks>
internal static partial class ClusterBootstrap
{
    public const string Key = "/timonel/bootstrap/data";

    /// <summary>Adopts the cluster's PKI from <paramref name="store"/>, or creates it and stores it there first.</summary>
    /// <param name="token">--token; null to use DIR/token (a restart) or, on an empty datastore, a new token.</param>
    /// <param name="encryption">
    /// The generated encryption config to share, or null (a --encryption-provider-config the
    /// operator copies to every server). The first server stores its file (made now if absent);
    /// the others write the stored one where they have none. A record from before sharing
    /// carries none: then the file stays absent.
    /// </param>
    /// <exception cref="ClusterJoinException">The token is missing or wrong for the cluster in the datastore.</exception>
    public static async Task<ClusterPki> LoadOrJoinAsync(string dataDir, IEnumerable<string> extraSans, IStore store, JoinToken? token, EncryptionKeyFile? encryption, ILogger logger, CancellationToken ct)
    {
        var paths = new PkiPaths(Path.GetFullPath(dataDir));
        var secret = token?.Secret ?? await LocalSecretAsync(paths, ct).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var existing = await store.GetAsync(Key, ct).ConfigureAwait(false);
            if (existing is not null)
            {
                return await AdoptAsync(paths, extraSans, existing, secret, token, encryption, logger, ct).ConfigureAwait(false);
            }

            if (attempt > 0)
            {
                throw new ClusterJoinException($"the bootstrap record {Key} vanished from the datastore while this server was joining; start it again");
            }

            if (token is not null)
            {
                await EnsureTokenFileAsync(paths, token, ct).ConfigureAwait(false);
            }

            var pki = await ClusterPki.LoadOrCreateAsync(dataDir, extraSans, logger, ct).ConfigureAwait(false);
            var shared = await SharedSecrets.ReadAsync(paths, ct).ConfigureAwait(false);
            // Written locally only once the record is ours: a server that loses the race adopts
            // the winner's key instead of keeping one of its own.
            var encryptionConfig = encryption is null ? null
                : File.Exists(encryption.Path) ? await File.ReadAllBytesAsync(encryption.Path, ct).ConfigureAwait(false)
                : EncryptionKeyFile.Generate();
            shared = shared with { EncryptionConfig = encryptionConfig is null ? null : Encoding.UTF8.GetString(encryptionConfig) };
            var created = await store.CreateAsync(Key, BootstrapCipher.Seal(pki.JoinToken.Secret, Key, shared.ToBytes()), ct).ConfigureAwait(false);
            if (created.Succeeded)
            {
                if (encryption is not null && await encryption.EnsureAsync(encryptionConfig!, ct).ConfigureAwait(false))
                {
                    Log.EncryptionKeyGenerated(logger, encryption.Path);
                }

                Log.Stored(logger, Key);
                return pki;
            }

            // Another server stored its record first: adopt it (same token) or fail clearly.
            secret = pki.JoinToken.Secret;
            pki.Dispose();
        }
    }

    /// <summary>Before the PKI loads, makes DIR/token carry the --token's secret (the embedded store's way to choose the token).</summary>
    public static async Task EnsureTokenFileAsync(PkiPaths paths, JoinToken token, CancellationToken ct)
    {
        PkiFiles.EnsurePrivateDirectory(paths.DataDir, tighten: false);
        if (await LocalSecretAsync(paths, ct).ConfigureAwait(false) != token.Secret)
        {
            // A bare secret: ClusterPki pins the current server CA's hash when it loads.
            await PkiFiles.WriteAsync(paths.JoinToken, token.Secret + "\n", PkiFiles.PrivateFile, ct).ConfigureAwait(false);
        }
    }

    private static async Task<ClusterPki> AdoptAsync(PkiPaths paths, IEnumerable<string> extraSans, KeyValue record, string? secret, JoinToken? token, EncryptionKeyFile? encryption, ILogger logger, CancellationToken ct)
    {
        if (secret is null)
        {
            throw new ClusterJoinException("the datastore already holds a cluster (its CAs and signing keys were stored by another server): pass that server's token with --token or --token-file (it is in the first server's data dir, file \"token\")");
        }

        byte[]? plaintext;
        SharedSecrets shared;
        try
        {
            plaintext = BootstrapCipher.Open(secret, Key, record.Value.Span);
            shared = plaintext is null ? null! : SharedSecrets.Parse(plaintext);
        }
        catch (FormatException e)
        {
            throw new ClusterJoinException($"the bootstrap record {Key} in the datastore is corrupt ({e.Message}); restore the datastore from a backup", e);
        }

        if (plaintext is null)
        {
            throw new ClusterJoinException(token is null
                ? $"the token in {paths.JoinToken} does not match the cluster in the datastore: pass the first server's token with --token or --token-file"
                : "the --token does not match the token of the cluster in the datastore: copy the first server's token (its data dir's \"token\" file)");
        }

        var caHash = JoinToken.HashCa(shared.ServerCaCert);
        if (token?.CaHash is { } pinned && pinned != caHash)
        {
            throw new ClusterJoinException($"the --token pins a server CA (K10{pinned[..12]}...) that is not the cluster's (K10{caHash[..12]}...): the token belongs to another cluster");
        }

        if (await shared.WriteAsync(paths, ct).ConfigureAwait(false))
        {
            Log.ReplacedLocalCa(logger, paths.TlsDir);
        }

        if (encryption is not null && shared.EncryptionConfig is { } config)
        {
            try
            {
                if (await encryption.EnsureAsync(Encoding.UTF8.GetBytes(config), ct).ConfigureAwait(false))
                {
                    Log.EncryptionConfigAdopted(logger, encryption.Path);
                }
            }
            catch (EncryptionConfigException e)
            {
                throw new ClusterJoinException($"the encryption config in the bootstrap record {Key} is invalid ({e.Message}); restore the datastore from a backup", e);
            }
        }

        var joined = new JoinToken(caHash, JoinToken.ServerUsername, secret);
        if (await PkiFiles.ReadIfExistsAsync(paths.JoinToken, ct).ConfigureAwait(false) is not { } text || text.Trim() != joined.Format())
        {
            await PkiFiles.WriteAsync(paths.JoinToken, joined.Format() + "\n", PkiFiles.PrivateFile, ct).ConfigureAwait(false);
        }

        Log.Adopted(logger, Key);
        return await ClusterPki.LoadOrCreateAsync(paths.DataDir, extraSans, logger, ct).ConfigureAwait(false);
    }

    private static async Task<string?> LocalSecretAsync(PkiPaths paths, CancellationToken ct) =>
        await PkiFiles.ReadIfExistsAsync(paths.JoinToken, ct).ConfigureAwait(false) is { } text && JoinToken.TryParse(text, out var local) ? local.Secret : null;

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "stored this cluster's CAs and signing keys, sealed with the join token, in the datastore at {Key}")]
        public static partial void Stored(ILogger logger, string key);

        [LoggerMessage(Level = LogLevel.Information, Message = "joined the cluster in the datastore: adopted its CAs and signing keys from {Key}")]
        public static partial void Adopted(ILogger logger, string key);

        [LoggerMessage(Level = LogLevel.Information, Message = "generated the cluster's key for Secrets at rest in {Path}, shared with the other servers through the datastore")]
        public static partial void EncryptionKeyGenerated(ILogger logger, string path);

        [LoggerMessage(Level = LogLevel.Information, Message = "wrote the cluster's encryption config from the datastore to {Path}")]
        public static partial void EncryptionConfigAdopted(ILogger logger, string path);

        [LoggerMessage(Level = LogLevel.Warning, Message = "replaced the CA files in {TlsDir} with the cluster's; certificates of the old CA are issued again")]
        public static partial void ReplacedLocalCa(ILogger logger, string tlsDir);
    }
}
