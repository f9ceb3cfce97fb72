using System.Security.Cryptography;
using Timonel.Storage.Encryption;

namespace Timonel.ApiServer.Encryption;

/// <summary>One entry of an EncryptionConfiguration: the resources it covers and their providers, the write provider first.</summary>
/// <param name="Resources">Patterns as written: <c>secrets</c>, <c>deployments.apps</c>, <c>*.</c> (core), <c>*.apps</c>, <c>*.*</c>.</param>
/// <param name="Transformer">The providers, in order.</param>
public sealed record EncryptionRule(IReadOnlyList<string> Resources, PrefixTransformer Transformer)
{
    /// <summary>Whether a pattern of this rule covers the resource (upstream's matching, 1.33).</summary>
    public bool Covers(string group, string plural) => Resources.Any(pattern => Matches(pattern, group, plural));

    private static bool Matches(string pattern, string group, string plural) => pattern switch
    {
        "*.*" => true,
        "*." => group.Length == 0,
        _ when pattern.StartsWith("*.", StringComparison.Ordinal) => pattern[2..] == group,
        _ => pattern == (group.Length == 0 ? plural : $"{plural}.{group}"),
    };
}

/// <summary>
/// A loaded EncryptionConfiguration: which transformer each resource's values go through.
/// Entries are tried in order and the first covering a resource wins; a resource no entry
/// covers is stored as given.
/// </summary>
public sealed class EncryptionConfig(IReadOnlyList<EncryptionRule> rules, string hash)
{
    /// <summary>No encryption at all (no config).</summary>
    public static EncryptionConfig None { get; } = new([], "");

    public IReadOnlyList<EncryptionRule> Rules => rules;

    /// <summary>"sha256:" and the hex SHA-256 of the file's bytes (upstream's config hash metric label).</summary>
    public string Hash => hash;

    /// <summary>The transformer for a resource, or null when no entry covers it.</summary>
    public PrefixTransformer? TransformerFor(string group, string plural) =>
        rules.FirstOrDefault(r => r.Covers(group, plural))?.Transformer;

    /// <summary>The hash label of a config file's bytes.</summary>
    public static string HashOf(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
}
