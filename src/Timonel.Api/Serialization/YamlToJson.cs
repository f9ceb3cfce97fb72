using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Timonel.Api.Errors;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Timonel.Api.Serialization;

/// <summary>
/// Converts a YAML document to JSON the way Kubernetes' sigs.k8s.io/yaml does: plain scalars
/// that look like numbers, booleans or null become those JSON types; quoted ones stay strings.
/// </summary>
public static partial class YamlToJson
{
    public static JsonNode? Convert(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw ApiException.BadRequest($"the request body is not valid YAML: {e.Message}");
        }

        return stream.Documents.Count switch
        {
            0 => null,
            1 => ToNode(stream.Documents[0].RootNode),
            _ => throw ApiException.BadRequest("the request body holds several YAML documents: send one object per request"),
        };
    }

    private static JsonNode? ToNode(YamlNode node) => node switch
    {
        YamlMappingNode map => ToObject(map),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToNode).ToArray()),
        YamlScalarNode scalar => ToScalar(scalar),
        _ => throw ApiException.BadRequest($"unsupported YAML node at {node.Start}"),
    };

    private static JsonObject ToObject(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                throw ApiException.BadRequest($"YAML mapping keys must be strings (at {key.Start})");
            }

            if (!obj.TryAdd(name, ToNode(value)))
            {
                throw ApiException.BadRequest($"the YAML body repeats the key \"{name}\" (at {key.Start})");
            }
        }

        return obj;
    }

    private static JsonNode? ToScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
