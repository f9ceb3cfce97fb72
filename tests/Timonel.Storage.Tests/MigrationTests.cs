using System.Text;
using Timonel.Storage.Etcd;
using Timonel.Storage.Memory;
using Timonel.Storage.Migration;
using Timonel.Storage.Sqlite;
using Timonel.Testing;
using Xunit;

namespace Timonel.Storage.Tests;

/// <summary>Copying a SQLite datastore into etcd, and SQLite snapshots.</summary>
public sealed class MigrationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static CancellationToken Ct => CancellationToken.None;

    private static SqliteStoreOptions Options => new() { CompactionInterval = TimeSpan.Zero };

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Copy_SqliteIntoEtcd_CopiesLiveKeysNotDeletedOnes()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using (var sqlite = await SqliteStore.OpenAsync(SqliteSnapshot.DatabasePath(_directory.Path), Options, null, null, Ct))
        {
            for (var i = 0; i < 1_200; i++)
            {
                await sqlite.CreateAsync($"/registry/configmaps/default/cm{i:D4}", Bytes($"v{i}"), Ct);
            }

            await sqlite.UpdateAsync("/registry/configmaps/default/cm0000", Bytes("updated"), 0, Ct);
            await sqlite.DeleteAsync("/registry/configmaps/default/cm0001", 0, Ct);
            await using var target = await EtcdStore.OpenAsync(EtcdTestOptions.For(etcd), null, Ct);

            var result = await StoreCopier.CopyAsync(sqlite, target, force: false, Ct);

            Assert.Equal(1_199, result.Copied);
            Assert.Equal(1_199, (await target.RangeAsync(new RangeRequest("/registry/configmaps/", CountOnly: true), Ct)).Count);
            Assert.Equal("updated", Text(await target.GetAsync("/registry/configmaps/default/cm0000", Ct)));
            Assert.Null(await target.GetAsync("/registry/configmaps/default/cm0001", Ct));
        }

        var listed = await EtcdStoreTests.EtcdctlAsync(etcd, "get", "--prefix", "/registry/configmaps/default/cm119", "--keys-only");
        Assert.Contains("/registry/configmaps/default/cm1199", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Copy_TargetHasRegistryKeys_RefusesUnlessForced()
    {
        var source = new MemoryStore();
        await source.CreateAsync("/registry/pods/a/p", Bytes("new"), Ct);
        var target = new MemoryStore();
        await target.CreateAsync("/registry/pods/a/p", Bytes("old"), Ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => StoreCopier.CopyAsync(source, target, force: false, Ct));
        Assert.Contains("--force", error.Message, StringComparison.Ordinal);
        Assert.Equal("old", Text(await target.GetAsync("/registry/pods/a/p", Ct)));

        var forced = await StoreCopier.CopyAsync(source, target, force: true, Ct);
        Assert.Equal(1, forced.Copied);
        Assert.Equal("new", Text(await target.GetAsync("/registry/pods/a/p", Ct)));
    }

    [Fact]
    public async Task Snapshot_SaveWhileOpenThenRestore_BringsBackTheSavedState()
    {
        var dataDir = _directory.File("data");
        var snapshot = _directory.File("backup/snap.db");
        long savedRevision;
        await using (var store = await SqliteStore.OpenAsync(SqliteSnapshot.DatabasePath(dataDir), Options, null, null, Ct))
        {
            await store.CreateAsync("/registry/a", Bytes("before"), Ct);
            savedRevision = await store.GetCurrentRevisionAsync(Ct);
            await SqliteSnapshot.SaveAsync(dataDir, snapshot, Ct);
            await store.UpdateAsync("/registry/a", Bytes("after"), 0, Ct);
            await store.CreateAsync("/registry/b", Bytes("after"), Ct);

            await Assert.ThrowsAsync<IOException>(() => SqliteSnapshot.RestoreAsync(dataDir, snapshot, Ct));
        }

        var restored = await SqliteSnapshot.RestoreAsync(dataDir, snapshot, Ct);

        Assert.Equal(savedRevision, restored);
        await using var reopened = await SqliteStore.OpenAsync(SqliteSnapshot.DatabasePath(dataDir), Options, null, null, Ct);
        Assert.Equal("before", Text(await reopened.GetAsync("/registry/a", Ct)));
        Assert.Null(await reopened.GetAsync("/registry/b", Ct));
        Assert.Equal(savedRevision, await reopened.GetCurrentRevisionAsync(Ct));
    }

    [Fact]
    public async Task Snapshot_SaveWithoutDatastore_ThrowsFileNotFound()
    {
        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => SqliteSnapshot.SaveAsync(_directory.File("nothing"), _directory.File("s.db"), Ct));

        Assert.Contains("no SQLite datastore", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Snapshot_SaveOverExistingFile_Refuses()
    {
        var dataDir = _directory.File("data");
        await (await SqliteStore.OpenAsync(SqliteSnapshot.DatabasePath(dataDir), Options, null, null, Ct)).DisposeAsync();
        var existing = _directory.File("s.db");
        await File.WriteAllTextAsync(existing, "keep me");

        await Assert.ThrowsAsync<IOException>(() => SqliteSnapshot.SaveAsync(dataDir, existing, Ct));

        Assert.Equal("keep me", await File.ReadAllTextAsync(existing));
    }

    [Theory]
    [InlineData("this is not a database")]
    [InlineData("")]
    public async Task Snapshot_RestoreCorruptFile_ThrowsInvalidDataAndKeepsDatabase(string content)
    {
        var dataDir = _directory.File("data");
        await using (var store = await SqliteStore.OpenAsync(SqliteSnapshot.DatabasePath(dataDir), Options, null, null, Ct))
        {
            await store.CreateAsync("/registry/keep", Bytes("v"), Ct);
        }

        var corrupt = _directory.File("corrupt.db");
        await File.WriteAllTextAsync(corrupt, content);

        await Assert.ThrowsAsync<InvalidDataException>(() => SqliteSnapshot.RestoreAsync(dataDir, corrupt, Ct));

        await using var reopened = await SqliteStore.OpenAsync(SqliteSnapshot.DatabasePath(dataDir), Options, null, null, Ct);
        Assert.Equal("v", Text(await reopened.GetAsync("/registry/keep", Ct)));
    }

    [Fact]
    public async Task Snapshot_RestoreTruncatedSnapshot_ThrowsInvalidData()
    {
        var dataDir = _directory.File("data");
        await using (var store = await SqliteStore.OpenAsync(SqliteSnapshot.DatabasePath(dataDir), Options, null, null, Ct))
        {
            for (var i = 0; i < 200; i++)
            {
                await store.CreateAsync($"/registry/k{i}", new byte[2_000], Ct);
            }
        }

        var snapshot = _directory.File("snap.db");
        await SqliteSnapshot.SaveAsync(dataDir, snapshot, Ct);
        var bytes = await File.ReadAllBytesAsync(snapshot);
        await File.WriteAllBytesAsync(snapshot, bytes[..(bytes.Length / 2)]);

        await Assert.ThrowsAsync<InvalidDataException>(() => SqliteSnapshot.RestoreAsync(dataDir, snapshot, Ct));
    }

    [Fact]
    public async Task Snapshot_RestoreMissingFile_ThrowsFileNotFound() =>
        await Assert.ThrowsAsync<FileNotFoundException>(() => SqliteSnapshot.RestoreAsync(_directory.File("data"), _directory.File("absent.db"), Ct));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(KeyValue? kv) => kv is null ? "<null>" : Encoding.UTF8.GetString(kv.Value.Span);
}
