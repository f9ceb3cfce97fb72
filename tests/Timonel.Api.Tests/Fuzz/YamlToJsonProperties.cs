using System.Text;
using Timonel.Api.Serialization;
using Xunit;

namespace Timonel.Api.Tests.Fuzz;

public sealed class YamlToJsonProperties
{
    private static readonly byte[][] Seeds =
    [
        .. new[]
        {
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels: {app: web, tier: \"1\"}\ndata:\n  key: value\n  multi: |\n    line one\n    line two\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: &labels {app: web}}\n  template:\n    metadata: {labels: *labels}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports: [{containerPort: 80}]\n        livenessProbe: {httpGet: {port: 80, path: /}}\n        resources: {limits: {cpu: 500m, memory: 1Gi}}\n",
            "kind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n  - &p {port: 80, targetPort: http, protocol: TCP}\n  - *p\n  selector: {app: web}\n",
            "a: &a [x, 1, 2.5, true, ~, 'q', \"\\u00e9\"]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    private static readonly byte[][] Tokens =
    [
        .. new[] { "&a ", "*a", "&b ", "*b", "[", "]", "{", "}", ": ", "- ", "\n", "\n  ", "\"\\ud800\"", "\"\\U0010FFFF\"", "1e400", "0x1F", "!!binary ", "!<x> ", "<<: *a", "---\n", "...\n", "%YAML 1.1\n", "? ", "|-\n", ">\n", "'", "\"", "#", "\t", "@", "`" }
            .Select(Encoding.UTF8.GetBytes),
        [0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xC3], [0xED, 0xA0, 0x80], [0x00],
    ];

    [Fact]
    public void Convert_MutatedDocuments_DecodeOrThrow4xx() =>
        Fuzz.Check(Fuzz.Mutations(Seeds, Tokens), body => YamlToJson.Convert(body), cases: 1500);

    [Fact]
    public void Convert_RandomBytes_DecodeOrThrow4xx() =>
        Fuzz.Check(Fuzz.Noise(Encoding.UTF8.GetBytes("ab1:- []{},&*!|>'\"#?%@\n\t .eE+-~\\u")), body => YamlToJson.Convert(body), cases: 1500);
}
