namespace Timonel.Cli.Bench;

/// <summary>Measurements 1 and 2: POST N configmaps into a namespace, then GET them by name at random for a fixed time.</summary>
internal static class CreateGetMeasurement
{
    public static Task<RateResult> CreateAsync(HttpClient client, string ns, int count, int concurrency, int? serverPid, CancellationToken cancellationToken) =>
        ClosedLoop.RunAsync("create configmap", concurrency, count, null, serverPid, async (i, ct) =>
        {
            using var response = await client.PostAsync($"api/v1/namespaces/{ns}/configmaps", BenchObjects.ConfigMap(BenchObjects.ConfigMapName(i)), ct).ConfigureAwait(false);
            return await ClosedLoop.FailureOfAsync(response, ct).ConfigureAwait(false);
        }, cancellationToken);

    public static Task<RateResult> GetAsync(HttpClient client, string ns, int existing, TimeSpan duration, int concurrency, int? serverPid, string? resourceVersion, CancellationToken cancellationToken) =>
        ClosedLoop.RunAsync("get configmap", concurrency, null, duration, serverPid, async (i, ct) =>
        {
            // A fixed stride over the names visits every object evenly without a shared Random.
            var name = BenchObjects.ConfigMapName((int)(i * 7919L % existing));
            using var response = await client.GetAsync($"api/v1/namespaces/{ns}/configmaps/{name}" + (resourceVersion is null ? "" : $"?resourceVersion={Uri.EscapeDataString(resourceVersion)}"), ct).ConfigureAwait(false);
            return await ClosedLoop.FailureOfAsync(response, ct).ConfigureAwait(false);
        }, cancellationToken);
}
