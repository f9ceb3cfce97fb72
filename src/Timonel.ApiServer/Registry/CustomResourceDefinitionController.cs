using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.CustomResources;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Serves what CustomResourceDefinitions define, as upstream's naming, establishing and
/// finalizer controllers together: names are accepted unless another CRD of the group holds
/// them (NamesAccepted), an accepted CRD's definition goes into the catalog and only then is it
/// Established (so discovery answers for it once a client sees the condition), changes to a
/// CRD replace its definition, and a deleted CRD turns Terminating, its objects are deleted
/// (their finalizers respected), then its finalizer is removed and its definition leaves the
/// catalog. Every API server runs one, following the store's watch; the first pass runs before
/// the server reports ready so stored CRDs are served again after a restart.
/// </summary>
internal sealed partial class CustomResourceDefinitionController
{
    /// <summary>How long a CRD whose objects are still finalizing waits before it looks again.</summary>
    public static readonly TimeSpan CleanupRetry = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan RewatchDelay = TimeSpan.FromSeconds(1);

    private readonly ResourceCatalog _catalog;
    private readonly ObjectStore _objects;
    private readonly ObjectWriter _writer;
    private readonly ObjectDeleter _deleter;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ApiResource _crds;
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();
    private readonly SemaphoreSlim _reconcile = new(1, 1);

    // What each served CRD's definition was built from, so an unchanged CRD is not swapped again.
    private readonly ConcurrentDictionary<string, string> _served = new(StringComparer.Ordinal);
    private long _listed;

    private readonly Func<JsonObject, IRemoteVersionConverter>? _webhookConverter;

    /// <param name="webhookConverter">Builds the converter of a CRD with conversion strategy Webhook (<see cref="Conversion.ConversionWebhooks.For"/>).</param>
    public CustomResourceDefinitionController(ResourceCatalog catalog, ObjectStore objects, ObjectWriter writer, ObjectDeleter deleter, TimeProvider time, ILogger log, Func<JsonObject, IRemoteVersionConverter>? webhookConverter = null)
    {
        _webhookConverter = webhookConverter;
        _catalog = catalog;
        _objects = objects;
        _writer = writer;
        _deleter = deleter;
        _time = time;
        _log = log;
        _crds = catalog.Find(CustomResourceDefinitions.Group, "v1", CustomResourceDefinitions.Plural)
            ?? throw new InvalidOperationException("the catalog has no customresourcedefinitions");
    }

    /// <summary>Reconciles every stored CRD once (at start, before the server is ready, and after a lost watch).</summary>
    public async Task SyncAllAsync(CancellationToken cancellationToken)
    {
        var page = await _objects.Store.RangeAsync(new RangeRequest(_crds.KeyPrefix), cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _listed, page.Revision);
        var names = page.Items.Select(kv => kv.Key[_crds.KeyPrefix.Length..]).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _served.Keys.Where(n => !names.Contains(n)).ToList())
        {
            names.Add(gone);
        }

