
using Timonel.Registry.Resources;

namespace Timonel.Registry.Tables;

/// <summary>
/// The table convertor of a resource: its definition's (see <see cref="ResourceDefinition.Table"/>),
/// with upstream's printer columns. Resources without one get NAME and AGE. Convertors are stateless and shared.
/// </summary>
public static class TableConvertors
{
    /// <summary>NAME and AGE: upstream's default for resources without printer columns.</summary>
    public static ITableConvertor Default { get; } = new NameAgeTable();

    public static ITableConvertor For(ApiResource resource) =>
        resource.Definition.Versions.FirstOrDefault(v => v.Name == resource.Version)?.Table ?? resource.Definition.Table;
}
