using System.Text.RegularExpressions;

namespace Timonel.Api.Images;

/// <summary>Docker-style image names, normalized as CRI does ("busybox" → "docker.io/library/busybox:latest").</summary>
public static partial class ImageReference
{
    /// <summary>
    /// Null when <paramref name="image"/> is a reference the runtime can parse; otherwise
    /// upstream's message for the container's InvalidImageName ("couldn't parse image name ...").
    /// </summary>
    public static string? Problem(string? image)
    {
        if (string.IsNullOrEmpty(image) || !Grammar().IsMatch(image))
        {
            return $"Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": invalid reference format";
        }

        return null;
    }

    // The distribution project's reference grammar: [domain[:port]/]path[:tag][@digest], path components lower-case.
    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();

    public static string Normalize(string image)
    {
        if (string.IsNullOrWhiteSpace(image))
        {
            throw new ArgumentException("image name is empty");
        }

        var name = image.Trim();
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? null : name[..slash];
        var hasRegistry = first is not null && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        if (!hasRegistry)
        {
            name = slash < 0 ? $"docker.io/library/{name}" : $"docker.io/{name}";
        }

        var lastSlash = name.LastIndexOf('/');
        var tail = name[(lastSlash + 1)..];
        if (!tail.Contains(':', StringComparison.Ordinal) && !tail.Contains('@', StringComparison.Ordinal))
        {
            name += ":latest";
        }

        return name;
    }

    /// <summary>True when the reference names a tag "latest" (or none), which makes imagePullPolicy default to Always.</summary>
    public static bool IsLatest(string image)
    {
        var normalized = Normalize(image);
        return !normalized.Contains('@', StringComparison.Ordinal) && normalized.EndsWith(":latest", StringComparison.Ordinal);
    }
}
