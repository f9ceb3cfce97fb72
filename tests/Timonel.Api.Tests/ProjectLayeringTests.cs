using System.Reflection;
using Timonel.Api.Errors;
using Timonel.Registry.Resources;
using Xunit;

namespace Timonel.Api.Tests;

/// <summary>
/// The project layering (docs/architecture.md): Timonel.Api holds what every component shares; the
/// registry (Timonel.Registry) and the API server sit above it, and the node and cluster components
/// below the API server (kubelet, proxy, DNS, scheduler and their client library) must not link them.
/// </summary>
public sealed class ProjectLayeringTests
{
    /// <summary>Assemblies only the API server (and the controllers walking the catalog) may link.</summary>
    private static readonly string[] ServerOnly = ["Timonel.Registry", "Timonel.ApiServer"];

    /// <summary>The registry's areas, which once lived in Timonel.Api and must not grow back there.</summary>
    private static readonly string[] RegistryAreas = ["Resources", "Strategies", "Tables", "OpenApi", "Discovery", "Protobuf", "Schema", "Conversion"];

    public static TheoryData<string> Components() =>
        ["Timonel.Kubelet", "Timonel.Proxy", "Timonel.Dns", "Timonel.Ingress", "Timonel.Scheduler", "Timonel.Client", "Timonel.Api"];

    [Theory]
    [MemberData(nameof(Components))]
    public void Component_TransitiveTimonelReferences_NeitherRegistryNorApiServer(string component)
    {
        var reached = TimonelReferences(Assembly.Load(new AssemblyName(component)));
        Assert.Empty(reached.Where(r => ServerOnly.Contains(r.Name, StringComparer.Ordinal)).Select(r => $"{r.Name} via {r.From}"));
    }

    [Fact]
    public void Component_TransitiveTimonelReferences_SeesTheApiBelowIt()
    {
        // The walk must be able to see a link at all: the kubelet reaches Timonel.Api through Timonel.Client.
        var reached = TimonelReferences(Assembly.Load(new AssemblyName("Timonel.Kubelet")));
        Assert.Contains(reached, r => r.Name == "Timonel.Api" && r.From == "Timonel.Client");
        Assert.Contains(TimonelReferences(typeof(ResourceCatalog).Assembly), r => r.Name == "Timonel.Api");
    }

    [Fact]
    public void ApiAssembly_Types_NoneInRegistryNamespaces()
    {
        var misplaced = typeof(ApiException).Assembly.GetTypes()
            .Select(t => t.Namespace ?? "")
            .Where(ns => ns.StartsWith("Timonel.Registry", StringComparison.Ordinal) || RegistryAreas.Any(a => IsWithin(ns, $"Timonel.Api.{a}")))
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Empty(misplaced);

        // And the check can see them where they belong.
        Assert.Contains(typeof(ResourceCatalog).Assembly.GetTypes(), t => IsWithin(t.Namespace ?? "", "Timonel.Registry.Strategies"));
    }

    private static bool IsWithin(string ns, string root) =>
        ns == root || ns.StartsWith(root + ".", StringComparison.Ordinal);

    /// <summary>Every reference to a Timonel.* assembly made by <paramref name="root"/> or by the Timonel.* assemblies it reaches, with who makes it.</summary>
    private static List<(string Name, string From)> TimonelReferences(Assembly root)
    {
        var found = new List<(string Name, string From)>();
        var seen = new HashSet<string>(StringComparer.Ordinal) { root.GetName().Name! };
        var pending = new Queue<Assembly>([root]);
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is not { } name || !name.StartsWith("Timonel.", StringComparison.Ordinal))
                {
                    continue;
                }

                found.Add((name, assembly.GetName().Name!));
                if (seen.Add(name))
                {
                    pending.Enqueue(Assembly.Load(reference));
                }
            }
        }

        return found;
    }
}
