using Timonel.Api.Errors;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Timonel.Api.Serialization;

/// <summary>
/// Reads one YAML document from parser events into a <see cref="YamlGraphNode"/> without
/// recursion (YamlDotNet's own YamlStream recurses once per nesting level, so a body of a
/// million '[' would overflow the stack) and refuses nesting deeper than
/// <see cref="DecodeLimits.MaxDepth"/>.
/// </summary>
internal static class YamlGraphReader
{
    /// <summary>The document's root, or null for an empty stream.</summary>
    public static YamlGraphNode? Read(IParser parser)
    {
        var anchors = new Dictionary<string, YamlGraphNode>(StringComparer.Ordinal);
        var open = new Stack<YamlGraphNode>();
        YamlGraphNode? pendingKey = null;
        var pendingKeys = new Stack<YamlGraphNode?>();
        YamlGraphNode? root = null;
        var documents = 0;

        while (parser.MoveNext())
        {
            YamlGraphNode? node = null;
            switch (parser.Current)
            {
                case DocumentStart:
                    if (++documents > 1)
                    {
                        throw ApiException.BadRequest("the request body holds several YAML documents: send one object per request");
                    }

                    break;
                case Scalar s:
                    node = Anchor(anchors, s, new YamlGraphScalar(s.Start, s.Value, s.Style, s.Tag.IsEmpty ? null : s.Tag.Value));
                    break;
                case AnchorAlias a:
                    node = anchors.TryGetValue(a.Value.Value, out var target)
                        ? new YamlGraphAlias(a.Start, a.Value.Value, target)
                        : throw Invalid($"unknown anchor '{a.Value.Value}' referenced", a.Start);
                    break;
                case SequenceStart q:
                    Open(anchors, open, pendingKeys, ref pendingKey, q, new YamlGraphSequence(q.Start));
                    continue;
                case MappingStart m:
                    Open(anchors, open, pendingKeys, ref pendingKey, m, new YamlGraphMapping(m.Start));
                    continue;
                case SequenceEnd or MappingEnd:
                    node = open.Pop();
                    pendingKey = pendingKeys.Pop();
                    break;
            }

            if (node is null)
            {
                continue;
            }

            // A finished node goes into its parent: a list item, a mapping key, or a key's value.
            switch (open.Count == 0 ? null : open.Peek())
            {
                case null:
                    root = node;
                    break;
                case YamlGraphSequence seq:
                    seq.Items.Add(node);
                    break;
                case YamlGraphMapping when pendingKey is null:
                    pendingKey = node;
                    break;
                case YamlGraphMapping map:
                    map.Entries.Add(new(pendingKey, node));
                    pendingKey = null;
                    break;
            }
        }

        return root;
    }

    private static void Open(Dictionary<string, YamlGraphNode> anchors, Stack<YamlGraphNode> open, Stack<YamlGraphNode?> pendingKeys, ref YamlGraphNode? pendingKey, NodeEvent e, YamlGraphNode node)
    {
        if (open.Count >= DecodeLimits.MaxDepth)
        {
            throw Invalid($"exceeded max depth of {DecodeLimits.MaxDepth}", e.Start);
        }

        // Registered before its children are read, as go-yaml does, so an alias inside the
        // node's own value finds it (and expansion then refuses it as self-containing).
        Anchor(anchors, e, node);
        pendingKeys.Push(pendingKey);
        pendingKey = null;
        open.Push(node);
    }

    private static YamlGraphNode Anchor(Dictionary<string, YamlGraphNode> anchors, NodeEvent e, YamlGraphNode node)
    {
        if (!e.Anchor.IsEmpty)
        {
            anchors[e.Anchor.Value] = node;
        }

        return node;
    }

    public static ApiException Invalid(string what, Mark at) =>
        ApiException.BadRequest($"the request body is not valid YAML: yaml: line {at.Line}: {what}");
}
