namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>Finds the repository root: the nearest ancestor of the test assembly holding the <c>timonel</c> launcher.</summary>
internal static class RepoRoot
{
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "timonel")) && File.Exists(Path.Combine(dir.FullName, "Timonel.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No ancestor of {AppContext.BaseDirectory} holds the timonel launcher");
    }

    public static string Launcher => Path.Combine(Find(), "timonel");
}
