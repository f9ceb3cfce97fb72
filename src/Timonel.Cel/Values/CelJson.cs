using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Timonel.Cel.Values;

/// <summary>
/// CEL views of System.Text.Json nodes, as a custom resource's fields arrive: objects are maps, arrays
/// lists, integral numbers int (else double). With a type from the schema (<see cref="Checking.CelSchemaTypes"/>)
/// values are read as Kubernetes reads them: numbers of a `number` field are doubles, strings of format
/// date-time/date, duration and byte are timestamps, durations and bytes.
/// </summary>
public static class CelJson
{
    public static CelValue From(JsonNode? node, CelType? type)
    {
        if (type is null || type.Equals(CelType.Dyn) || node is null)
        {
            return From(node);
        }
        switch (node)
        {
            case JsonObject o:
                return new CelJsonMap(o, type);
            case JsonArray a:
                return new CelJsonList(a, type.Name == "list" && type.Parameters.Count == 1 ? type.Parameters[0] : null);
        }
        var plain = From(node);
        return (type.Name, plain) switch
        {
            ("double", CelInt i) => new CelDouble(i.Value),
            ("int", CelDouble d) when d.Value == Math.Floor(d.Value) && Math.Abs(d.Value) < 9.2e18 => new CelInt((long)d.Value),
            ("google.protobuf.Timestamp", CelString s) => CelTimestamp.Parse(s.Value.Length == 10 ? s.Value + "T00:00:00Z" : s.Value),
            ("google.protobuf.Duration", CelString s) => CelDuration.Parse(s.Value),
            ("bytes", CelString s) => FromBase64(s.Value),
            _ => plain,
        };
    }

    private static CelValue FromBase64(string s)
    {
        try
        {
            return new CelBytes(Convert.FromBase64String(s));
        }
        catch (FormatException)
        {
            return new CelError("illegal base64 data");
        }
    }

    public static CelValue From(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return CelNull.Instance;
            case JsonObject o:
                return new CelJsonMap(o);
            case JsonArray a:
                return new CelJsonList(a);
        }
        var value = node.AsValue();
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                return new CelString(value.GetValue<string>());
            case JsonValueKind.True:
                return CelBool.True;
            case JsonValueKind.False:
                return CelBool.False;
            case JsonValueKind.Number:
                if (value.TryGetValue<long>(out var l))
                {
                    return new CelInt(l);
                }
                if (value.TryGetValue<int>(out var i))
                {
                    return new CelInt(i);
                }
                if (value.TryGetValue<JsonElement>(out var e))
                {
                    return e.TryGetInt64(out var el) ? new CelInt(el) : new CelDouble(e.GetDouble());
                }
                var text = value.ToJsonString();
                return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
                    ? new CelInt(parsed)
                    : new CelDouble(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
            default:
                return CelNull.Instance;
        }
    }
}
