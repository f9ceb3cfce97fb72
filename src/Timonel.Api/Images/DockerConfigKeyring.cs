using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Timonel.Api.Images;

/// <summary>One user name and password for a registry, from a docker config entry.</summary>
public sealed record RegistryCredential(string Username, string Password);

/// <summary>
/// The credentials of a pod's imagePullSecrets, keyed as docker config files key them (upstream's
/// credentialprovider keyring): a key is a registry host, optionally with a port and a path
/// prefix ("registry.example:5000/team"), optionally with a scheme and a /v1/ or /v2/ suffix, and
/// its host parts may be globs ("*.example.com"). A key matches an image when the host has as
/// many dot-separated parts as the key and each part matches its glob, the ports are equal and
/// the key's path is a prefix of the image's repository path. Lookups return the credentials of
/// every matching key, most specific (reverse-sorted) key first; images of docker.io also match
/// the legacy "https://index.docker.io/v1/" key.
/// </summary>
public sealed class DockerConfigKeyring
{
    public const string DockerConfigJsonType = "kubernetes.io/dockerconfigjson";
    public const string DockerConfigJsonKey = ".dockerconfigjson";
    public const string DockerCfgType = "kubernetes.io/dockercfg";
    public const string DockerCfgKey = ".dockercfg";

    private const string DefaultRegistryHost = "index.docker.io";

    private readonly SortedDictionary<string, List<RegistryCredential>> _byKey = new(Comparer<string>.Create((a, b) => string.CompareOrdinal(b, a)));

    public bool IsEmpty => _byKey.Count == 0;

    /// <summary>
    /// Adds the entries of one Secret's data (the secret type decides which key is read; other
    /// types add nothing). Throws <see cref="FormatException"/> when the content is not a docker config.
    /// </summary>
    public void AddSecret(string? type, IDictionary<string, byte[]>? data)
    {
        if (data is null)
        {
            return;
        }

        if (type == DockerConfigJsonType && data.TryGetValue(DockerConfigJsonKey, out var json))
        {
            using var doc = Parse(json, DockerConfigJsonKey);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("auths", out var auths))
            {
                AddEntries(auths, DockerConfigJsonKey);
            }
        }
        else if (type == DockerCfgType && data.TryGetValue(DockerCfgKey, out var cfg))
        {
            using var doc = Parse(cfg, DockerCfgKey);
            AddEntries(doc.RootElement, DockerCfgKey);
        }
    }

    /// <summary>Adds one credential for a docker config key (e.g. "https://index.docker.io/v1/", "registry.example:5000/team").</summary>
    public void Add(string configKey, RegistryCredential credential)
    {
        if (Key(configKey) is not { } key)
        {
            return;
        }

        if (!_byKey.TryGetValue(key, out var list))
        {
            _byKey[key] = list = [];
        }

        list.Add(credential);
    }

    /// <summary>The credentials to try for <paramref name="image"/> (a normalized reference such as "docker.io/library/busybox:1.36"), in order; empty when none match.</summary>
    public IReadOnlyList<RegistryCredential> Lookup(string image)
    {
        var repository = Repository(image);
        var found = new List<RegistryCredential>();
        foreach (var (key, credentials) in _byKey)
        {
            if (Matches(key, repository))
            {
                found.AddRange(credentials);
            }
        }

        if (found.Count == 0 && IsDefaultRegistry(repository) && _byKey.TryGetValue(DefaultRegistryHost, out var legacy))
        {
            found.AddRange(legacy);
        }

        return found;
    }

    /// <summary>The repository of a reference: without its tag or digest ("docker.io/library/busybox").</summary>
    public static string Repository(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? image : image[..at];
        var lastSlash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        return colon > lastSlash ? name[..colon] : name;
    }

    /// <summary>True when <paramref name="key"/> (a keyring key: host[:port][/path]) matches <paramref name="repository"/>.</summary>
    public static bool Matches(string key, string repository)
    {
        var (keyHost, keyPath) = SplitHostPath(key);
        var (host, path) = SplitHostPath(repository);
        var (keyName, keyPort) = SplitPort(keyHost);
        var (name, port) = SplitPort(host);
        if (keyPort != port)
        {
            return false;
        }

        var keyParts = keyName.Split('.');
        var parts = name.Split('.');
        if (keyParts.Length != parts.Length)
        {
            return false;
        }

        for (var i = 0; i < parts.Length; i++)
        {
            if (!GlobMatches(keyParts[i], parts[i]))
            {
                return false;
            }
        }

        // As upstream: a plain prefix of the path, so "team" also matches "teams/x".
        return path.StartsWith(keyPath, StringComparison.Ordinal);
    }

    /// <summary>The keyring key of a docker config key: scheme, a /v1/ or /v2/ prefix of the path and a lone "/" dropped; null when it names no host.</summary>
    public static string? Key(string configKey)
    {
        var text = configKey.Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        var (host, path) = SplitHostPath(text);
        if (host.Length == 0)
        {
            return null;
        }

        path = "/" + path;
        if (path.StartsWith("/v2/", StringComparison.Ordinal) || path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            path = path[3..];
        }

        return path is "" or "/" ? host : host + path;
    }

    private static (string Host, string Path) SplitHostPath(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (text, string.Empty) : (text[..slash], text[(slash + 1)..]);
    }

    private static (string Name, string Port) SplitPort(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon < 0 || host.EndsWith(']') ? (host, string.Empty) : (host[..colon], host[(colon + 1)..]);
    }

    // Go's filepath.Match for one host part: '*' any run, '?' one character; anything else literal.
    private static bool GlobMatches(string glob, string value) =>
        glob == value || (glob.AsSpan().IndexOfAny('*', '?') >= 0
            && Regex.IsMatch(value, "^" + Regex.Escape(glob).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));

    private static bool IsDefaultRegistry(string repository) =>
        repository.StartsWith("docker.io/", StringComparison.Ordinal) || repository.StartsWith(DefaultRegistryHost + "/", StringComparison.Ordinal);

    private static JsonDocument Parse(byte[] content, string key)
    {
        try
        {
            return JsonDocument.Parse(content);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{key} is not valid JSON: {e.Message}", e);
        }
    }

    private void AddEntries(JsonElement entries, string key)
    {
        if (entries.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{key} does not map registries to credentials");
        }

        foreach (var entry in entries.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var username = Text(entry.Value, "username");
            var password = Text(entry.Value, "password");
            // As docker's config: "auth" is base64 of "user:password" and wins over the separate fields.
            if (Text(entry.Value, "auth") is { Length: > 0 } auth)
            {
                (username, password) = DecodeAuth(auth, key, entry.Name);
            }

            Add(entry.Name, new RegistryCredential(username, password));
        }
    }

    private static string Text(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    /// <summary>Decodes a docker "auth" field (base64 of "user:password").</summary>
    public static (string Username, string Password) DecodeAuth(string auth, string key, string registry)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{key}: the auth of \"{registry}\" is not base64", e);
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? throw new FormatException($"{key}: the auth of \"{registry}\" is not base64 of user:password")
            : (decoded[..colon], decoded[(colon + 1)..]);
    }
}
