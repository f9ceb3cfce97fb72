using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Timonel.Api.Images;

/// <summary>A mirror entry: the endpoints tried, in order, before the registry itself.</summary>
public sealed record RegistryMirror(IReadOnlyList<Uri> Endpoints);

/// <summary>Credentials for one registry host (k3s's configs.HOST.auth).</summary>
public sealed record RegistryAuth(string? Username, string? Password, string? Auth, string? IdentityToken);

/// <summary>TLS settings for one registry host (k3s's configs.HOST.tls); paths are absolute.</summary>
public sealed record RegistryTls(string? CaFile, string? CertFile, string? KeyFile, bool InsecureSkipVerify);

/// <summary>One entry of configs: what to present to, and how to trust, a registry host.</summary>
public sealed record RegistryHostConfig(RegistryAuth? Auth, RegistryTls? Tls);

/// <summary>
/// A k3s-style registries.yaml: <c>mirrors</c> (registry name, or "*" for every registry →
/// endpoint URLs) and <c>configs</c> (registry host[:port] → auth and TLS). Parsed strictly: an
/// unknown key, a malformed URL, an unreadable or unparsable CA or client certificate is a
/// <see cref="FormatException"/> naming the file and the entry, so the agent refuses to start
/// rather than pull from the wrong place. Mirror <c>rewrite</c> rules are refused: Debian's
/// containerd (1.6) has no such setting in its registry host config (k3s patches its own).
/// </summary>
public sealed record RegistriesConfig(IReadOnlyDictionary<string, RegistryMirror> Mirrors, IReadOnlyDictionary<string, RegistryHostConfig> Configs)
{
    /// <summary>Where k3s reads its registries.yaml, as Timonel: /etc/timonel/registries.yaml (used only when present).</summary>
    public const string DefaultPath = "/etc/timonel/registries.yaml";

    public static RegistriesConfig Empty { get; } = new(new Dictionary<string, RegistryMirror>(), new Dictionary<string, RegistryHostConfig>());

