using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Timonel.Api.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Timonel.Api.Images;

/// <summary>What admission does when a registry cannot be asked (unreachable, timed out, 5xx).</summary>
public enum RegistryFailureMode
{
    /// <summary>The object is refused with a message naming the image and the registry error.</summary>
    Fail,

    /// <summary>The object is admitted unchanged (tag not resolved, signature not checked); the server logs a warning.</summary>
    Admit,
}

/// <summary>A named public key signatures are checked against (ECDSA or RSA; signatures use SHA-256 as cosign's P-256 ones), read from a PEM file.</summary>
public sealed record ImagePolicyKey(string Name, string Path, AsymmetricAlgorithm Key);

/// <summary>
/// The rules for one namespace. <see cref="Images"/> are globs (<c>*</c> matches any run of
/// characters, <c>/</c> included) on the normalized image name ("docker.io/library/busybox:1");
/// images no glob matches are left alone.
/// </summary>
public sealed record ImagePolicyRules(
    IReadOnlyList<string> Images,
    bool RequireDigest,
    bool ResolveTags,
    IReadOnlyList<string> RequireSignature,
    RegistryFailureMode OnRegistryError,
    TimeSpan Timeout)
{
    public static ImagePolicyRules None { get; } = new(["*"], false, false, [], RegistryFailureMode.Fail, TimeSpan.FromSeconds(10));

    /// <summary>True when no rule asks anything: admission need not look at the images.</summary>
    public bool IsEmpty => !RequireDigest && !ResolveTags && RequireSignature.Count == 0;

    /// <summary>True when the normalized image name matches one of <see cref="Images"/>.</summary>
    public bool Covers(string normalizedImage) => Images.Any(glob => Glob(glob).IsMatch(normalizedImage));

    private static Regex Glob(string glob) =>
        new("^" + Regex.Escape(glob).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}

/// <summary>
/// The server's image policy (<c>timonel server --image-policy FILE</c>, docs/images.md): named
/// public keys, default rules and per-namespace sections whose fields override the default's.
/// Parsed strictly: an unknown key, a key file that holds no public key, a signature rule naming
/// an unknown key is a <see cref="FormatException"/> naming the file and the entry, and the server
/// refuses to start.
/// </summary>
public sealed class ImagePolicy
{
    private static readonly string[] RuleFields = ["images", "requireDigest", "resolveTags", "requireSignature", "onRegistryError", "timeout"];

    private readonly IReadOnlyDictionary<string, ImagePolicyRules> _namespaces;

    private ImagePolicy(IReadOnlyDictionary<string, ImagePolicyKey> keys, ImagePolicyRules defaults, IReadOnlyDictionary<string, ImagePolicyRules> namespaces)
    {
        Keys = keys;
        Default = defaults;
        _namespaces = namespaces;
    }

    public IReadOnlyDictionary<string, ImagePolicyKey> Keys { get; }

    public ImagePolicyRules Default { get; }

    /// <summary>The rules of <paramref name="ns"/>: its own section, else the default.</summary>
    public ImagePolicyRules For(string ns) => _namespaces.TryGetValue(ns, out var rules) ? rules : Default;

    public static ImagePolicy Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"image policy {path}: {e.Message}", e);
        }

        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Parses a policy; relative key paths are taken from <paramref name="baseDir"/> (the file's directory).</summary>
    public static ImagePolicy Parse(string text, string source, string baseDir)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw Error(source, $"not valid YAML at line {e.Start.Line}: {e.Message}", e);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Error(source, "must be a mapping with keys, default and namespaces");
        }

        var keys = new Dictionary<string, ImagePolicyKey>(StringComparer.Ordinal);
        YamlMappingNode? defaultNode = null;
        YamlMappingNode? namespacesNode = null;
        foreach (var (key, value) in Entries(root, source, "the file", "keys", "default", "namespaces"))
        {
            switch (key)
            {
                case "keys":
                    foreach (var (name, file) in Entries(Map(value, source, "keys"), source, "keys"))
                    {
                        keys[name] = LoadKey(name, Scalar(file, source, $"keys.{name}"), source, baseDir);
                    }

                    break;
                case "default":
                    defaultNode = Map(value, source, "default");
                    break;
                default:
                    namespacesNode = Map(value, source, "namespaces");
                    break;
            }
        }

        var defaults = defaultNode is null ? ImagePolicyRules.None : ParseRules(defaultNode, ImagePolicyRules.None, keys, source, "default");
        var namespaces = new Dictionary<string, ImagePolicyRules>(StringComparer.Ordinal);
        if (namespacesNode is not null)
        {
            foreach (var (ns, rules) in Entries(namespacesNode, source, "namespaces"))
            {
                if (NameValidation.IsDns1123Label(ns) is { Count: > 0 })
                {
                    throw Error(source, $"namespaces: \"{ns}\" is not a namespace name");
                }

                namespaces[ns] = rules is YamlScalarNode { Value: null or "" }
                    ? defaults
                    : ParseRules(Map(rules, source, $"namespaces.{ns}"), defaults, keys, source, $"namespaces.{ns}");
            }
        }

        return new ImagePolicy(keys, defaults, namespaces);
    }

    private static ImagePolicyRules ParseRules(YamlMappingNode node, ImagePolicyRules inherited, IReadOnlyDictionary<string, ImagePolicyKey> keys, string source, string where)
    {
        var rules = inherited;
        foreach (var (key, value) in Entries(node, source, where, RuleFields))
        {
            var at = $"{where}.{key}";
            rules = key switch
            {
                "images" => rules with { Images = List(value, source, at) },
                "requireDigest" => rules with { RequireDigest = Bool(value, source, at) },
                "resolveTags" => rules with { ResolveTags = Bool(value, source, at) },
                "requireSignature" => rules with { RequireSignature = KnownKeys(List(value, source, at), keys, source, at) },
                "onRegistryError" => rules with
                {
                    OnRegistryError = Scalar(value, source, at) switch
                    {
                        "Fail" => RegistryFailureMode.Fail,
                        "Admit" => RegistryFailureMode.Admit,
                        var other => throw Error(source, $"{at} \"{other}\" is not Fail or Admit"),
                    },
                },
                _ => rules with { Timeout = Timeout(Scalar(value, source, at), source, at) },
            };
        }

        return rules;
    }

    private static IReadOnlyList<string> KnownKeys(IReadOnlyList<string> names, IReadOnlyDictionary<string, ImagePolicyKey> keys, string source, string where)
    {
        foreach (var name in names)
        {
            if (!keys.ContainsKey(name))
            {
                throw Error(source, $"{where} names the key \"{name}\", which keys does not define");
            }
        }

        return names;
    }

    private static TimeSpan Timeout(string text, string source, string where) =>
        GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero && value <= TimeSpan.FromMinutes(1)
            ? value
            : throw Error(source, $"{where} \"{text}\" must be a duration between 0 and 1m, such as 10s");

    private static ImagePolicyKey LoadKey(string name, string file, string source, string baseDir)
    {
        var path = Path.GetFullPath(file, baseDir);
        try
        {
            var pem = File.ReadAllText(path);
            var fields = PemEncoding.Find(pem);
            if (pem[fields.Label] is not "PUBLIC KEY")
            {
                throw new CryptographicException($"the PEM block is \"{pem[fields.Label]}\", not \"PUBLIC KEY\"");
            }

            var der = Convert.FromBase64String(pem[fields.Base64Data]);
            return new ImagePolicyKey(name, path, SigstoreSignature.ImportPublicKey(der));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException or FormatException)
        {
            throw Error(source, $"keys.{name}: {path}: {e.Message}", e);
        }
    }

    private static FormatException Error(string source, string message, Exception? inner = null) => new($"image policy {source}: {message}", inner);

    private static bool Bool(YamlNode node, string source, string where) => Scalar(node, source, where) switch
    {
        "true" => true,
        "false" => false,
        var other => throw Error(source, $"{where} \"{other}\" is not true or false"),
    };

    private static IReadOnlyList<string> List(YamlNode node, string source, string where) =>
        node is YamlSequenceNode list
            ? list.Select((item, i) => Scalar(item, source, $"{where}[{i}]")).ToArray()
            : throw Error(source, $"{where} must be a list");

    private static YamlMappingNode Map(YamlNode node, string source, string where) =>
        node as YamlMappingNode ?? throw Error(source, $"{where} must be a mapping");

    private static string Scalar(YamlNode node, string source, string where) =>
        node is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw Error(source, $"{where} must be a single non-empty value");

    private static IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode map, string source, string where, params string[] allowed)
    {
        foreach (var (keyNode, value) in map.Children)
        {
            var key = Scalar(keyNode, source, where);
            if (allowed.Length > 0 && !allowed.Contains(key, StringComparer.Ordinal))
            {
                throw Error(source, $"unknown key \"{key}\" in {where} (expected {string.Join(", ", allowed)})");
            }

            yield return (key, value);
        }
    }
}
