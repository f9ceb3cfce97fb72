using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Serialization;
using Xunit;

namespace Timonel.Api.Tests.Fuzz;

public sealed class JsonBodyProperties
{
    private static readonly byte[][] Seeds =
    [
        .. new[]
        {
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","labels":{"a":"b"}},"data":{"k":"v\u00e9\n","x":"\ud83d\ude00"}}""",
            """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2,"strategy":{"rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80}],"readinessProbe":{"tcpSocket":{"port":80}},"resources":{"limits":{"cpu":"500m"}}}]}}}}""",
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"svc"},"spec":{"ports":[{"port":80,"targetPort":"http"}],"selector":{"app":"web"},"publishNotReadyAddresses":false}}""",
            """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","creationTimestamp":"2024-01-01T00:00:00Z"},"spec":{"terminationGracePeriodSeconds":30,"containers":[{"name":"c","image":"busybox"}]}}""",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    private static readonly byte[][] Tokens =
    [
        .. new[] { "[", "]", "{", "}", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "null", "true", "[]", "{}", "1e400", "-0", "1.5", "\"x\"", "\"\":", "9999999999999999999999" }
            .Select(Encoding.UTF8.GetBytes),
        [0xEF, 0xBB, 0xBF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x00], [0xFF],
    ];

    [Fact]
    public void Parse_MutatedBodies_DecodeOrThrow4xx() =>
        Fuzz.Check(Fuzz.Mutations(Seeds, Tokens), JsonBody.Parse, cases: 2000);

    [Fact]
    public void Parse_RandomBytes_DecodeOrThrow4xx() =>
        Fuzz.Check(Fuzz.Noise(Encoding.UTF8.GetBytes("{}[],:\"\\u0123456789abcdefnulltrue -.eE")), JsonBody.Parse, cases: 2000);

    [Fact]
    public void Check_OnAParserWithoutTheUnicodeRepair_FindsTheInvalidUtf8Failure()
    {
        // The property can fail: the same inputs break the parser as it was before the repair.
        static JsonNode? Unrepaired(byte[] body)
        {
            try
            {
                return JsonNode.Parse(body, documentOptions: DecodeLimits.JsonOptions);
            }
            catch (JsonException e)
            {
                throw ApiException.BadRequest(e.Message);
            }
        }

        Assert.ThrowsAny<Exception>(() => Fuzz.Check(Fuzz.Mutations(Seeds, Tokens), Unrepaired, cases: 2000));
    }
}
