namespace Timonel.Registry.Protobuf;

/// <summary>One field of a Kubernetes API protobuf message.</summary>
/// <param name="Number">The protobuf field number.</param>
/// <param name="JsonName">The JSON property name (go-to-protobuf names fields after their JSON names).</param>
/// <param name="Type">A scalar ("string", "int32", "int64", "bool", "double", "float", "bytes") or a message's full name.</param>
/// <param name="IsMap">map&lt;string, Type&gt;: entries with key = 1, value = 2.</param>
/// <param name="IsRepeated">A list.</param>
/// <param name="IsInline">JSON merges this field's object into the parent.</param>
/// <param name="OmitZero">JSON leaves a zero value out (a Go value field with omitempty).</param>
public sealed record ProtoField(int Number, string JsonName, string Type, bool IsMap, bool IsRepeated, bool IsInline, bool OmitZero);

/// <summary>
/// The field numbers of the Kubernetes API messages, from the embedded table that
/// scripts/dev/gen-proto-fields.py derives from the published generated.proto files.
/// </summary>
public sealed class ProtoSchema
{
    private readonly Dictionary<string, Dictionary<int, ProtoField>> _messages;

    private ProtoSchema(Dictionary<string, Dictionary<int, ProtoField>> messages) => _messages = messages;

    public static ProtoSchema Load()
    {
        using var stream = typeof(ProtoSchema).Assembly.GetManifestResourceStream("kube-proto-fields.txt")
            ?? throw new InvalidOperationException("the embedded protobuf field table is missing from Timonel.Api");
        using var reader = new StreamReader(stream);
        var messages = new Dictionary<string, Dictionary<int, ProtoField>>(StringComparer.Ordinal);
        Dictionary<int, ProtoField>? current = null;
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("message ", StringComparison.Ordinal))
            {
                current = [];
                messages[line[8..]] = current;
                continue;
            }

            var parts = line.Trim().Split(' ');
            var flags = parts.Skip(3).ToHashSet(StringComparer.Ordinal);
            var number = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            current![number] = new ProtoField(number, parts[1], parts[2], flags.Contains("map"), flags.Contains("repeated"), flags.Contains("inline"), flags.Contains("omitzero"));
        }

        return new ProtoSchema(messages);
    }

    public IReadOnlyDictionary<int, ProtoField>? Message(string fullName) => _messages.GetValueOrDefault(fullName);

    /// <summary>The message of a kind, e.g. ("apps", "v1", "Deployment") → k8s.io.api.apps.v1.Deployment.</summary>
    public string? MessageForKind(string group, string version, string kind)
    {
        var candidates = new[]
        {
            $"k8s.io.api.{(group.Length == 0 ? "core" : group.Split('.')[0])}.{version}.{kind}",
            $"k8s.io.apimachinery.pkg.apis.meta.{version}.{kind}",
        };
        return candidates.FirstOrDefault(_messages.ContainsKey);
    }
}
