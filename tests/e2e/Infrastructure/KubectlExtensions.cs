namespace Timonel.E2E.Tests.Infrastructure;

/// <summary>Short forms of the kubectl runs the scenarios repeat.</summary>
public static class KubectlExtensions
{
    public static async Task<KubectlResult> ApplyAsync(this Kubectl kubectl, string yaml) =>
        await kubectl.RunAsync(["apply", "-f", "-"], yaml);

    /// <summary>Creates a namespace with <c>kubectl apply</c> and fails the test if that fails.</summary>
    public static async Task CreateNamespaceAsync(this Kubectl kubectl, string name) =>
        KubectlAssert.Succeeds(await kubectl.ApplyAsync(Manifests.Namespace(name)));

    /// <summary>Creates a namespace named <paramref name="prefix"/> plus a random number (tests sharing a cluster stay apart) and returns its name.</summary>
    public static async Task<string> CreateUniqueNamespaceAsync(this Kubectl kubectl, string prefix)
    {
        var name = $"{prefix}-{Random.Shared.Next(10000, 99999)}";
        await kubectl.CreateNamespaceAsync(name);
        return name;
    }

    /// <summary>One field through <c>-o jsonpath</c>; fails the test if kubectl fails.</summary>
    public static async Task<string> JsonPathAsync(this Kubectl kubectl, string ns, string resource, string jsonPath) =>
        KubectlAssert.Succeeds(await kubectl.RunAsync("-n", ns, "get", resource, "-o", $"jsonpath={jsonPath}")).Stdout;
}
