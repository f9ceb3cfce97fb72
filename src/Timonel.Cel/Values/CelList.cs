using System.Text.Json.Nodes;

namespace Timonel.Cel.Values;

/// <summary>A CEL list: literal lists, concatenations, and JSON arrays read in place.</summary>
public abstract class CelList : CelValue
{
    public override CelType Type => CelType.List;

    public abstract int Count { get; }

    public abstract CelValue this[int index] { get; }

    public IEnumerable<CelValue> Items()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    public override string ToString() => "[" + string.Join(", ", Items()) + "]";
}

public sealed class CelArrayList(IReadOnlyList<CelValue> items) : CelList
{
    public static readonly CelArrayList Empty = new([]);

    public override int Count => items.Count;

    public override CelValue this[int index] => items[index];
}

/// <summary>A JSON array seen as a list; elements are wrapped when read, never copied.</summary>
internal sealed class CelJsonList(JsonArray array, CelType? elementType = null) : CelList
{
    public override int Count => array.Count;

    public override CelValue this[int index] => CelJson.From(array[index], elementType);
}

/// <summary>
/// `a + b` for lists without copying either side. The comprehension of `map` and `filter` adds one
/// element per step; a chain of these is flattened into an array when it grows deep, so reads stay cheap.
/// </summary>
internal sealed class CelConcatList : CelList
{
    private readonly CelList _left;
    private readonly CelList _right;
    private readonly int _depth;

    private CelConcatList(CelList left, CelList right, int depth)
    {
        _left = left;
        _right = right;
        _depth = depth;
        Count = left.Count + right.Count;
    }

    public override int Count { get; }

    public override CelValue this[int index] => index < _left.Count ? _left[index] : _right[index - _left.Count];

    public static CelList Of(CelList left, CelList right)
    {
        if (left.Count == 0)
        {
            return right;
        }
        if (right.Count == 0)
        {
            return left;
        }
        var depth = Math.Max(left is CelConcatList l ? l._depth : 0, right is CelConcatList r ? r._depth : 0) + 1;
        if (depth <= 16)
        {
            return new CelConcatList(left, right, depth);
        }
        var items = new CelValue[left.Count + right.Count];
        Copy(left, items, 0);
        Copy(right, items, left.Count);
        return new CelArrayList(items);
    }

    private static void Copy(CelList list, CelValue[] into, int offset)
    {
        if (list is CelConcatList c)
        {
            Copy(c._left, into, offset);
            Copy(c._right, into, offset + c._left.Count);
            return;
        }
        for (var i = 0; i < list.Count; i++)
        {
            into[offset + i] = list[i];
        }
    }
}
