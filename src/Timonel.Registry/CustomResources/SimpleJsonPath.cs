using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// The JSONPath subset printer columns and scale paths use (kubectl's jsonpath without ranges
/// or functions): fields (".spec.replicas"), quoted keys ("['a.b']"), indices ("[0]", "[-1]"),
/// wildcards ("[*]") and equality filters ("[?(@.type=="Ready")]"). Braces around the whole
/// path ("{.spec}") are accepted as upstream's parser does.
/// </summary>
public sealed class SimpleJsonPath
{
    private readonly IReadOnlyList<Step> _steps;

    private SimpleJsonPath(IReadOnlyList<Step> steps, string? error)
    {
        _steps = steps;
        Error = error;
    }

    /// <summary>Why the path does not parse, or null.</summary>
    public string? Error { get; }

    private abstract record Step;

    private sealed record Field(string Name) : Step;

    private sealed record Index(int Value) : Step;

    private sealed record Wildcard : Step;

    private sealed record Filter(IReadOnlyList<string> Path, string Value) : Step;

    public static SimpleJsonPath Parse(string text)
    {
        var s = text.Trim();
        if (s.StartsWith('{') && s.EndsWith('}'))
        {
            s = s[1..^1].Trim();
        }

        var steps = new List<Step>();
        var i = 0;
        if (s.StartsWith('$'))
        {
            i = 1;
        }

        while (i < s.Length)
        {
            switch (s[i])
            {
                case '.':
                    i++;
                    var start = i;
                    while (i < s.Length && s[i] is not ('.' or '['))
                    {
                        i++;
                    }

                    if (i > start)
                    {
                        steps.Add(new Field(s[start..i]));
                    }

                    break;
                case '[':
                    var close = FindClose(s, i);
                    if (close < 0)
                    {
                        return Failed($"unterminated array in {text}");
                    }

                    var inner = s[(i + 1)..close].Trim();
                    i = close + 1;
                    if (inner == "*")
                    {
                        steps.Add(new Wildcard());
                    }
                    else if (int.TryParse(inner, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n))
                    {
                        steps.Add(new Index(n));
                    }
                    else if (inner.Length >= 2 && inner[0] is '\'' or '"' && inner[^1] == inner[0])
                    {
                        steps.Add(new Field(inner[1..^1]));
                    }
                    else if (ParseFilter(inner) is { } filter)
                    {
                        steps.Add(filter);
                    }
                    else
                    {
                        return Failed($"unrecognized character in action: [{inner}]");
                    }

                    break;
                default:
                    if (steps.Count == 0 && i == 0)
                    {
                        // "spec.replicas" without the leading dot reads the same.
                        s = "." + s;
                        continue;
                    }

                    return Failed($"unrecognized character in action: {s[i]}");
            }
        }

        return new SimpleJsonPath(steps, null);

        static SimpleJsonPath Failed(string error) => new([], error);
    }

    /// <summary>The first value the path finds in <paramref name="root"/>, or null.</summary>
    public JsonNode? First(JsonNode? root) => Error is null ? Find(root, 0).FirstOrDefault(n => n is not null) : null;

    private IEnumerable<JsonNode?> Find(JsonNode? node, int step)
    {
        if (node is null)
        {
            yield break;
        }

        if (step == _steps.Count)
        {
            yield return node;
            yield break;
        }

        switch (_steps[step])
        {
            case Field f when node is JsonObject obj && obj.TryGetPropertyValue(f.Name, out var child):
                foreach (var r in Find(child, step + 1))
                {
                    yield return r;
                }

                break;
            case Index ix when node is JsonArray arr:
                var at = ix.Value < 0 ? arr.Count + ix.Value : ix.Value;
                if (at >= 0 && at < arr.Count)
                {
                    foreach (var r in Find(arr[at], step + 1))
                    {
                        yield return r;
                    }
                }

                break;
            case Wildcard:
                var items = node switch
                {
                    JsonArray a => a.ToList(),
                    JsonObject o => o.Select(p => p.Value).ToList(),
                    _ => [],
                };
                foreach (var item in items)
                {
                    foreach (var r in Find(item, step + 1))
                    {
                        yield return r;
                    }
                }

                break;
            case Filter filter when node is JsonArray arr:
                foreach (var item in arr)
                {
                    JsonNode? value = item;
                    foreach (var key in filter.Path)
                    {
                        value = (value as JsonObject)?[key];
                    }

                    if (value is JsonValue v && Scalar(v) == filter.Value)
                    {
                        foreach (var r in Find(item, step + 1))
                        {
                            yield return r;
                        }
                    }
                }

                break;
        }
    }

    private static string? Scalar(JsonValue v) => v.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
        _ => v.ToJsonString(),
    };

    private static int FindClose(string s, int open)
    {
        char? quote = null;
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            var c = s[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '[')
            {
                depth++;
            }
            else if (c == ']' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    // ?(@.a.b=="x") or ?(@.a=='x') or ?(@.a==1)
    private static Filter? ParseFilter(string inner)
    {
        if (!inner.StartsWith("?(", StringComparison.Ordinal) || !inner.EndsWith(')'))
        {
            return null;
        }

        var body = inner[2..^1].Trim();
        var eq = body.IndexOf("==", StringComparison.Ordinal);
        if (eq < 0 || !body.StartsWith("@.", StringComparison.Ordinal))
        {
            return null;
        }

        var path = body[2..eq].Trim().Split('.', StringSplitOptions.RemoveEmptyEntries);
        var value = body[(eq + 2)..].Trim();
        if (value.Length >= 2 && value[0] is '\'' or '"' && value[^1] == value[0])
        {
            value = value[1..^1];
        }

        return path.Length == 0 ? null : new Filter(path, value);
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var step in _steps)
        {
            sb.Append(step switch
            {
                Field f => "." + f.Name,
                Index i => $"[{i.Value}]",
                Wildcard => "[*]",
                Filter f => $"[?(@.{string.Join('.', f.Path)}==\"{f.Value}\")]",
                _ => "",
            });
        }

        return sb.ToString();
    }
}
