namespace Timonel.Registry.OpenApi;

/// <summary>
/// The descriptions of the KubernetesClient models (their XML doc summaries, extracted at build time
/// into an embedded resource): "V1Pod" for a type, "V1Pod.Spec" for a property.
/// </summary>
internal sealed class ModelDescriptions
{
    private const string ResourceName = "Timonel.Registry.OpenApi.k8s-model-docs.tsv";

    private readonly Dictionary<string, string> _byMember;

    private ModelDescriptions(Dictionary<string, string> byMember) => _byMember = byMember;

    /// <summary>No descriptions (when the extract is missing, documents still build).</summary>
    public static ModelDescriptions Empty { get; } = new(new Dictionary<string, string>());

    public int Count => _byMember.Count;

    /// <summary>Reads the embedded extract; empty when the build could not produce it.</summary>
    public static ModelDescriptions LoadEmbedded()
    {
        using var stream = typeof(ModelDescriptions).Assembly.GetManifestResourceStream(ResourceName);
        return stream is null ? Empty : Load(stream);
    }

    /// <summary>Reads an extract: one "V1Pod.Spec&lt;TAB&gt;text" line per member.</summary>
    public static ModelDescriptions Load(Stream stream)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0 && tab < line.Length - 1)
            {
                map[line[..tab]] = line[(tab + 1)..];
            }
        }

        return new ModelDescriptions(map);
    }

    public string? OfType(Type t) => _byMember.GetValueOrDefault(t.Name);

    public string? OfProperty(Type t, string clrProperty) => _byMember.GetValueOrDefault($"{t.Name}.{clrProperty}");
}
