using k8s.Models;
using Timonel.Registry.Tables;

namespace Timonel.Registry.Resources;

/// <summary>
/// The built-in resources that are answered per request and never stored, as upstream's
/// create-only and read-only REST storages: the legacy bindings, componentstatuses, the
/// authentication and authorization reviews, and the resource metrics (metrics.k8s.io). Their <see cref="ResourceDefinition.Handler"/>
/// says who answers; discovery lists only the verbs that handler serves.
/// </summary>
internal static class NotStoredResources
{
    public static IEnumerable<ResourceDefinition> Definitions() =>
    [
        Of("", "Binding", "bindings", true, typeof(V1Binding), ResourceHandler.Binding),
        Of("", "ComponentStatus", "componentstatuses", false, typeof(V1ComponentStatus), ResourceHandler.ComponentStatus, ["cs"], new ComponentStatusTable()),
        Of("authentication.k8s.io", "TokenReview", "tokenreviews", false, typeof(V1TokenReview), ResourceHandler.TokenReview),
        Of("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", false, typeof(V1SelfSubjectReview), ResourceHandler.SelfSubjectReview),
        Of("authorization.k8s.io", "SubjectAccessReview", "subjectaccessreviews", false, typeof(V1SubjectAccessReview), ResourceHandler.SubjectAccessReview),
        Of("authorization.k8s.io", "LocalSubjectAccessReview", "localsubjectaccessreviews", true, typeof(V1LocalSubjectAccessReview), ResourceHandler.LocalSubjectAccessReview),
        Of("authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false, typeof(V1SelfSubjectAccessReview), ResourceHandler.SelfSubjectAccessReview),
        Of("authorization.k8s.io", "SelfSubjectRulesReview", "selfsubjectrulesreviews", false, typeof(V1SelfSubjectRulesReview), ResourceHandler.SelfSubjectRulesReview),

        // The resource metrics API, as metrics-server serves it (k3s ships it): built in here,
        // read from the API server's own collector (Timonel.ApiServer.Metrics).
        new("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", false, typeof(NodeMetrics)) { Handler = ResourceHandler.Metrics, Table = new ResourceMetricsTable() },
        new("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", true, typeof(PodMetrics)) { Handler = ResourceHandler.Metrics, Table = new ResourceMetricsTable() },
    ];

    private static ResourceDefinition Of(string group, string kind, string plural, bool namespaced, Type type, ResourceHandler handler, string[]? shortNames = null, ITableConvertor? table = null) =>
        new(group, "v1", kind, plural, namespaced, type)
        {
            Handler = handler,
            ShortNames = shortNames ?? [],
            Table = table ?? TableConvertors.Default,
        };
}
