using System.CommandLine;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Timonel.ApiServer;
using Timonel.ApiServer.Encryption;

namespace Timonel.Cli;

/// <summary>
/// `timonel secrets-encrypt status|prepare|rotate|reencrypt`: k3s's key rotation for the
/// server's own encryption config (DATA_DIR/cred/encryption-config.json). Each step edits the
/// file; the running server reloads it within seconds, so Secrets stay readable throughout.
/// </summary>
internal static partial class SecretsEncryptCommand
{
    /// <summary>How long reencrypt waits for the server to load the current file.</summary>
    private static readonly TimeSpan ReloadWait = TimeSpan.FromMinutes(1);

    public static Command Create()
    {
        var command = new Command("secrets-encrypt", "Show or rotate the key that encrypts Secrets at rest (k3s's secrets-encrypt)");
        command.Subcommands.Add(Step("status", "Show whether Secrets are encrypted, the keys and the rotation stage", StatusAsync));
        command.Subcommands.Add(Step("prepare", "Add a new key after the current one, so the server can read it before writing with it", PrepareAsync));
        command.Subcommands.Add(Step("rotate", "Make the prepared key the one Secrets are written with (the old one still reads)", RotateAsync));
        command.Subcommands.Add(Step("reencrypt", "Rewrite every Secret through the API with the current key, then drop the old keys", ReencryptAsync));
        return command;
    }

    private static Command Step(string name, string description, Func<EncryptionKeyFile, string, CancellationToken, Task<int>> run)
    {
        var dataDir = new Option<string>("--data-dir") { Description = "The server's data directory (default /var/lib/timonel as root, else ~/.timonel)" };
        var step = new Command(name, description) { dataDir };
        step.SetAction(async (parse, ct) =>
        {
            var dir = Path.GetFullPath(parse.GetValue(dataDir) ?? ApiServerOptions.DefaultDataDir());
            var file = new EncryptionKeyFile(EncryptionKeyFile.DefaultPath(dir));
            if (!File.Exists(file.Path))
            {
                Console.Error.WriteLine($"timonel secrets-encrypt: no encryption config at {file.Path}: start the server once with this data dir (it creates one), or pass --data-dir");
                return 2;
            }

            try
            {
                return await run(file, dir, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or EncryptionConfigException or IOException or UnauthorizedAccessException or HttpRequestException or HttpOperationException)
            {
                Console.Error.WriteLine($"timonel secrets-encrypt {name}: {e.Message}");
                return 1;
            }
        });
        return step;
    }

    private static async Task<int> StatusAsync(EncryptionKeyFile file, string dataDir, CancellationToken ct)
    {
        var (type, keys) = await file.ReadKeysAsync(ct).ConfigureAwait(false);
        Console.WriteLine($"Encryption Status: {(type == "identity" ? "Disabled" : "Enabled")}");
        Console.WriteLine($"Current Rotation Stage: {await file.ReadStageAsync(ct).ConfigureAwait(false)}");
        Console.WriteLine($"Server Encryption Hash: {await ServerHashStatusAsync(file, dataDir, ct).ConfigureAwait(false)}");
        Console.WriteLine();
        Console.WriteLine("Active  Key Type  Name");
        Console.WriteLine("------  --------  ----");
        var typeName = type switch { "aescbc" => "AES-CBC", "aesgcm" => "AES-GCM", _ => type };
        for (var i = 0; i < keys.Count; i++)
        {
            Console.WriteLine($" {(i == 0 ? "*" : " ")}      {typeName,-8}  {keys[i]}");
        }

        return 0;
    }

    private static async Task<int> PrepareAsync(EncryptionKeyFile file, string dataDir, CancellationToken ct)
    {
        var name = await file.PrepareAsync(TimeProvider.System, ct).ConfigureAwait(false);
        Console.WriteLine($"prepare completed: key {name} added; once the server has reloaded (seconds), run: timonel secrets-encrypt rotate");
        return 0;
    }

    private static async Task<int> RotateAsync(EncryptionKeyFile file, string dataDir, CancellationToken ct)
    {
        var name = await file.RotateAsync(ct).ConfigureAwait(false);
        Console.WriteLine($"rotate completed: Secrets are now written with {name}; run: timonel secrets-encrypt reencrypt");
        return 0;
    }

    private static async Task<int> ReencryptAsync(EncryptionKeyFile file, string dataDir, CancellationToken ct)
    {
        using var client = Client(dataDir);
        // Rewriting before the server writes with the current key would store the old key again.
        await WaitForServerHashAsync(client, await file.HashAsync(ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        var (rewritten, failed) = await SecretRewriter.RewriteAllAsync(client, ct).ConfigureAwait(false);
        Console.WriteLine($"reencrypt: {rewritten} Secrets rewritten with the current key, {failed} failed");
        if (failed > 0)
        {
            Console.Error.WriteLine("timonel secrets-encrypt reencrypt: old keys kept, since some Secrets may still need them: fix the errors above and run reencrypt again");
            return 1;
        }

        var dropped = await file.FinishReencryptAsync(ct).ConfigureAwait(false);
        Console.WriteLine($"reencrypt completed: old keys dropped ({(dropped.Count == 0 ? "none" : string.Join(", ", dropped))})");
        return 0;
    }

    private static Kubernetes Client(string dataDir) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(Path.Combine(dataDir, "kubeconfig.yaml")));

    private static async Task<string> ServerHashStatusAsync(EncryptionKeyFile file, string dataDir, CancellationToken ct)
    {
        try
        {
            using var client = Client(dataDir);
            var served = await ServedHashAsync(client, ct).ConfigureAwait(false);
            return served == await file.HashAsync(ct).ConfigureAwait(false) ? "matches the file" : "differs from the file (the server reloads it within seconds)";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or k8s.Exceptions.KubeConfigException or TaskCanceledException)
        {
            return $"server not reachable ({e.Message})";
        }
    }

    private static async Task WaitForServerHashAsync(Kubernetes client, string hash, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + ReloadWait;
        while (await ServedHashAsync(client, ct).ConfigureAwait(false) != hash)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the server has not loaded the current encryption config within {ReloadWait.TotalSeconds:F0} s: check its log for a config error");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
        }
    }

    /// <summary>The hash label of upstream's apiserver_encryption_config_controller_last_config_info gauge on /metrics.</summary>
    private static async Task<string?> ServedHashAsync(Kubernetes client, CancellationToken ct)
    {
        var text = await client.HttpClient.GetStringAsync(new Uri(client.BaseUri, "/metrics"), ct).ConfigureAwait(false);
        const string Marker = "apiserver_encryption_config_controller_last_config_info{hash=\"";
        var at = text.IndexOf(Marker, StringComparison.Ordinal);
        return at < 0 ? null : text[(at + Marker.Length)..text.IndexOf('"', at + Marker.Length)];
    }

    internal static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Secrets are encrypted at rest with a new AES-CBC key in {Path}")]
        public static partial void KeyGenerated(ILogger logger, string path);
    }
}
