namespace Timonel.Scheduler.Framework;

/// <summary>Image name normalization for ImageLocality: a name without tag or digest means ":latest", as upstream.</summary>
public static class ImageNames
{
    public static string Normalize(string name)
    {
        var slash = name.LastIndexOf('/');
        var last = slash < 0 ? name : name[(slash + 1)..];
        return last.Contains(':', StringComparison.Ordinal) || name.Contains('@', StringComparison.Ordinal) ? name : name + ":latest";
    }
}
