using YamlDotNet.Core;

namespace Timonel.Api.Serialization;

/// <summary>
/// A YAML document as parsed, before conversion: aliases stay references to their anchored
/// node, so a small document stays small here however far its aliases would expand.
/// </summary>
internal abstract class YamlGraphNode(Mark start)
{
    public Mark Start { get; } = start;
}

internal sealed class YamlGraphScalar(Mark start, string value, ScalarStyle style, string? tag) : YamlGraphNode(start)
{
    public string Value { get; } = value;

    public ScalarStyle Style { get; } = style;

    public string? Tag { get; } = tag;
}

internal sealed class YamlGraphSequence(Mark start) : YamlGraphNode(start)
{
    public List<YamlGraphNode> Items { get; } = [];
}

internal sealed class YamlGraphMapping(Mark start) : YamlGraphNode(start)
{
    public List<KeyValuePair<YamlGraphNode, YamlGraphNode>> Entries { get; } = [];
}

/// <summary>A use of an anchor (<c>*name</c>): expanding it copies <see cref="Target"/>.</summary>
internal sealed class YamlGraphAlias(Mark start, string name, YamlGraphNode target) : YamlGraphNode(start)
{
    public string Name { get; } = name;

    public YamlGraphNode Target { get; } = target;
}
