using System.Text.Json.Nodes;

namespace Timonel.Api.FieldManagement;

/// <summary>
/// A set of field paths kept as a tree (upstream's fieldpath.Set): at each level the elements
/// that are members themselves, and the elements that have members below them. Children are
/// never empty. Paths are lists of <see cref="FieldPath"/> elements.
/// </summary>
public sealed class FieldSet
{
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FieldSet> _children = new(StringComparer.Ordinal);

    public bool IsEmpty => _members.Count == 0 && _children.Count == 0;

    public IReadOnlyCollection<string> Members => _members;

    public IReadOnlyDictionary<string, FieldSet> Children => _children;

    public void Insert(IReadOnlyList<string> path)
    {
        if (path.Count == 0)
        {
            return;
        }

        var node = this;
        for (var i = 0; i < path.Count - 1; i++)
        {
            node = node.ChildOrAdd(path[i]);
        }

        node._members.Add(path[^1]);
    }

    public bool Has(IReadOnlyList<string> path)
    {
        if (path.Count == 0)
        {
            return false;
        }

        var node = this;
        for (var i = 0; i < path.Count - 1; i++)
        {
            if (!node._children.TryGetValue(path[i], out node))
            {
                return false;
            }
        }

        return node._members.Contains(path[^1]);
    }

    /// <summary>True when the path or anything below it is in the set.</summary>
    public bool HasAtOrBelow(IReadOnlyList<string> path)
    {
        var node = this;
        for (var i = 0; i < path.Count; i++)
        {
            if (i == path.Count - 1 && node._members.Contains(path[i]))
            {
                return true;
            }

            if (!node._children.TryGetValue(path[i], out node))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Removes the path and everything below it.</summary>
    public void RemoveSubtree(IReadOnlyList<string> path)
    {
        if (path.Count == 0)
        {
            return;
        }

        if (path.Count == 1)
        {
            _members.Remove(path[0]);
            _children.Remove(path[0]);
            return;
        }

        if (_children.TryGetValue(path[0], out var child))
        {
            child.RemoveSubtree(path.Skip(1).ToList());
            if (child.IsEmpty)
            {
                _children.Remove(path[0]);
            }
        }
    }

    public FieldSet Union(FieldSet other)
    {
        var result = Clone();
        result.UnionWith(other);
        return result;
    }

    public void UnionWith(FieldSet other)
    {
        _members.UnionWith(other._members);
        foreach (var (element, child) in other._children)
        {
            ChildOrAdd(element).UnionWith(child);
        }
    }

    /// <summary>Members of this set not members of <paramref name="other"/>, level by level (not recursive: a member there does not remove children here).</summary>
    public FieldSet Difference(FieldSet other)
    {
        var result = new FieldSet();
        foreach (var member in _members)
        {
            if (!other._members.Contains(member))
            {
                result._members.Add(member);
            }
        }

        foreach (var (element, child) in _children)
        {
            var rest = other._children.TryGetValue(element, out var theirs) ? child.Difference(theirs) : child.Clone();
            if (!rest.IsEmpty)
            {
                result._children[element] = rest;
            }
        }

        return result;
    }

    public FieldSet Intersection(FieldSet other)
    {
        var result = new FieldSet();
        foreach (var member in _members)
        {
            if (other._members.Contains(member))
            {
                result._members.Add(member);
            }
        }

        foreach (var (element, child) in _children)
        {
            if (other._children.TryGetValue(element, out var theirs) && child.Intersection(theirs) is { IsEmpty: false } both)
            {
                result._children[element] = both;
            }
        }

        return result;
    }

    /// <summary>Every member path, parents before children, elements in order.</summary>
    public IEnumerable<IReadOnlyList<string>> Paths() => PathsUnder([]);

    public FieldSet Clone()
    {
        var copy = new FieldSet();
        copy._members.UnionWith(_members);
        foreach (var (element, child) in _children)
        {
            copy._children[element] = child.Clone();
        }

        return copy;
    }

    public bool SetEquals(FieldSet other) =>
        _members.SetEquals(other._members) && _children.Count == other._children.Count
        && _children.All(c => other._children.TryGetValue(c.Key, out var theirs) && c.Value.SetEquals(theirs));

    /// <summary>The FieldsV1 JSON form: each element a key, "." marking a member that also has children.</summary>
    public JsonObject ToFieldsV1()
    {
        var result = new JsonObject();
        foreach (var element in _members.Union(_children.Keys).Order(StringComparer.Ordinal))
        {
            if (_children.TryGetValue(element, out var child))
            {
                var body = new JsonObject();
                if (_members.Contains(element))
                {
                    body["."] = new JsonObject();
                }

                foreach (var (k, v) in child.ToFieldsV1())
                {
                    body[k] = v?.DeepClone();
                }

                result[element] = body;
            }
            else
            {
                result[element] = new JsonObject();
            }
        }

        return result;
    }

    /// <summary>Reads FieldsV1 JSON; null when it is not FieldsV1 (the caller decides what that means).</summary>
    public static FieldSet? FromFieldsV1(JsonNode? node)
    {
        if (node is not JsonObject obj)
        {
            return null;
        }

        var result = new FieldSet();
        foreach (var (key, value) in obj)
        {
            if (key == "." || value is not JsonObject body || FieldPath.Canonicalize(key) is not { } element)
            {
                return null;
            }

            if (body.Count == 0)
            {
                result._members.Add(element);
                continue;
            }

            if (body.ContainsKey("."))
            {
                result._members.Add(element);
            }

            var inner = new JsonObject(body.Where(p => p.Key != ".").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
            if (FromFieldsV1(inner) is not { } child)
            {
                return null;
            }

            if (!child.IsEmpty)
            {
                result._children[element] = child;
            }
        }

        return result;
    }

    public override string ToString() => string.Join("\n", Paths().Select(FieldPath.Display));

    private IEnumerable<IReadOnlyList<string>> PathsUnder(List<string> prefix)
    {
        foreach (var element in _members.Union(_children.Keys).Order(StringComparer.Ordinal))
        {
            var path = new List<string>(prefix) { element };
            if (_members.Contains(element))
            {
                yield return path;
            }

            if (_children.TryGetValue(element, out var child))
            {
                foreach (var below in child.PathsUnder(path))
                {
                    yield return below;
                }
            }
        }
    }

    private FieldSet ChildOrAdd(string element)
    {
        if (!_children.TryGetValue(element, out var child))
        {
            child = new FieldSet();
            _children[element] = child;
        }

        return child;
    }
}