        foreach (var name in names)
        {
            await ReconcileGuardedAsync(name, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Follows the store's watch of CRDs and reconciles each one that changes.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(WatchAsync(cancellationToken), WorkAsync(cancellationToken));

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in _objects.Store.WatchAsync(_crds.KeyPrefix, Volatile.Read(ref _listed), cancellationToken).ConfigureAwait(false))
                {
                    Volatile.Write(ref _listed, e.Revision);
                    _queue.Writer.TryWrite(e.Kv.Key[_crds.KeyPrefix.Length..]);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Cut off or compacted away: list again, then watch from there.
                Log.Rewatching(_log, e.Message);
                try
                {
                    await Task.Delay(RewatchDelay, _time, cancellationToken).ConfigureAwait(false);
                    await SyncAllAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception again) when (again is StoreUnavailableException or ApiException)
                {
                    Log.Rewatching(_log, again.Message);
                }
            }
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var name in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await ReconcileGuardedAsync(name, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReconcileGuardedAsync(string name, CancellationToken cancellationToken)
    {
        await _reconcile.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReconcileAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ApiException or StoreUnavailableException or ArgumentException)
        {
            // A conflicting write or an unreachable store: the next event (or the retry) looks again.
            Log.ReconcileFailed(_log, name, e.Message);
            Requeue(name, cancellationToken);
        }
        finally
        {
            _reconcile.Release();
        }
    }

    private void Requeue(string name, CancellationToken cancellationToken) =>
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.Delay(CleanupRetry, _time, cancellationToken).ConfigureAwait(false);
                _queue.Writer.TryWrite(name);
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

    private async Task ReconcileAsync(string name, CancellationToken cancellationToken)
    {
        var current = await _objects.GetAsync(_crds, null, name, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            StopServing(name);
            return;
        }

        var crd = current.Object;
        if (ObjectMetaAccess.IsDeleting(crd))
        {
            await CleanUpAsync(name, current, cancellationToken).ConfigureAwait(false);
            return;
        }

        var others = (await _objects.Store.RangeAsync(new RangeRequest(_crds.KeyPrefix), cancellationToken).ConfigureAwait(false)).Items
            .Select(kv => ObjectStore.Decode(kv).Object);
        var naming = CrdNaming.Evaluate(crd, others);
        var wasEstablished = IsTrue(crd, "Established");
        var status = (JsonObject)(crd["status"]?.DeepClone() ?? new JsonObject());
        status["acceptedNames"] = naming.AcceptedNames;
        var now = ObjectMetaAccess.Timestamp(_time.GetUtcNow());
        SetCondition(status, "NamesAccepted", naming.Accepted, naming.Reason, naming.Message, now);

        var serve = (naming.Accepted || wasEstablished) && naming.AcceptedNames.Str("plural") is { Length: > 0 } && naming.AcceptedNames.Str("kind") is { Length: > 0 };
        if (serve)
        {
            var named = (JsonObject)crd.DeepClone();
            named["status"] = status.DeepClone();
            try
            {
                Serve(name, named, terminating: false);
                SetCondition(status, "Established", true, "InitialNamesAccepted", "the initial names have been accepted", now);
            }
            catch (ArgumentException e)
            {
                // A built-in resource of the group already has the name or kind.
                Log.NotServed(_log, name, e.Message);
                SetCondition(status, "NamesAccepted", false, "PluralConflict", e.Message, now);
                SetCondition(status, "Established", false, "NotAccepted", "not all names are accepted", now);
            }
        }
        else if (!wasEstablished)
        {
            SetCondition(status, "Established", false, "NotAccepted", "not all names are accepted", now);
        }

        await WriteStatusAsync(current, status, cancellationToken).ConfigureAwait(false);
    }

    private async Task CleanUpAsync(string name, StoredObject current, CancellationToken cancellationToken)
    {
        var crd = current.Object;
        var status = (JsonObject)(crd["status"]?.DeepClone() ?? new JsonObject());
        var now = ObjectMetaAccess.Timestamp(_time.GetUtcNow());
        SetCondition(status, "Terminating", true, "InstanceDeletionInProgress", "CustomResource deletion is in progress", now);
        current = await WriteStatusAsync(current, status, cancellationToken).ConfigureAwait(false);
        if (!ObjectMetaAccess.Finalizers(current.Object).Contains(CustomResourceCleanupPolicy.Finalizer))
        {
            return;
        }

        // Keep serving reads and deletes while the objects go (after a restart too); creates are refused.
        if (crd.Obj("status").Obj("acceptedNames") is { } accepted && accepted.Str("plural") is { Length: > 0 } && accepted.Str("kind") is { Length: > 0 })
        {
            try
            {
                Serve(name, crd, terminating: true);
            }
            catch (ArgumentException e)
            {
                Log.NotServed(_log, name, e.Message);
            }
        }

        var definition = _catalog.Definitions.FirstOrDefault(d => d.Custom?.CrdName == name);
        var resource = definition is null ? null : new ApiResource(definition, definition.StorageVersion);
        var prefix = definition?.StoragePrefix ?? $"/registry/{crd.Obj("spec").Str("group")}/{crd.Obj("spec").Obj("names").Str("plural")}/";
        var remaining = (await _objects.Store.RangeAsync(new RangeRequest(prefix), cancellationToken).ConfigureAwait(false)).Items;
        if (remaining.Count > 0 && resource is not null)
        {
            var storage = resource.Storage;
            foreach (var item in remaining.Select(kv => ObjectStore.Decode(kv).Object))
            {
                if (ObjectMetaAccess.IsDeleting(item))
                {
                    continue;
                }

                try
                {
                    await _deleter.DeleteAsync(storage, ObjectMetaAccess.Namespace(item), ObjectMetaAccess.Name(item)!, new DeleteOptions(null, null, null, null, false), cancellationToken).ConfigureAwait(false);
                }
                catch (ApiException e) when (e.Reason == "NotFound")
                {
                }
            }

            remaining = (await _objects.Store.RangeAsync(new RangeRequest(prefix), cancellationToken).ConfigureAwait(false)).Items;
        }

        if (remaining.Count > 0)
        {
            // Objects held by their finalizers: look again shortly (upstream's controller polls too).
            Log.WaitingForInstances(_log, name, remaining.Count);
            Requeue(name, cancellationToken);
            return;
        }

        var released = (JsonObject)current.Object.DeepClone();
        ObjectMetaAccess.SetFinalizers(released, ObjectMetaAccess.Finalizers(released).Where(f => f != CustomResourceCleanupPolicy.Finalizer).ToList());
        await _writer.UpdateAsync(_crds, released, current, null, WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
        StopServing(name);
    }

    private void Serve(string name, JsonObject crd, bool terminating)
    {
        var fingerprint = $"{terminating}|{crd["spec"]?.ToJsonString()}|{crd.Obj("status").Obj("acceptedNames")?.ToJsonString()}";
        if (_served.TryGetValue(name, out var previous) && previous == fingerprint)
        {
            return;
        }

        var definition = CustomResourceDefinitions.ToDefinition(crd, terminating, webhookConverter: _webhookConverter);
        if (_catalog.Definitions.FirstOrDefault(d => d.Custom?.CrdName == name) is { } old && (old.Group != definition.Group || old.Plural != definition.Plural))
        {
            _catalog.Remove(old.Group, old.Plural);
        }

        _catalog.Replace(definition);
        _served[name] = fingerprint;
        Log.Serving(_log, name, string.Join(",", definition.Served.Select(r => r.Version)), terminating);
    }

    private void StopServing(string name)
    {
        _served.TryRemove(name, out _);
        if (_catalog.Definitions.FirstOrDefault(d => d.Custom?.CrdName == name) is { } definition)
        {
            _catalog.Remove(definition.Group, definition.Plural);
            Log.Stopped(_log, name);
        }
    }

    private async Task<StoredObject> WriteStatusAsync(StoredObject current, JsonObject status, CancellationToken cancellationToken)
    {
        if (JsonNode.DeepEquals(current.Object["status"], status))
        {
            return current;
        }

        var updated = (JsonObject)current.Object.DeepClone();
        updated["status"] = status;
        return await _writer.UpdateAsync(_crds, updated, current, "status", WriteOptions.Default(), cancellationToken).ConfigureAwait(false);
    }

    private static bool IsTrue(JsonObject crd, string type) =>
        crd.Obj("status").Arr("conditions").Objects().Any(c => c.Item.Str("type") == type && c.Item.Str("status") == "True");

    // A condition keeps its lastTransitionTime while its status stays the same, as upstream's SetCRDCondition.
    private static void SetCondition(JsonObject status, string type, bool value, string reason, string message, string now)
    {
        if (status["conditions"] is not JsonArray conditions)
        {
            conditions = [];
            status["conditions"] = conditions;
        }

        var text = value ? "True" : "False";
        var existing = conditions.Objects().FirstOrDefault(c => c.Item.Str("type") == type).Item;
        var transition = existing is not null && existing.Str("status") == text ? existing["lastTransitionTime"]?.DeepClone() : now;
        var condition = new JsonObject
        {
            ["type"] = type,
            ["status"] = text,
            ["lastTransitionTime"] = transition,
            ["reason"] = reason,
            ["message"] = message,
        };
        if (existing is null)
        {
            conditions.Add(condition);
        }
        else
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "serving custom resources of {Crd} in versions {Versions} (terminating: {Terminating})")]
        public static partial void Serving(ILogger logger, string crd, string versions, bool terminating);

        [LoggerMessage(Level = LogLevel.Information, Message = "stopped serving custom resources of {Crd}")]
        public static partial void Stopped(ILogger logger, string crd);

        [LoggerMessage(Level = LogLevel.Warning, Message = "custom resources of {Crd} are not served: {Reason}")]
        public static partial void NotServed(ILogger logger, string crd, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "{Crd} is terminating: waiting for {Count} objects to finish deleting")]
        public static partial void WaitingForInstances(ILogger logger, string crd, int count);

        [LoggerMessage(Level = LogLevel.Information, Message = "reconciling {Crd} failed, retrying: {Reason}")]
        public static partial void ReconcileFailed(ILogger logger, string crd, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "the watch of CustomResourceDefinitions was lost, listing again: {Reason}")]
        public static partial void Rewatching(ILogger logger, string reason);
    }
}
