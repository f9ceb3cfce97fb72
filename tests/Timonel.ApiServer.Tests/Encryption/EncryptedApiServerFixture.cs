using Timonel.ApiServer.Encryption;
using Timonel.ApiServer.Tests.Api;

namespace Timonel.ApiServer.Tests.Encryption;

/// <summary>
/// An API server whose Secrets are encrypted at rest by the generated default config
/// (DATA_DIR/cred/encryption-config.json, one AES-CBC key), checked for changes every 50 ms.
/// <see cref="ApiServerFixture.Store"/> is the raw store underneath the encryption.
/// </summary>
public sealed class EncryptedApiServerFixture : ApiServerFixture
{
    public EncryptionKeyFile KeyFile { get; private set; } = null!;

    protected override ApiServerOptions Configure(ApiServerOptions options)
    {
        KeyFile = new EncryptionKeyFile(EncryptionKeyFile.DefaultPath(options.DataDir));
        // Configure runs before the server starts and cannot be async: the file must exist first.
        KeyFile.EnsureAsync(CancellationToken.None).GetAwaiter().GetResult();
        return options with { EncryptionProviderConfig = KeyFile.Path, EncryptionConfigReloadInterval = TimeSpan.FromMilliseconds(50) };
    }

    /// <summary>Waits until /metrics shows the key file's current hash: the server has put it in force.</summary>
    internal async Task WaitForReloadAsync()
    {
        var hash = await KeyFile.HashAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(await Client.GetAsync("/metrics")).Text.Contains($"hash=\"{hash}\"", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the server did not load {KeyFile.Path} ({hash})");
            }

            await Task.Delay(20);
        }
    }
}
