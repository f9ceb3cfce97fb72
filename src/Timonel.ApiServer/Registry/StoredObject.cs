using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Registry;

/// <summary>An object read from the store, with metadata.resourceVersion already set from its mod revision.</summary>
internal sealed record StoredObject(JsonObject Object, long ModRevision);
