using System.Xml;

namespace Timonel.Api.OpenApi;

/// <summary>
/// The descriptions of the KubernetesClient models (their XML doc summaries, extracted at build time
/// into an embedded resource): "V1Pod" for a type, "V1Pod.Spec" for a property.
/// </summary>
internal sealed class ModelDescriptions
{
    private const string ResourceName = "Timonel.Api.OpenApi.k8s-model-docs.xml";

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

    /// <summary>Reads an extract: &lt;d&gt;&lt;m n="V1Pod.Spec"&gt;text&lt;/m&gt;...&lt;/d&gt;.</summary>
    public static ModelDescriptions Load(Stream stream)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { IgnoreWhitespace = true, DtdProcessing = DtdProcessing.Prohibit });
        // ReadElementContentAsString already moves to the next node, so Read only otherwise.
        reader.Read();
        while (!reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element && reader.Name == "m" && reader.GetAttribute("n") is { } name)
            {
                var text = reader.ReadElementContentAsString();
                if (text.Length > 0)
                {
                    map[name] = text;
                }
            }
            else
            {
                reader.Read();
            }
        }

        return new ModelDescriptions(map);
    }

    public string? OfType(Type t) => _byMember.GetValueOrDefault(t.Name);

    public string? OfProperty(Type t, string clrProperty) => _byMember.GetValueOrDefault($"{t.Name}.{clrProperty}");
}
