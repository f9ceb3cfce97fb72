using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Timonel.Cli.Bench;

/// <summary>
/// Server-side apply against an update of the same Deployment (issue 18's "apply within 50 % of
/// an update"): each measurement works on its own set of Deployments, every write changes the
/// replica count, and the two run back to back for the same time.
/// </summary>
internal static class ApplyMeasurement
{
    /// <summary>Deployments per measurement: enough that concurrent workers rarely write the same one.</summary>
    public const int Objects = 256;

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeHeaderValue ApplyYaml = new("application/apply-patch+yaml");

    public static async Task<(RateResult Apply, RateResult Update)> RunAsync(HttpClient client, string ns, TimeSpan duration, int concurrency, int? serverPid, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Objects; i++)
        {
            foreach (var prefix in new[] { "apply", "update" })
            {
                using var created = await client.PostAsync($"apis/apps/v1/namespaces/{ns}/deployments", Body(Deployment(ns, prefix, i, 1), Json), cancellationToken).ConfigureAwait(false);
                if (await ClosedLoop.FailureOfAsync(created, cancellationToken).ConfigureAwait(false) is { } error)
                {
                    throw new InvalidOperationException($"cannot create the benchmark's deployments: {error}");
                }
            }
        }

        var apply = await ClosedLoop.RunAsync("apply deployment", concurrency, null, duration, serverPid, async (i, ct) =>
        {
            var name = Name("apply", i % Objects);
            using var request = new HttpRequestMessage(HttpMethod.Patch, $"apis/apps/v1/namespaces/{ns}/deployments/{name}?fieldManager=bench&force=true")
            {
                Content = Body(Deployment(ns, "apply", i % Objects, 1 + (i / Objects % 5)), ApplyYaml),
            };
            using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
            return await ClosedLoop.FailureOfAsync(response, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        var update = await ClosedLoop.RunAsync("update deployment", concurrency, null, duration, serverPid, async (i, ct) =>
        {
            var name = Name("update", i % Objects);
            using var response = await client.PutAsync($"apis/apps/v1/namespaces/{ns}/deployments/{name}?fieldManager=bench", Body(Deployment(ns, "update", i % Objects, 1 + (i / Objects % 5)), Json), ct).ConfigureAwait(false);
            return await ClosedLoop.FailureOfAsync(response, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        return (apply, update);
    }

    private static string Name(string prefix, int i) => prefix + "-" + i.ToString("D4", CultureInfo.InvariantCulture);

    private static string Deployment(string ns, string prefix, int i, int replicas)
    {
        var name = Name(prefix, i);
        const string Template = """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"NAME","namespace":"NS","labels":{"app":"NAME"}},
             "spec":{"replicas":REPLICAS,"selector":{"matchLabels":{"app":"NAME"}},
              "template":{"metadata":{"labels":{"app":"NAME"}},
               "spec":{"containers":[{"name":"web","image":"nginx:1.27","ports":[{"containerPort":80}],"env":[{"name":"MODE","value":"bench"}],
                 "resources":{"requests":{"cpu":"10m","memory":"16Mi"}}}]}}}}
            """;
        return Template.Replace("NAME", name, StringComparison.Ordinal).Replace("NS", ns, StringComparison.Ordinal)
            .Replace("REPLICAS", replicas.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static ByteArrayContent Body(string text, MediaTypeHeaderValue type)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = type;
        return content;
    }
}
