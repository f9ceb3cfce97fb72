using System.Text.Json.Nodes;

namespace Timonel.Cli.Bench.Fuzz;

/// <summary>
/// The valid objects a campaign starts from, one per kind whose fields the fuzzing found
/// fragile (IntOrString ports, quantities, selectors), each with the collection it is sent to.
/// </summary>
internal static class FuzzCorpus
{
    public const string Namespace = "fuzz";

    /// <summary>The name of the object of each kind the patch families patch (re-created when gone).</summary>
    public const string SeedName = "seed";

    public sealed record Seed(string Collection, string Json)
    {
        public JsonNode Parse() => JsonNode.Parse(Json)!;

        public string ObjectPath(string name) => $"{Collection}/{name}";
    }

    public static readonly IReadOnlyList<Seed> Seeds =
    [
        new($"/api/v1/namespaces/{Namespace}/configmaps", """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"seed","labels":{"app":"web","tier":"a"},"annotations":{"note":"x"}},"data":{"a":"1","b":"two"}}
            """),
        new($"/api/v1/namespaces/{Namespace}/secrets", """
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"seed"},"type":"Opaque","data":{"k":"dmFsdWU="},"stringData":{"s":"plain"}}
            """),
        new($"/api/v1/namespaces/{Namespace}/services", """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"seed"},"spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"TCP"}]}}
            """),
        new($"/apis/apps/v1/namespaces/{Namespace}/deployments", """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"seed"},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},
             "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
             "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"busybox","ports":[{"containerPort":8080}],
             "resources":{"requests":{"cpu":"100m","memory":"64Mi"}},
             "readinessProbe":{"httpGet":{"path":"/","port":8080}},"livenessProbe":{"tcpSocket":{"port":"http"}}}],
             "volumes":[{"name":"scratch","emptyDir":{"sizeLimit":"1Gi"}}]}}}}
            """),
        new($"/apis/networking.k8s.io/v1/namespaces/{Namespace}/networkpolicies", """
            {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"seed"},"spec":{"podSelector":{"matchLabels":{"app":"web"}},
             "ingress":[{"from":[{"podSelector":{"matchExpressions":[{"key":"tier","operator":"In","values":["a"]}]}}],"ports":[{"protocol":"TCP","port":8080}]}]}}
            """),
        new($"/apis/autoscaling/v2/namespaces/{Namespace}/horizontalpodautoscalers", """
            {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"seed"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"seed"},
             "minReplicas":1,"maxReplicas":3,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}]}}
            """),
    ];

    /// <summary>YAML documents with the constructs YAML parsers get wrong: anchors, aliases, merges, tags, odd scalars.</summary>
    public static readonly IReadOnlyList<string> YamlSeeds =
    [
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  a: \"1\"\n",
        "a: &a [*a]\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: y\n  labels: &l {app: web}\ndata:\n  <<: *l\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  n: 1e400\n  b: !!binary aGk=\n  t: 2001-12-14t21:59:43.10-05:00\n",
        "\uFEFFapiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bom\n",
        "--- a\n--- b\n",
        "{apiVersion: v1, kind: ConfigMap, metadata: {name: y}, data: {? [a]: b}}\n",
    ];

    /// <summary>"Billion laughs": each level holds <paramref name="width"/> aliases of the one before.</summary>
    public static string AliasBomb(int depth, int width)
    {
        var b = new System.Text.StringBuilder("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\nx0: &x0 [\"lol\"]\n");
        for (var level = 1; level <= depth; level++)
        {
            b.Append($"x{level}: &x{level} [").Append(string.Join(",", Enumerable.Repeat($"*x{level - 1}", width))).Append("]\n");
        }

        return b.ToString();
    }
}
