using System.Text.Json.Nodes;
using Timonel.Api.Errors;

namespace Timonel.Api.Serialization;

/// <summary>
/// Turns a <see cref="YamlGraphNode"/> into JSON, expanding aliases under go-yaml's bound: every
/// node produced counts, and once more than 100 of over 1000 come from aliases, their share may
/// not pass 99% (falling to 10% between 400,000 and 4,000,000 nodes). An absolute cap of
/// <see cref="DecodeLimits.MaxAliasNodes"/> expanded nodes and <see cref="DecodeLimits.MaxDepth"/>
/// levels (aliases can nest deeper than the text) come on top.
/// </summary>
internal sealed class YamlExpansion
{
    private const int RatioRangeLow = 400_000;
    private const int RatioRangeHigh = 4_000_000;

    // The anchors being expanded right now: meeting one again means it contains itself.
    private readonly HashSet<YamlGraphNode> _expanding = [];
    private long _nodes;
    private long _aliasNodes;
    private int _depth;

    public static JsonNode? ToJson(YamlGraphNode root) => new YamlExpansion().Convert(root);

    private JsonNode? Convert(YamlGraphNode node)
    {
        Count(node);
        switch (node)
        {
            case YamlGraphScalar scalar:
                return YamlScalars.Resolve(scalar);
            case YamlGraphAlias alias:
                return Expand(alias);
            case YamlGraphSequence seq:
                Enter(node);
                var array = new JsonArray();
                foreach (var item in seq.Items)
                {
                    array.Add(Convert(item));
                }

                _depth--;
                return array;
            case YamlGraphMapping map:
                Enter(node);
                var obj = new JsonObject();
                foreach (var (key, value) in map.Entries)
                {
                    var name = KeyName(key);
                    if (!obj.TryAdd(name, Convert(value)))
                    {
                        throw ApiException.BadRequest($"the request body is not valid YAML: the key \"{name}\" appears twice in one mapping (line {key.Start.Line}, column {key.Start.Column})");
                    }
                }

                _depth--;
                return obj;
            default:
                throw YamlGraphReader.Invalid("unsupported node", node.Start);
        }
    }

    private string KeyName(YamlGraphNode key)
    {
        Count(key);
        var scalar = key switch
        {
            YamlGraphScalar s => s,
            YamlGraphAlias { Target: YamlGraphScalar target } => target,
            _ => throw ApiException.BadRequest($"the request body is not valid YAML: mapping keys must be strings (line {key.Start.Line}, column {key.Start.Column})"),
        };
        return YamlScalars.KeyText(scalar);
    }

    private JsonNode? Expand(YamlGraphAlias alias)
    {
        if (!_expanding.Add(alias.Target))
        {
            throw YamlGraphReader.Invalid($"anchor '{alias.Name}' value contains itself", alias.Start);
        }

        try
        {
            return Convert(alias.Target);
        }
        finally
        {
            _expanding.Remove(alias.Target);
        }
    }

    private void Enter(YamlGraphNode node)
    {
        if (++_depth > DecodeLimits.MaxDepth)
        {
            throw YamlGraphReader.Invalid($"exceeded max depth of {DecodeLimits.MaxDepth}", node.Start);
        }
    }

    private void Count(YamlGraphNode node)
    {
        _nodes++;
        if (_expanding.Count > 0)
        {
            _aliasNodes++;
        }

        if (_aliasNodes > DecodeLimits.MaxAliasNodes
            || (_aliasNodes > 100 && _nodes > 1000 && (double)_aliasNodes / _nodes > AllowedAliasRatio(_nodes)))
        {
            throw YamlGraphReader.Invalid("document contains excessive aliasing", node.Start);
        }
    }

    private static double AllowedAliasRatio(long nodes) => nodes switch
    {
        <= RatioRangeLow => 0.99,
        >= RatioRangeHigh => 0.10,
        _ => 0.99 - (0.89 * (nodes - RatioRangeLow) / (RatioRangeHigh - RatioRangeLow)),
    };
}
