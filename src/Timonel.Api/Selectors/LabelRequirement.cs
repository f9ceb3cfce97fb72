using System.Globalization;
using System.Text;
using Timonel.Api.Errors;

namespace Timonel.Api.Selectors;

/// <summary>
/// One term of a label selector: a key, an operator and its values. Immutable; build it with
/// <see cref="Create"/> (validated) or get it from <see cref="LabelSelector.Parse"/>.
/// </summary>
public sealed class LabelRequirement
{
    // An array so that matching loops without an enumerator (see LabelSelector.Matches).
    private readonly string[] _values;

    // The one value an equality (=, ==, one-value in) requires: the common case, matched by a
    // small method the JIT can inline into selector loops (the scheduler's per-node counts).
    private readonly string? _equalTo;

    private LabelRequirement(string key, SelectionOperator op, string[] values)
    {
        Key = key;
        Operator = op;
        _values = values;
        _equalTo = op is SelectionOperator.Equals or SelectionOperator.DoubleEquals or SelectionOperator.In && values.Length == 1 ? values[0] : null;
    }

    public string Key { get; }

    public SelectionOperator Operator { get; }

    /// <summary>The values (empty for Exists / DoesNotExist, one for the equality and Gt/Lt operators).</summary>
    public IReadOnlyList<string> Values => _values;

    /// <summary>Builds a validated requirement; throws ApiException 400 with upstream's message when it is not valid.</summary>
    public static LabelRequirement Create(string key, SelectionOperator op, IEnumerable<string> values)
    {
        var list = values.ToArray();
        var errors = Problems(key, op, list);
        return errors.Count == 0 ? new LabelRequirement(key, op, list) : throw ApiException.BadRequest(GoText.Aggregate(errors));
    }

    /// <summary>
    /// Upstream's NewRequirement checks: the key is a qualified name, the number of values fits the
    /// operator, Gt/Lt values are integers, every value is a valid label value. Messages as upstream's.
    /// </summary>
    internal static List<string> Problems(string key, SelectionOperator op, IReadOnlyList<string> values)
    {
        var errors = new List<string>();
        var keyErrors = LabelSyntax.KeyErrors(key);
        if (keyErrors.Count > 0)
        {
            errors.Add(GoText.Invalid("key", GoText.Quote(key), string.Join("; ", keyErrors)));
        }

        switch (op)
        {
            case SelectionOperator.In or SelectionOperator.NotIn when values.Count == 0:
                errors.Add(GoText.Invalid("values", GoText.JsonList(values), "for 'in', 'notin' operators, values set can't be empty"));
                break;
            case SelectionOperator.Equals or SelectionOperator.DoubleEquals or SelectionOperator.NotEquals when values.Count != 1:
                errors.Add(GoText.Invalid("values", GoText.JsonList(values), "exact-match compatibility requires one single value"));
                break;
            case SelectionOperator.Exists or SelectionOperator.DoesNotExist when values.Count != 0:
                errors.Add(GoText.Invalid("values", GoText.JsonList(values), "values set must be empty for exists and does not exist"));
                break;
            case SelectionOperator.GreaterThan or SelectionOperator.LessThan:
                if (values.Count != 1)
                {
                    errors.Add(GoText.Invalid("values", GoText.JsonList(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
                }

                for (var i = 0; i < values.Count; i++)
                {
                    if (!TryParseInteger(values[i], out _))
                    {
                        errors.Add(GoText.Invalid($"values[{i}]", GoText.Quote(values[i]), "for 'Gt', 'Lt' operators, the value must be an integer"));
                    }
                }

                break;
        }

        for (var i = 0; i < values.Count; i++)
        {
            var valueErrors = LabelSyntax.ValueErrors(values[i]);
            if (valueErrors.Count > 0)
            {
                errors.Add(GoText.Invalid($"values[{i}][{key}]", GoText.Quote(values[i]), string.Join("; ", valueErrors)));
            }
        }

        return errors;
    }

    /// <summary>Built by the parser, which has already checked what <see cref="Problems"/> checks.</summary>
    internal static LabelRequirement Unchecked(string key, SelectionOperator op, IReadOnlyList<string> values) => new(key, op, [.. values]);

    /// <summary>Whether the labels satisfy this requirement. NotEquals and NotIn also match when the key is missing.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        _equalTo is { } expected
            ? labels.TryGetValue(Key, out var actual) && string.Equals(actual, expected, StringComparison.Ordinal)
            : MatchesAny(labels);

    private bool MatchesAny(IReadOnlyDictionary<string, string> labels)
    {
        var has = labels.TryGetValue(Key, out var actual);
        switch (Operator)
        {
            case SelectionOperator.Equals or SelectionOperator.DoubleEquals or SelectionOperator.In:
                return has && Contains(actual!);
            case SelectionOperator.NotEquals or SelectionOperator.NotIn:
                return !has || !Contains(actual!);
            case SelectionOperator.Exists:
                return has;
            case SelectionOperator.DoesNotExist:
                return !has;
            case SelectionOperator.GreaterThan or SelectionOperator.LessThan:
                if (!has || Values.Count != 1 || !TryParseInteger(actual!, out var labelValue) || !TryParseInteger(Values[0], out var bound))
                {
                    return false;
                }

                return Operator == SelectionOperator.GreaterThan ? labelValue > bound : labelValue < bound;
            default:
                return false;
        }
    }

    /// <summary>The selector-syntax form, as upstream prints it: "a=b", "a in (x,y)", "!a", "a&gt;3".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Operator == SelectionOperator.DoesNotExist)
        {
            sb.Append('!');
        }

        sb.Append(Key);
        switch (Operator)
        {
            case SelectionOperator.Exists or SelectionOperator.DoesNotExist:
                return sb.ToString();
            case SelectionOperator.In or SelectionOperator.NotIn:
                sb.Append(Operator == SelectionOperator.In ? " in (" : " notin (");
                sb.Append(string.Join(",", Values.Order(StringComparer.Ordinal)));
                return sb.Append(')').ToString();
            default:
                sb.Append(Operator switch
                {
                    SelectionOperator.DoubleEquals => "==",
                    SelectionOperator.NotEquals => "!=",
                    SelectionOperator.GreaterThan => ">",
                    SelectionOperator.LessThan => "<",
                    _ => "=",
                });
                return sb.Append(string.Join(",", Values)).ToString();
        }
    }

    private bool Contains(string value)
    {
        var values = _values;
        for (var i = 0; i < values.Length; i++)
        {
            if (string.Equals(values[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, no spaces.
    private static bool TryParseInteger(string s, out long value) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
}
