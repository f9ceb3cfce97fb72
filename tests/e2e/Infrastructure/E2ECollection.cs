namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>
/// Every end-to-end class belongs to this one collection: xunit then runs the classes one after
/// another (each starts a server and many kubectl processes; the machine has two cores), and the
/// launcher is built once before the first server starts.
/// </summary>
[CollectionDefinition(Name)]
public sealed class E2ECollection : ICollectionFixture<LauncherBuild>
{
    public const string Name = "e2e";
}
