using Microsoft.Extensions.Logging;

namespace Timonel.ApiServer.Encryption;

/// <summary>
/// Upstream's --encryption-provider-config-automatic-reload: polls the config file and, when
/// its content hash changes, loads it and puts it in force without a restart (key rotation
/// without downtime). A changed file that does not load leaves the config in force as it was
/// and is logged once per content.
/// </summary>
internal sealed partial class EncryptionConfigReloader(string path, CatalogTransformerSelector selector, TimeSpan interval, TimeProvider time, ILogger logger)
{
    private string _lastSeen = selector.Config.Hash;

    /// <summary>The hash of the config in force (the /metrics label).</summary>
    public string Hash => selector.Config.Hash;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
                await CheckAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Loads the file if its content changed since the last look; true when a new config was put in force.</summary>
    public async Task<bool> CheckAsync(CancellationToken cancellationToken)
    {
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (_lastSeen.Length != 0)
            {
                Log.Unreadable(logger, path, e.Message);
                _lastSeen = "";
            }

            return false;
        }

        var hash = EncryptionConfig.HashOf(content);
        if (hash == _lastSeen)
        {
            return false;
        }

        _lastSeen = hash;
        try
        {
            var config = EncryptionConfigParser.Parse(content, path);
            selector.Config = config;
            Log.Reloaded(logger, path, hash);
            return true;
        }
        catch (EncryptionConfigException e)
        {
            Log.Invalid(logger, e.Message);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "encryption provider config {Path} reloaded ({Hash})")]
        public static partial void Reloaded(ILogger logger, string path, string hash);

        [LoggerMessage(Level = LogLevel.Error, Message = "encryption provider config not reloaded, the one in force stays: {Reason}")]
        public static partial void Invalid(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Error, Message = "encryption provider config {Path} cannot be read, the one in force stays: {Reason}")]
        public static partial void Unreadable(ILogger logger, string path, string reason);
    }
}
