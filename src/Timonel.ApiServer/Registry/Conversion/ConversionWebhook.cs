using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;

namespace Timonel.ApiServer.Registry.Conversion;

/// <summary>
/// The converter of a CRD whose conversion strategy is Webhook: objects not already in the
/// wanted version go to the webhook in one ConversionReview (the first of the CRD's
/// conversionReviewVersions this server speaks, v1 or v1beta1), and the answer is checked as
/// upstream checks it (<see cref="ConversionReviewResponse"/>). Any failure is a 500 Status
/// "conversion webhook for &lt;group/version&gt;, Kind=&lt;Kind&gt; failed: ..." and nothing is written.
/// </summary>
internal sealed class ConversionWebhook : IRemoteVersionConverter
{
    private static readonly string[] SpokenReviewVersions = ["v1", "v1beta1"];

    private readonly string _group;
    private readonly string _kind;
    private readonly JsonObject _clientConfig;
    private readonly string? _reviewVersion;
    private readonly WebhookServiceResolver _services;
    private readonly WebhookCaller _caller;

    public ConversionWebhook(JsonObject crd, WebhookServiceResolver services, WebhookCaller caller)
    {
        ArgumentNullException.ThrowIfNull(crd);
        var spec = crd.Obj("spec");
        _group = spec.Str("group") ?? "";
        _kind = crd.Obj("status").Obj("acceptedNames").Str("kind") ?? spec.Obj("names").Str("kind") ?? "";
        var webhook = spec.Obj("conversion").Obj("webhook");
        _clientConfig = (JsonObject)(webhook.Obj("clientConfig")?.DeepClone() ?? new JsonObject());
        _reviewVersion = webhook.Arr("conversionReviewVersions").Strings().Select(v => v.Value).FirstOrDefault(SpokenReviewVersions.Contains);
        _services = services;
        _caller = caller;
    }

    public JsonObject Convert(JsonObject obj, string fromVersion, string toVersion) =>
        throw new InvalidOperationException("a conversion webhook converts asynchronously: use ApiResource.FromStorageAsync or ToStorageAsync");

    public async Task<IReadOnlyList<JsonObject>> ConvertAsync(IReadOnlyList<JsonObject> objects, string toVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var desired = $"{_group}/{toVersion}";
        var pending = objects.Select((o, i) => (Object: o, Index: i)).Where(p => p.Object.Str("apiVersion") != desired).ToList();
        if (pending.Count == 0)
        {
            return objects;
        }

        var gvk = $"{pending[0].Object.Str("apiVersion")}, Kind={_kind}";
        if (_reviewVersion is null)
        {
            throw Failed(gvk, "no supported conversion review versions");
        }

        var uid = Guid.NewGuid().ToString();
        var review = new JsonObject
        {
            ["kind"] = "ConversionReview",
            ["apiVersion"] = "apiextensions.k8s.io/" + _reviewVersion,
            ["request"] = new JsonObject
            {
                ["uid"] = uid,
                ["desiredAPIVersion"] = desired,
                ["objects"] = new JsonArray(pending.Select(p => (JsonNode)p.Object.DeepClone()).ToArray()),
            },
        };

        var answer = await CallAsync(gvk, JsonSerializer.SerializeToUtf8Bytes(review), cancellationToken).ConfigureAwait(false);
        var (converted, refused) = ConversionReviewResponse.ConvertedObjects(answer, _reviewVersion, uid);
        if (converted is null)
        {
            throw Failed(gvk, refused ?? "no response provided");
        }

        if (converted.Count != pending.Count)
        {
            throw new ApiException(HttpStatusCode.InternalServerError, "", $"conversion webhook for {gvk} returned {converted.Count} objects, expected {pending.Count}");
        }

        var result = objects.ToArray();
        for (var i = 0; i < pending.Count; i++)
        {
            var error = ConversionReviewResponse.Check(pending[i].Object, converted[i], desired, out var restored);
            if (error is not null)
            {
                var where = objects.Count == 1 ? "" : $" at index {i.ToString(CultureInfo.InvariantCulture)}";
                throw new ApiException(HttpStatusCode.InternalServerError, "", $"conversion webhook for {gvk} returned invalid object{where}: {error}");
            }

            result[pending[i].Index] = restored!;
        }

        return result;
    }

    private async Task<JsonNode?> CallAsync(string gvk, byte[] body, CancellationToken cancellationToken)
    {
        var (target, unresolved) = await WebhookTarget.ResolveAsync(_clientConfig, _caller.Timeout, _services, cancellationToken).ConfigureAwait(false);
        if (target is null)
        {
            throw Failed(gvk, unresolved!);
        }

        try
        {
            var (status, answer, contentType) = await _caller.PostAsync(target.Url, target.ConnectTo, target.CaBundle, body, cancellationToken).ConfigureAwait(false);
            if ((int)status is < 200 or > 299)
            {
                throw Failed(gvk, status == HttpStatusCode.NotFound
                    ? "the server could not find the requested resource"
                    : $"an error on the server (\"{Truncate(System.Text.Encoding.UTF8.GetString(answer))}\") has prevented the request from succeeding");
            }

            if (answer.Length == 0)
            {
                throw Failed(gvk, $"0-length response with status code: {(int)status} and content type: {contentType}");
            }

            try
            {
                return JsonNode.Parse(answer);
            }
            catch (JsonException e)
            {
                throw Failed(gvk, $"couldn't decode the response: {e.Message}");
            }
        }
        catch (WebhookCallException e)
        {
            throw Failed(gvk, e.Message);
        }
    }

    private static string Truncate(string text) => text.Length > 256 ? text[..256] : text;

    private static ApiException Failed(string gvk, string why) =>
        new(HttpStatusCode.InternalServerError, "", $"conversion webhook for {gvk} failed: {why}");
}
