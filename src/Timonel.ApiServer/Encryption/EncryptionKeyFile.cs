using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Encryption;

/// <summary>
/// The server's own EncryptionConfiguration (DATA_DIR/cred/encryption-config.json, as k3s's
/// secrets-encrypt keeps it): generated on first start with one random AES-CBC key for
/// Secrets, then edited by <c>timonel secrets-encrypt</c> stage by stage. Every write replaces
/// the file whole (mode 0600), so the server's reload never sees half a file.
/// </summary>
public sealed class EncryptionKeyFile(string path)
{
    /// <summary>The first key's name (k3s's).</summary>
    public const string FirstKeyName = "aescbckey";

    public string Path => path;

    /// <summary>Where the rotation stage is kept (k3s keeps it in the datastore; one server here).</summary>
    public string StagePath => System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, "encryption-state.json");

    public static string DefaultPath(string dataDir) => System.IO.Path.Combine(dataDir, "cred", "encryption-config.json");

    /// <summary>Creates the file with a fresh key unless it exists; true when it was created.</summary>
    public Task<bool> EnsureAsync(CancellationToken cancellationToken) => EnsureAsync(Generate(), cancellationToken);

    /// <summary>Creates the file with <paramref name="content"/> (a cluster's shared config) unless it exists; true when it was created.</summary>
    public async Task<bool> EnsureAsync(byte[] content, CancellationToken cancellationToken)
    {
        if (File.Exists(path))
        {
            return false;
        }

        EncryptionConfigParser.Parse(content, path);
        await WriteFileAsync(path, content, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A new config: one random AES-CBC key for Secrets, identity to read what was stored before.</summary>
    public static byte[] Generate()
    {
        var doc = new JsonObject
        {
            ["kind"] = EncryptionConfigParser.Kind,
            ["apiVersion"] = EncryptionConfigParser.ApiVersion,
            ["resources"] = new JsonArray(new JsonObject
            {
                ["resources"] = new JsonArray("secrets"),
                ["providers"] = new JsonArray(
                    new JsonObject { ["aescbc"] = new JsonObject { ["keys"] = new JsonArray(NewKey(FirstKeyName)) } },
                    new JsonObject { ["identity"] = new JsonObject() }),
            }),
        };
        return EncryptionConfigParser.Serialize(doc);
    }

    /// <summary>The stage of the current rotation: start, prepare, rotate or reencrypt_finished (k3s's names).</summary>
    public async Task<string> ReadStageAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(StagePath))
        {
            return "start";
        }

        var node = JsonNode.Parse(await File.ReadAllTextAsync(StagePath, cancellationToken).ConfigureAwait(false));
        return node?["stage"]?.GetValue<string>() ?? "start";
    }

    /// <summary>The write provider's type (aescbc, aesgcm, identity...) and its keys' names, the write key first.</summary>
    public async Task<(string Type, IReadOnlyList<string> Keys)> ReadKeysAsync(CancellationToken cancellationToken)
    {
        var (_, provider, type) = await SecretsWriteProviderAsync(cancellationToken).ConfigureAwait(false);
        var keys = provider[type]?["keys"] as JsonArray;
        return (type, keys is null ? [] : [.. keys.Select(k => k?["name"]?.GetValue<string>() ?? "")]);
    }

    /// <summary>Adds a new key after the write key, so every server can read it before any writes with it.</summary>
    public async Task<string> PrepareAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var stage = await ReadStageAsync(cancellationToken).ConfigureAwait(false);
        if (stage is not ("start" or "reencrypt_finished"))
        {
            throw new InvalidOperationException($"a rotation is at stage {stage}: finish it (rotate, then reencrypt) before preparing another");
        }

        var (doc, keys) = await KeysAsync(cancellationToken).ConfigureAwait(false);
        var name = $"{FirstKeyName}-{time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}";
        if (keys.Any(k => k?["name"]?.GetValue<string>() == name))
        {
            throw new InvalidOperationException($"a key named {name} exists already: wait a second and prepare again");
        }

        keys.Insert(1, NewKey(name));
        await WriteAsync(doc, cancellationToken).ConfigureAwait(false);
        await WriteStageAsync("prepare", cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>Makes the prepared key the write key; the old one stays second, for reading.</summary>
    public async Task<string> RotateAsync(CancellationToken cancellationToken)
    {
        var stage = await ReadStageAsync(cancellationToken).ConfigureAwait(false);
        if (stage != "prepare")
        {
            throw new InvalidOperationException($"rotate follows prepare, but the stage is {stage}: run prepare first");
        }

        var (doc, keys) = await KeysAsync(cancellationToken).ConfigureAwait(false);
        var prepared = keys[1]!;
        keys.RemoveAt(1);
        keys.Insert(0, prepared);
        await WriteAsync(doc, cancellationToken).ConfigureAwait(false);
        await WriteStageAsync("rotate", cancellationToken).ConfigureAwait(false);
        return prepared["name"]!.GetValue<string>();
    }

    /// <summary>After every Secret was rewritten with the write key: drops the other keys.</summary>
    public async Task<IReadOnlyList<string>> FinishReencryptAsync(CancellationToken cancellationToken)
    {
        var (doc, keys) = await KeysAsync(cancellationToken).ConfigureAwait(false);
        var dropped = keys.Skip(1).Select(k => k?["name"]?.GetValue<string>() ?? "").ToList();
        while (keys.Count > 1)
        {
            keys.RemoveAt(1);
        }

        await WriteAsync(doc, cancellationToken).ConfigureAwait(false);
        await WriteStageAsync("reencrypt_finished", cancellationToken).ConfigureAwait(false);
        return dropped;
    }

    /// <summary>The SHA-256 label of the file as it is now (what the server reports once it has loaded it).</summary>
    public async Task<string> HashAsync(CancellationToken cancellationToken) =>
        EncryptionConfig.HashOf(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));

    private async Task<(JsonObject Doc, JsonArray Keys)> KeysAsync(CancellationToken cancellationToken)
    {
        var (doc, provider, type) = await SecretsWriteProviderAsync(cancellationToken).ConfigureAwait(false);
        if (type is not ("aescbc" or "aesgcm") || provider[type]?["keys"] is not JsonArray keys || keys.Count == 0)
        {
            throw new InvalidOperationException($"{path}: the first provider for secrets is {type}: secrets-encrypt rotates aescbc or aesgcm keys only");
        }

        return (doc, keys);
    }

    private async Task<(JsonObject Doc, JsonObject Provider, string Type)> SecretsWriteProviderAsync(CancellationToken cancellationToken)
    {
        var content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        EncryptionConfigParser.Parse(content, path);
        var doc = EncryptionConfigParser.ToJson(content);
        var entry = (doc["resources"] as JsonArray)!.OfType<JsonObject>()
            .FirstOrDefault(e => e["resources"] is JsonArray r && r.Any(n => n?.GetValue<string>() is "secrets" or "*." or "*.*"))
            ?? throw new InvalidOperationException($"{path}: no entry covers secrets: they are stored unencrypted");
        var provider = (JsonObject)(entry["providers"] as JsonArray)![0]!;
        return (doc, provider, provider.First().Key);
    }

    private static JsonObject NewKey(string name) => new()
    {
        ["name"] = name,
        ["secret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    private Task WriteStageAsync(string stage, CancellationToken cancellationToken) =>
        WriteFileAsync(StagePath, EncryptionConfigParser.Serialize(new JsonObject { ["stage"] = stage }), cancellationToken);

    private Task WriteAsync(JsonObject doc, CancellationToken cancellationToken) =>
        WriteFileAsync(path, EncryptionConfigParser.Serialize(doc), cancellationToken);

    // Write beside, then rename over: readers see the old file or the new one, never a part.
    private static async Task WriteFileAsync(string target, byte[] content, CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(target)!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var temp = target + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(temp, options))
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!OperatingSystem.IsWindows())
        {
            // UnixCreateMode applies only to a new file: a leftover temp keeps its old mode.
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, target, overwrite: true);
    }
}
