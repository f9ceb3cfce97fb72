using System.CommandLine;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Data.Sqlite;
using Timonel.Storage;
using Timonel.Storage.Migration;
using Timonel.Storage.Sqlite;

namespace Timonel.Cli;

/// <summary>`timonel datastore`: move a cluster from the embedded SQLite store to etcd, and snapshot the embedded store.</summary>
internal static class DatastoreCommand
{
    public static Command Create()
    {
        var command = new Command("datastore", "Migrate the embedded datastore to etcd, or save and restore snapshots of it");
        command.Subcommands.Add(Migrate());
        command.Subcommands.Add(Snapshot());
        return command;
    }

    private static Command Migrate()
    {
        var from = new Option<string>("--from") { Description = "Data dir of the SQLite cluster to copy (its db/state.db); stop its server first", Required = true };
        var to = new Option<string>("--to-endpoint") { Description = "etcd client URLs to copy into (http://127.0.0.1:2379[,...])", Required = true };
        var ca = new Option<string?>("--datastore-cafile") { Description = "CA certificate (PEM) of the etcd servers" };
        var cert = new Option<string?>("--datastore-certfile") { Description = "Client certificate (PEM) for etcd" };
        var key = new Option<string?>("--datastore-keyfile") { Description = "Client key (PEM) for etcd" };
        var force = new Option<bool>("--force") { Description = "Copy even when the target already holds keys under /registry/ (overwriting them)" };
        var migrate = new Command("migrate", "Copy the objects of a SQLite cluster into etcd (current objects, not their history)");
        foreach (var o in new Option[] { from, to, ca, cert, key, force })
        {
            migrate.Options.Add(o);
        }

        migrate.SetAction((parse, ct) => RunAsync("datastore migrate", async () =>
        {
            var database = SqliteSnapshot.DatabasePath(Path.GetFullPath(parse.GetValue(from)!));
            if (!File.Exists(database))
            {
                throw new FileNotFoundException($"no SQLite datastore at {database}");
            }

            var settings = new DatastoreSettings(parse.GetValue(to), parse.GetValue(ca), parse.GetValue(cert), parse.GetValue(key));
            await using var source = await SqliteStore.OpenAsync(database, new SqliteStoreOptions { CompactionInterval = TimeSpan.Zero }, null, null, ct).ConfigureAwait(false);
            await using var target = await StoreFactory.OpenEtcdAsync(settings.EtcdOptions(), TimeSpan.Zero, NullLogger.Instance, ct).ConfigureAwait(false);
            var result = await StoreCopier.CopyAsync(source, target, parse.GetValue(force), ct).ConfigureAwait(false);
            Console.WriteLine($"copied {result.Copied} keys from {database} (revision {result.SourceRevision}) to {target.Endpoints}");
        }));
        return migrate;
    }

    private static Command Snapshot()
    {
        var snapshot = new Command("snapshot", "Save or restore a snapshot of the embedded SQLite datastore");
        snapshot.Subcommands.Add(SnapshotAction("save", "Write a consistent copy of the datastore to FILE (safe while the server runs)", async (dir, file, ct) =>
        {
            await SqliteSnapshot.SaveAsync(dir, file, ct).ConfigureAwait(false);
            Console.WriteLine($"saved snapshot of {SqliteSnapshot.DatabasePath(dir)} to {Path.GetFullPath(file)}");
        }));
        snapshot.Subcommands.Add(SnapshotAction("restore", "Replace the datastore with the snapshot in FILE (the server must be stopped)", async (dir, file, ct) =>
        {
            var revision = await SqliteSnapshot.RestoreAsync(dir, file, ct).ConfigureAwait(false);
            Console.WriteLine($"restored {SqliteSnapshot.DatabasePath(dir)} from {Path.GetFullPath(file)} (revision {revision})");
        }));
        return snapshot;
    }

    private static Command SnapshotAction(string name, string description, Func<string, string, CancellationToken, Task> action)
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Data dir of the server (default /var/lib/timonel as root, else ~/.timonel)" };
        var file = new Argument<string>("FILE") { Description = "Snapshot file" };
        var command = new Command(name, description);
        command.Options.Add(dataDir);
        command.Arguments.Add(file);
        command.SetAction((parse, ct) => RunAsync(
            "datastore snapshot " + name,
            () => action(Path.GetFullPath(parse.GetValue(dataDir) ?? ApiServer.ApiServerOptions.DefaultDataDir()), parse.GetValue(file)!, ct)));
        return command;
    }

    /// <summary>Runs an action, turning expected failures into one line on stderr and exit code 1.</summary>
    private static async Task<int> RunAsync(string name, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or ArgumentException or StoreUnavailableException or UnauthorizedAccessException or SqliteException)
        {
            await Console.Error.WriteLineAsync($"timonel {name}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
