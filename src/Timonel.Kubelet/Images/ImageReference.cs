namespace Timonel.Kubelet.Images;

/// <summary>Docker-style image names, normalized as CRI does ("busybox" → "docker.io/library/busybox:latest").</summary>
public static class ImageReference
{
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
