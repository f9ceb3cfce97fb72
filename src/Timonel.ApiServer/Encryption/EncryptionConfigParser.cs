using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Timonel.Storage.Encryption;

namespace Timonel.ApiServer.Encryption;

/// <summary>
/// Reads an apiserver.config.k8s.io/v1 EncryptionConfiguration (YAML or JSON) and checks it as
/// upstream's validation does; every problem names the field path, never the secret itself.
/// </summary>
public static class EncryptionConfigParser
{
    public const string ApiVersion = "apiserver.config.k8s.io/v1";
    public const string Kind = "EncryptionConfiguration";

    private static readonly string[] ProviderNames = ["kms", "aesgcm", "aescbc", "secretbox", "identity"];

    /// <summary>Reads and parses a file; any failure is an <see cref="EncryptionConfigException"/> naming it.</summary>
    public static async Task<EncryptionConfig> LoadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EncryptionConfigException($"--encryption-provider-config {path}: cannot read the file: {e.Message}", e);
        }

        return Parse(content, path);
    }

    /// <summary>Parses a file's bytes; <paramref name="path"/> is only for messages.</summary>
    public static EncryptionConfig Parse(ReadOnlySpan<byte> content, string path)
    {
        try
        {
            return new EncryptionConfig(ParseRules(ToJson(content)), EncryptionConfig.HashOf(content));
        }
        catch (FormatException e)
        {
            throw new EncryptionConfigException($"--encryption-provider-config {path}: {e.Message}", e);
        }
    }

    /// <summary>The document as JSON (YAML is converted as kubectl's sigs.k8s.io/yaml does).</summary>
    internal static JsonObject ToJson(ReadOnlySpan<byte> content)
    {
        JsonNode? node;
        try
        {
            node = YamlToJson.Convert(content);
        }
        catch (ApiException e)
        {
            throw new FormatException(e.Message.Replace("the request body", "the file", StringComparison.Ordinal));
        }

        return node as JsonObject ?? throw new FormatException($"the file is not an {Kind} object");
    }

    private static List<EncryptionRule> ParseRules(JsonObject doc)
    {
        var apiVersion = doc["apiVersion"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : null;
        var kind = doc["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : null;
        if (apiVersion != ApiVersion || kind != Kind)
        {
            throw new FormatException($"no kind \"{kind}\" is registered for version \"{apiVersion}\": expected apiVersion {ApiVersion}, kind {Kind}");
        }

        var entries = doc["resources"] as JsonArray;
        if (entries is null || entries.Count == 0)
        {
            throw new FormatException("resources: Required value: EncryptionConfiguration.Resources must contain at least one resource");
        }

        var rules = new List<EncryptionRule>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var path = $"resources[{i}]";
            var entry = entries[i] as JsonObject ?? throw new FormatException($"{path}: Invalid value: expected an object");
            var resources = Strings(entry["resources"], $"{path}.resources");
            if (resources.Count == 0)
            {
                throw new FormatException($"{path}.resources: Required value: resource is required");
            }

            for (var r = 0; r < resources.Count; r++)
            {
                CheckResource(resources[r], $"{path}.resources[{r}]");
                if (!seen.Add(resources[r]))
                {
                    throw new FormatException($"{path}.resources[{r}]: Duplicate value: \"{resources[r]}\"");
                }
            }

            var providers = entry["providers"] as JsonArray;
            if (providers is null || providers.Count == 0)
            {
                throw new FormatException($"{path}.providers: Required value: at least one provider must be specified.");
            }

            var parsed = new List<PrefixedProvider>();
            for (var p = 0; p < providers.Count; p++)
            {
                parsed.AddRange(ParseProvider(providers[p] as JsonObject, $"{path}.providers[{p}]"));
            }

            rules.Add(new EncryptionRule(resources, new PrefixTransformer(parsed)));
        }

        return rules;
    }

    private static void CheckResource(string resource, string path)
    {
        if (resource == "*")
        {
            throw new FormatException($"{path}: Invalid value: \"*\": use '*.' to encrypt all the resources from core API group or *.* to encrypt all resources");
        }

        if (resource.EndsWith(".*", StringComparison.Ordinal) && resource != "*.*")
        {
            throw new FormatException($"{path}: Invalid value: \"{resource}\": use '*.*' to encrypt all resources");
        }

        if (resource.Length == 0 || resource.Any(char.IsWhiteSpace) || resource.Any(char.IsUpper))
        {
            throw new FormatException($"{path}: Invalid value: \"{resource}\": resource name should not contain any upper case characters or spaces");
        }
    }

    private static IEnumerable<PrefixedProvider> ParseProvider(JsonObject? provider, string path)
    {
        var present = provider is null ? [] : ProviderNames.Where(n => provider[n] is not null).ToList();
        if (present.Count == 0)
        {
            throw new FormatException($"{path}: Invalid value: provider does not contain any of the expected providers: KMS, AESGCM, AESCBC, Secretbox, Identity");
        }

        if (present.Count > 1)
        {
            throw new FormatException($"{path}: Invalid value: more than one provider specified in a single element, should split into different list elements");
        }

        var name = present[0];
        switch (name)
        {
            case "identity":
                return [new PrefixedProvider("", IdentityTransformer.Instance)];
            case "aescbc":
                return Keys(provider![name], $"{path}.aescbc", [32]).Select(key => new PrefixedProvider($"k8s:enc:aescbc:v1:{key.Name}:", new AesCbcTransformer(key.Secret)));
            case "aesgcm":
                return Keys(provider![name], $"{path}.aesgcm", [16, 24, 32]).Select(key => new PrefixedProvider($"k8s:enc:aesgcm:v1:{key.Name}:", new AesGcmTransformer(key.Secret)));
            case "secretbox":
                throw new FormatException($"{path}.secretbox: Unsupported value: Timonel does not implement the secretbox provider (XSalsa20-Poly1305 has no maintained .NET implementation it ships): use aescbc or aesgcm");
            default:
                throw new FormatException($"{path}.kms: Unsupported value: Timonel does not implement KMS providers (no KMS plugin socket): use aescbc or aesgcm");
        }
    }

    private static List<(string Name, byte[] Secret)> Keys(JsonNode? config, string path, int[] sizes)
    {
        var keys = (config as JsonObject)?["keys"] as JsonArray;
        if (keys is null || keys.Count == 0)
        {
            throw new FormatException($"{path}.keys: Required value: at least one key is required");
        }

        var result = new List<(string, byte[])>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            var keyPath = $"{path}.keys[{i}]";
            var key = keys[i] as JsonObject;
            var name = key?["name"] is JsonValue nv && nv.TryGetValue<string>(out var n) ? n : "";
            if (name.Length == 0)
            {
                throw new FormatException($"{keyPath}.name: Required value: key name is required");
            }

            if (!names.Add(name))
            {
                throw new FormatException($"{keyPath}.name: Duplicate value: \"{name}\"");
            }

            var secretText = key?["secret"] is JsonValue sv && sv.TryGetValue<string>(out var s) ? s : "";
            if (secretText.Length == 0)
            {
                throw new FormatException($"{keyPath}.secret: Required value: secret is required");
            }

            byte[] secret;
            try
            {
                secret = Convert.FromBase64String(secretText);
            }
            catch (FormatException)
            {
                throw new FormatException($"{keyPath}.secret: Invalid value: \"REDACTED\": secrets must be base64 encoded");
            }

            if (!sizes.Contains(secret.Length))
            {
                throw new FormatException($"{keyPath}.secret: Invalid value: \"REDACTED\": secret is not of the expected length, got {secret.Length}, expected one of [{string.Join(' ', sizes)}]");
            }

            result.Add((name, secret));
        }

        return result;
    }

    private static List<string> Strings(JsonNode? node, string path)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            throw new FormatException($"{path}: Invalid value: expected a list of resource names");
        }

        return [.. array.Select((n, i) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"{path}[{i}]: Invalid value: expected a string"))];
    }

    /// <summary>Serializes a config document the way this project writes it (indented JSON).</summary>
    internal static byte[] Serialize(JsonObject doc) =>
        Encoding.UTF8.GetBytes(doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
