using System.Reflection;
using System.Xml.Linq;

namespace Timonel.Api.OpenApi;

/// <summary>
/// Field and type descriptions for `kubectl explain`, read from KubernetesClient's XML doc
/// file (shipped beside its assembly in the build output). Missing file: no descriptions.
/// </summary>
public sealed class ModelDescriptions
{
    private readonly Dictionary<string, string> _byMember = new(StringComparer.Ordinal);

    public ModelDescriptions(Assembly modelAssembly)
    {
        var path = Path.ChangeExtension(modelAssembly.Location, ".xml");
        if (string.IsNullOrEmpty(modelAssembly.Location) || !File.Exists(path))
        {
            path = Path.Combine(AppContext.BaseDirectory, Path.GetFileNameWithoutExtension(modelAssembly.Location) + ".xml");
        }

        if (!File.Exists(path))
        {
            return;
        }

        foreach (var member in XDocument.Load(path).Descendants("member"))
        {
            var name = member.Attribute("name")?.Value;
            var summary = member.Element("summary")?.Value;
            if (name is not null && summary is not null)
            {
                _byMember[name] = Normalize(summary);
            }
        }
    }

    public string? ForType(Type type) => _byMember.GetValueOrDefault("T:" + type.FullName);

    public string? ForProperty(PropertyInfo property) =>
        _byMember.GetValueOrDefault($"P:{property.DeclaringType!.FullName}.{property.Name}");

    private static string Normalize(string text) =>
        string.Join(' ', text.Split((char[])['\n', '\r', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
