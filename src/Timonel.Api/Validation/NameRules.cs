namespace Timonel.Api.Validation;

/// <summary>
/// Validates an object name; <c>prefix</c> is true for generateName, whose trailing '-' is fine
/// because random characters follow it (upstream's NameIsDNSSubdomain and friends).
/// </summary>
public delegate IReadOnlyList<string> NameRule(string name, bool prefix);

/// <summary>The name rules kinds choose from (upstream's ValidateXxxName functions).</summary>
public static class NameRules
{
    public static readonly NameRule DnsSubdomain = (n, p) => NameValidation.IsDns1123Subdomain(p ? MaskTrailingDash(n) : n);

    public static readonly NameRule DnsLabel = (n, p) => NameValidation.IsDns1123Label(p ? MaskTrailingDash(n) : n);

    public static readonly NameRule Dns1035Label = (n, p) => NameValidation.IsDns1035Label(p ? MaskTrailingDash(n) : n);

    public static readonly NameRule PathSegment = NameValidation.IsPathSegmentName;

    private static string MaskTrailingDash(string name) =>
        name.Length > 1 && name[^1] == '-' ? name[..^1] + "a" : name;
}
