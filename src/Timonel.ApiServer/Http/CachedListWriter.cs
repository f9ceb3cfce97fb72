using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Timonel.ApiServer.Registry;
using Timonel.ApiServer.Watch;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Http;

/// <summary>
/// Writes a list served by the watch cache. A plain list is assembled from each object's
/// shared, already serialized bytes (no parse, no copy of the tree); a Table or metadata list
/// works on copies, as the cache's objects are shared with every reader.
/// </summary>
internal static class CachedListWriter
{
    private static readonly byte[] ItemsStart = ",\"items\":["u8.ToArray();
    private static readonly byte[] ListEnd = "]}"u8.ToArray();

    public static async Task WriteAsync(HttpContext context, ApiResource resource, ListOptions options, OutputKind output, List<DecodedEvent> items, long revision, TimeProvider time)
    {
        var filtered = !options.Labels.IsEmpty || !options.Fields.IsEmpty;
        var selected = filtered ? items.Where(d => options.Matches(resource, d.Object!)).ToList() : items;
        var listMeta = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (output != OutputKind.Object)
        {
            var objects = selected.Select(d => (JsonObject)d.Object!.DeepClone()).ToList();
            JsonObject body = output == OutputKind.Table
                ? TableBuilder.Table(resource, objects, listMeta, context.Request.Query["includeObject"], time.GetUtcNow())
                : TableBuilder.PartialMetadataList(objects, listMeta);
            await ResponseBody.WriteJsonAsync(context, body, 200).ConfigureAwait(false);
            return;
        }

        using var buffer = new MemoryStream();
        var head = new JsonObject { ["kind"] = resource.ListKind, ["apiVersion"] = resource.ApiVersion, ["metadata"] = listMeta };
        var headBytes = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(head, Api.Serialization.GoJsonEncoder.SerializerOptions);
        // {"kind":..,"apiVersion":..,"metadata":{..}  then  ,"items":[a,b,...]}
        buffer.Write(headBytes, 0, headBytes.Length - 1);
        buffer.Write(ItemsStart);
        for (var i = 0; i < selected.Count; i++)
        {
            if (i > 0)
            {
                buffer.WriteByte((byte)',');
            }

            buffer.Write(selected[i].ObjectJsonIn(resource)!);
        }

        buffer.Write(ListEnd);
        await ResponseBody.WriteJsonDocumentAsync(context, "application/json", buffer.ToArray()).ConfigureAwait(false);
    }
}
