using System.Text;
using System.Text.Json.Nodes;

namespace Timonel.Cli.Bench.Fuzz;

/// <summary>
/// Mutations of valid inputs: at the byte level (flips, cuts, splices, invalid UTF-8, a BOM)
/// and at the JSON level (a field given a value of another type, unknown keys, deep nesting).
/// Deterministic for a given <see cref="Random"/>.
/// </summary>
internal sealed class Mutator(Random random)
{
    private static readonly byte[][] Tokens =
    [
        "\""u8.ToArray(), "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), ":"u8.ToArray(), ","u8.ToArray(),
        "null"u8.ToArray(), "1e400"u8.ToArray(), "-0"u8.ToArray(), "18446744073709551616"u8.ToArray(), "\\u0000"u8.ToArray(),
        "\\ud800"u8.ToArray(), [0xC3, 0x28], [0xFF], [0xEF, 0xBB, 0xBF], [0x00], "&a"u8.ToArray(), "*a"u8.ToArray(), "\n- "u8.ToArray(),
        "!!binary "u8.ToArray(), "%YAML 1.1\n"u8.ToArray(), "<<: "u8.ToArray(), "é"u8.ToArray(),
    ];

    /// <summary>Values of every JSON type and some edge cases, to put where another type belongs.</summary>
    public JsonNode? OddValue() => random.Next(16) switch
    {
        0 => new JsonArray(),
        1 => new JsonObject(),
        2 => null,
        3 => JsonValue.Create(""),
        4 => JsonValue.Create(-1),
        5 => JsonValue.Create(long.MaxValue),
        6 => JsonValue.Create(1.5),
        7 => JsonValue.Create(true),
        8 => JsonValue.Create("-1Gi"),
        9 => JsonValue.Create(new string('x', random.Next(1, 70_000))),
        10 => JsonValue.Create("ünknown\u0000\u202e"),
        11 => new JsonArray(JsonValue.Create(1), new JsonObject { ["a"] = new JsonArray() }),
        12 => Nested(random.Next(50, 400)),
        13 => JsonValue.Create("a in ()"),
        14 => JsonValue.Create(int.MinValue),
        _ => JsonValue.Create("80"),
    };

    /// <summary>A JSON-level change to a copy of <paramref name="seed"/>.</summary>
    public JsonNode MutateJson(JsonNode seed)
    {
        var copy = seed.DeepClone();
        var rounds = 1 + random.Next(3);
        for (var i = 0; i < rounds; i++)
        {
            var containers = Containers(copy).ToList();
            var target = containers[random.Next(containers.Count)];
            switch (random.Next(4))
            {
                case 0 when target is JsonObject obj && obj.Count > 0:
                    obj[obj.ElementAt(random.Next(obj.Count)).Key] = OddValue();
                    break;
                case 1 when target is JsonObject obj:
                    for (int k = 0, n = random.Next(1, random.Next(2) == 0 ? 4 : 3000); k < n; k++)
                    {
                        obj[UnknownKey(k)] = JsonValue.Create(k);
                    }

                    break;
                case 2 when target is JsonArray array:
                    array.Add(OddValue());
                    break;
                case 3 when target is JsonObject obj && obj.Count > 0:
                    obj.Remove(obj.ElementAt(random.Next(obj.Count)).Key);
                    break;
                default:
                    if (target is JsonObject o)
                    {
                        o[UnknownKey(0)] = OddValue();
                    }

                    break;
            }
        }

        return copy;
    }

    /// <summary>A byte-level change to a copy of <paramref name="input"/>.</summary>
    public byte[] MutateBytes(byte[] input)
    {
        var bytes = new List<byte>(input);
        var rounds = 1 + random.Next(4);
        for (var i = 0; i < rounds; i++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16)));
                    break;
                case 2:
                    bytes.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 3 when bytes.Count > 0:
                    var length = Math.Min(bytes.Count - at, 1 + random.Next(64));
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
                case 4:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default:
                    var noise = new byte[1 + random.Next(8)];
                    random.NextBytes(noise);
                    bytes.InsertRange(at, noise);
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>A string for a query parameter: mostly printable, with the characters parsers trip on.</summary>
    public string OddText(int maxLength)
    {
        const string Alphabet = "abcxyz019-_./=!,() \t&|<>~*%\"'\\\u0000\u00e9\u202e\ud83d\ude00";
        var length = random.Next(maxLength + 1);
        var b = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            b.Append(Alphabet[random.Next(Alphabet.Length)]);
        }

        return b.ToString();
    }

    private string UnknownKey(int index) => random.Next(5) switch
    {
        0 => $"unknownField\u00e9{index}",
        1 => $"x-{index}",
        2 => $"\u00fcnknown{index}",
        3 => $"\"quoted\"{index}",
        _ => $"k{index}",
    };

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++)
        {
            node = new JsonArray(node);
        }

        return node;
    }

    private static IEnumerable<JsonNode> Containers(JsonNode root)
    {
        yield return root;
        var children = root switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is JsonObject or JsonArray)
            {
                foreach (var nested in Containers(child))
                {
                    yield return nested;
                }
            }
        }
    }
}
