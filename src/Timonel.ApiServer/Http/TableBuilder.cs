using System.Text.Json.Nodes;
using Timonel.ApiServer.Registry;
using Timonel.Registry.Resources;
using Timonel.Registry.Tables;

namespace Timonel.ApiServer.Http;

/// <summary>Builds meta.k8s.io/v1 Table and PartialObjectMetadata(List) responses.</summary>
internal static class TableBuilder
{
    /// <summary>
    /// As <see cref="Table"/>; a webhook-converted resource's objects are converted first (in one
    /// request) and its cells read from the request's version, as upstream prints the object it
    /// decoded in that version, so a failing webhook fails `kubectl get` too.
    /// </summary>
    public static async Task<JsonObject> TableAsync(ApiResource resource, IReadOnlyList<JsonObject> items, JsonObject listMeta, string? includeObject, DateTimeOffset now, CancellationToken cancellationToken, bool withColumns = true)
    {
        if (!resource.ConvertsRemotely)
        {
            return Table(resource, items, listMeta, includeObject, now, withColumns);
        }

        var views = await resource.FromStorageAsync(items, cancellationToken).ConfigureAwait(false);
        return Table(resource, views, listMeta, includeObject, now, withColumns, views);
    }

    public static JsonObject Table(ApiResource resource, IEnumerable<JsonObject> items, JsonObject listMeta, string? includeObject, DateTimeOffset now, bool withColumns = true, IReadOnlyList<JsonObject>? views = null)
    {
        if (views is null && resource.Definition.Custom is not null && !resource.ConvertsRemotely)
        {
            // A custom resource's columns read the object as its version's schema decodes it
            // (pruned, defaulted, converted), as upstream prints the object of the request's version.
            var list = items.ToList();
            views = list.Select(resource.FromStorage).ToList();
            items = views;
        }

        var convertor = TableConvertors.For(resource);
        var table = new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMeta,
        };
        if (withColumns)
        {
            table["columnDefinitions"] = new JsonArray(convertor.Columns.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["type"] = c.Type,
                ["format"] = c.Format,
                ["description"] = c.Description,
                ["priority"] = c.Priority,
            }).ToArray());
        }

        var rows = new JsonArray();
        var index = 0;
        foreach (var item in items)
        {
            var view = views?[index];
            index++;
            var row = new JsonObject
            {
                ["cells"] = new JsonArray(convertor.Cells(item, now).Select(Cell).ToArray()),
            };
            switch (includeObject)
            {
                case "None":
                    break;
                case "Object":
                    // The object in the request's version; the cells come from the stored form.
                    row["object"] = view?.DeepClone() ?? (resource.IsStorageVersion ? item.DeepClone() : resource.FromStorage(item));
                    break;
                default:
                    row["object"] = PartialMetadata(item);
                    break;
            }

            rows.Add(row);
        }

        table["rows"] = rows;
        return table;
    }

    public static JsonObject PartialMetadata(JsonObject item) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = item["metadata"]?.DeepClone(),
    };

    public static JsonObject PartialMetadataList(IEnumerable<JsonObject> items, JsonObject listMeta) => new()
    {
        ["kind"] = "PartialObjectMetadataList",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = listMeta,
        ["items"] = new JsonArray(items.Select(i => (JsonNode)PartialMetadata(i)).ToArray()),
    };

    private static JsonNode? Cell(object? value) => value switch
    {
        null => null,
        string s => JsonValue.Create(s),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create(i),
        bool b => JsonValue.Create(b),
        double d => JsonValue.Create(d),
        JsonNode n => n.DeepClone(),
        _ => JsonValue.Create(value.ToString()),
    };
}
