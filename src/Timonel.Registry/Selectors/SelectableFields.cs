using System.Collections.Frozen;
using System.Text.Json.Nodes;
using Timonel.Api.Selectors;

namespace Timonel.Registry.Selectors;

/// <summary>
/// The field selector labels one kind accepts, how to read each from an object, and the error
/// text for any other label (upstream's field label conversion func plus ToSelectableFields).
/// </summary>
internal sealed class SelectableFields
{
    private readonly FrozenDictionary<string, Func<JsonObject, string>> _readers;
    private readonly Func<string, string> _unsupportedMessage;

    public SelectableFields(IEnumerable<KeyValuePair<string, Func<JsonObject, string>>> readers, Func<string, string> unsupportedMessage)
    {
        _readers = readers.ToFrozenDictionary(StringComparer.Ordinal);
        _unsupportedMessage = unsupportedMessage;
        Names = _readers.Keys.ToFrozenSet(StringComparer.Ordinal);
    }

    public FrozenSet<string> Names { get; }

    public string UnsupportedMessage(string field) => _unsupportedMessage(field);

    public Dictionary<string, string> Read(JsonObject obj)
    {
        var values = new Dictionary<string, string>(_readers.Count, StringComparer.Ordinal);
        foreach (var (name, read) in _readers)
        {
            values[name] = read(obj);
        }

        return values;
    }
}