    /// <summary>Reads and checks a registries.yaml; paths in it are taken relative to the current directory, as k3s does.</summary>
    public static RegistriesConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"registries file {path}: {e.Message}", e);
        }

        return Parse(text, path);
    }

    public static RegistriesConfig Parse(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new FormatException($"registries file {source}: not valid YAML at line {e.Start.Line}: {e.Message}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return Empty;
        }

        var root = Map(stream.Documents[0].RootNode, source, "the file");
        var mirrors = new Dictionary<string, RegistryMirror>(StringComparer.Ordinal);
        var configs = new Dictionary<string, RegistryHostConfig>(StringComparer.Ordinal);
        foreach (var (key, value) in Entries(root, source, "the file", "mirrors", "configs"))
        {
            if (key == "mirrors")
            {
                foreach (var (name, mirror) in Entries(Map(value, source, "mirrors"), source, "mirrors"))
                {
                    mirrors[CheckRegistryName(name, source, "mirrors", allowWildcard: true)] = ParseMirror(Map(mirror, source, $"mirrors.{name}"), source, name);
                }
            }
            else
            {
                foreach (var (name, config) in Entries(Map(value, source, "configs"), source, "configs"))
                {
                    configs[CheckRegistryName(name, source, "configs", allowWildcard: true)] = ParseHostConfig(Map(config, source, $"configs.{name}"), source, name);
                }
            }
        }

        return new RegistriesConfig(mirrors, configs);
    }

    private static RegistryMirror ParseMirror(YamlMappingNode node, string source, string name)
    {
        var endpoints = new List<Uri>();
        foreach (var (key, value) in Entries(node, source, $"mirrors.{name}", "endpoint", "rewrite"))
        {
            if (key == "rewrite")
            {
                throw new FormatException($"registries file {source}: mirrors.{name}.rewrite is not supported: Debian's containerd 1.6 has no repository rewrites in its registry host config");
            }

            if (value is not YamlSequenceNode list)
            {
                throw new FormatException($"registries file {source}: mirrors.{name}.endpoint must be a list of URLs");
            }

            foreach (var item in list)
            {
                var text = item is YamlScalarNode { Value: { Length: > 0 } s } ? s : throw new FormatException($"registries file {source}: mirrors.{name}.endpoint holds an entry that is not a URL");
                // As k3s: an endpoint without a scheme is https.
                var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "https://" + text;
                if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
                {
                    throw new FormatException($"registries file {source}: mirrors.{name}.endpoint \"{text}\" is not an http(s) URL");
                }

                endpoints.Add(url);
            }
        }

        return new RegistryMirror(endpoints);
    }

    private static RegistryHostConfig ParseHostConfig(YamlMappingNode node, string source, string name)
    {
        RegistryAuth? auth = null;
        RegistryTls? tls = null;
        foreach (var (key, value) in Entries(node, source, $"configs.{name}", "auth", "tls"))
        {
            var where = $"configs.{name}.{key}";
            var fields = Entries(Map(value, source, where), source, where,
                key == "auth" ? ["username", "password", "auth", "identity_token"] : ["ca_file", "cert_file", "key_file", "insecure_skip_verify"])
                .ToDictionary(e => e.Key, e => Scalar(e.Value, source, $"{where}.{e.Key}"), StringComparer.Ordinal);
            string? Field(string f) => fields.TryGetValue(f, out var v) && v.Length > 0 ? v : null;
            if (key == "auth")
            {
                auth = new RegistryAuth(Field("username"), Field("password"), Field("auth"), Field("identity_token"));
                if (auth.Auth is { } encoded)
                {
                    try
                    {
                        _ = DockerConfigKeyring.DecodeAuth(encoded, $"registries file {source}", name);
                    }
                    catch (FormatException e)
                    {
                        throw new FormatException($"registries file {source}: {where}.auth is not base64 of user:password", e);
                    }
                }
            }
            else
            {
                var skip = Field("insecure_skip_verify") switch
                {
                    null or "false" => false,
                    "true" => true,
                    var other => throw new FormatException($"registries file {source}: {where}.insecure_skip_verify \"{other}\" is not true or false"),
                };
                tls = new RegistryTls(FullPath(Field("ca_file")), FullPath(Field("cert_file")), FullPath(Field("key_file")), skip);
                CheckTlsFiles(tls, source, where);
            }
        }

        return new RegistryHostConfig(auth, tls);
    }

    private static void CheckTlsFiles(RegistryTls tls, string source, string where)
    {
        if ((tls.CertFile is null) != (tls.KeyFile is null))
        {
            throw new FormatException($"registries file {source}: {where} needs both cert_file and key_file for a client certificate");
        }

        try
        {
            if (tls.CaFile is not null)
            {
                var bundle = new X509Certificate2Collection();
                bundle.ImportFromPemFile(tls.CaFile);
                if (bundle.Count == 0)
                {
                    throw new CryptographicException("no PEM certificate in it");
                }
            }

            if (tls.CertFile is not null)
            {
                using var client = X509Certificate2.CreateFromPemFile(tls.CertFile, tls.KeyFile);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new FormatException($"registries file {source}: {where}: {e.Message}", e);
        }
    }

    private static string? FullPath(string? path) => path is null ? null : Path.GetFullPath(path);

    /// <summary>A registry name as a key: host[:port] (a name, an IPv4 address or [IPv6]) or "*".</summary>
    private static string CheckRegistryName(string name, string source, string section, bool allowWildcard)
    {
        if ((allowWildcard && name == "*") || (Uri.TryCreate("https://" + name, UriKind.Absolute, out var url) && url.Authority.Equals(name, StringComparison.OrdinalIgnoreCase) && url.AbsolutePath == "/"))
        {
            return name;
        }

        throw new FormatException($"registries file {source}: {section} key \"{name}\" is not a registry host[:port]{(allowWildcard ? " or \"*\"" : "")}");
    }

    private static YamlMappingNode Map(YamlNode node, string source, string where) =>
        node as YamlMappingNode ?? throw new FormatException($"registries file {source}: {where} must be a mapping");

    private static string Scalar(YamlNode node, string source, string where) =>
        node is YamlScalarNode scalar ? scalar.Value ?? string.Empty : throw new FormatException($"registries file {source}: {where} must be a single value");

    private static IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode map, string source, string where, params string[] allowed)
    {
        foreach (var (keyNode, value) in map.Children)
        {
            var key = Scalar(keyNode, source, where);
            if (allowed.Length > 0 && !allowed.Contains(key, StringComparer.Ordinal))
            {
                throw new FormatException($"registries file {source}: unknown key \"{key}\" in {where} (expected {string.Join(", ", allowed)})");
            }

            yield return (key, value);
        }
    }
}
