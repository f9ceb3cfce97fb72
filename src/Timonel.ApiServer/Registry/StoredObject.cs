using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Registry;

/// <summary>An object read from the store, with metadata.resourceVersion already set from its mod revision.</summary>
/// <param name="Object">The object.</param>
/// <param name="ModRevision">Its mod revision.</param>
/// <param name="Stale">Stored under other than the current write key: an update writes it even when nothing changed (re-encryption).</param>
internal sealed record StoredObject(JsonObject Object, long ModRevision, bool Stale = false);
