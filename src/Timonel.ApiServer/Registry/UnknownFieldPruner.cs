using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Timonel.Registry.Schema;

namespace Timonel.ApiServer.Registry;

/// <summary>
/// Drops the fields a model type does not define, as upstream's decoder does when it turns the
/// request body into the typed object: with fieldValidation Warn or Ignore an unknown field is
/// reported (or not) and then never stored.
/// </summary>
/// <remarks>
/// Every create and update walks its whole object here, so the walk allocates nothing for an
/// object without unknown fields: scalars return at once and a field's path is only spelled
/// out when that field is removed. The walk is linear in the object, however many fields go.
/// </remarks>
internal static class UnknownFieldPruner
{
    /// <summary>Removes unknown fields from <paramref name="obj"/> in place; returns their paths ("spec.replica").</summary>
    public static IReadOnlyList<string> Prune(JsonObject obj, Type modelType)
    {
        var walk = new Walker();
        walk.Node(obj, modelType);
        return walk.Removed ?? (IReadOnlyList<string>)[];
    }

    private enum SegmentKind
    {
        Property,
        MapKey,
        Index,
    }

    private readonly record struct Segment(SegmentKind Kind, string? Key, int Index);

    private sealed class Walker
    {
        private readonly List<Segment> _path = [];

        public List<string>? Removed { get; private set; }

        public void Node(JsonNode? node, Type type)
        {
            if (node is not (JsonObject or JsonArray))
            {
                // A scalar (or null) has no fields to prune, whatever its declared type.
                return;
            }

            var shape = ModelShape.Of(Nullable.GetUnderlyingType(type) ?? type);
            if (shape.IsObject)
            {
                if (node is JsonObject obj)
                {
                    Object(obj, shape);
                }

                return;
            }

            if (shape.Element is not { } element)
            {
                return;
            }

            if (shape.IsMap && node is JsonObject map)
            {
                for (var i = 0; i < map.Count; i++)
                {
                    var (key, value) = map.GetAt(i);
                    _path.Add(new Segment(SegmentKind.MapKey, key, 0));
                    Node(value, element);
                    _path.RemoveAt(_path.Count - 1);
                }
            }
            else if (!shape.IsMap && node is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    _path.Add(new Segment(SegmentKind.Index, null, i));
                    Node(array[i], element);
                    _path.RemoveAt(_path.Count - 1);
                }
            }
        }

        private void Object(JsonObject obj, ModelShape shape)
        {
            List<int>? unknown = null;
            for (var i = 0; i < obj.Count; i++)
            {
                var (key, value) = obj.GetAt(i);
                _path.Add(new Segment(SegmentKind.Property, key, 0));
                if (shape.Properties.TryGetValue(key, out var propType))
                {
                    Node(value, propType);
                }
                else
                {
                    (unknown ??= []).Add(i);
                    (Removed ??= []).Add(Render());
                }

                _path.RemoveAt(_path.Count - 1);
            }

            if (unknown is not null)
            {
                RemoveAt(obj, unknown);
            }
        }

        /// <summary>
        /// Removes the members at <paramref name="indexes"/> (ascending). Each RemoveAt shifts the
        /// members after it, so many unknown fields (a 3 MiB body holds 100,000) are removed by
        /// rebuilding the object once instead.
        /// </summary>
        private static void RemoveAt(JsonObject obj, List<int> indexes)
        {
            if (indexes.Count <= 16)
            {
                for (var i = indexes.Count - 1; i >= 0; i--)
                {
                    obj.RemoveAt(indexes[i]);
                }

                return;
            }

            var doomed = indexes.ToHashSet();
            var kept = new List<KeyValuePair<string, JsonNode?>>(obj.Count - indexes.Count);
            for (var i = 0; i < obj.Count; i++)
            {
                if (!doomed.Contains(i))
                {
                    kept.Add(obj.GetAt(i));
                }
            }

            obj.Clear();
            foreach (var (key, value) in kept)
            {
                obj.Add(key, value);
            }
        }

        // Spelled as before: "a.b" for properties and map keys, "a[0]" for list items.
        private string Render()
        {
            var text = new StringBuilder();
            foreach (var segment in _path)
            {
                switch (segment.Kind)
                {
                    case SegmentKind.Property:
                        text.Append(text.Length == 0 ? "" : ".").Append(segment.Key);
                        break;
                    case SegmentKind.MapKey:
                        text.Append('.').Append(segment.Key);
                        break;
                    default:
                        text.Append('[').Append(segment.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
                        break;
                }
            }

            return text.ToString();
        }
    }
}
