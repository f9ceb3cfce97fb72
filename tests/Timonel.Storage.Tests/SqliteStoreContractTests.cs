using Timonel.Storage.Sqlite;

namespace Timonel.Storage.Tests;

/// <summary>Holds the SQLite store to the shared contract, one temporary file per test.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly TempDirectory _directory = new();

    protected override async Task<IStore> CreateStoreAsync() =>
        await SqliteStore.OpenAsync(_directory.File("store.db"), new SqliteStoreOptions { CompactionInterval = TimeSpan.Zero }, null, null, CancellationToken.None);

    protected override Task CleanupAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>A directory under the system temp folder, deleted with everything in it.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "timonel-store-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public long TotalBytes(string prefix) =>
        new DirectoryInfo(Path).GetFiles(prefix + "*").Where(f => !f.Name.EndsWith("-shm", StringComparison.Ordinal)).Sum(f => f.Length);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still held open is cleaned by the OS temp policy.
        }
    }
}
