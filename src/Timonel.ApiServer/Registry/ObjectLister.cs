using System.Globalization;
using System.Text.Json.Nodes;
using Timonel.Api.Errors;
using Timonel.Registry.Resources;
using Timonel.Storage;

namespace Timonel.ApiServer.Registry;

/// <summary>A page of a list: the items, the revision it was read at, and how to continue.</summary>
internal sealed record ListPage(List<JsonObject> Items, long Revision, string? Continue, long? RemainingItemCount);

/// <summary>Lists with selectors and limit/continue over one consistent revision, as upstream does.</summary>
internal sealed class ObjectLister(ObjectStore objects, TimeProvider time)
{
    private const int PageSize = 500;

    private readonly RevisionWait _freshness = new(objects.Store, time);

    /// <summary>
    /// For a get or list at a resourceVersion the store has not reached yet: waits up to
    /// <see cref="RevisionWait.MaxWait"/>, then throws 504 (see <see cref="RevisionWait"/>).
    /// </summary>
    public Task WaitUntilFreshAsync(string? resourceVersion, CancellationToken cancellationToken) =>
        _freshness.WaitUntilFreshAsync(resourceVersion, cancellationToken);

    public async Task<ListPage> ListAsync(ApiResource resource, string? ns, ListOptions options, CancellationToken cancellationToken)
    {
        if (options.Continue is null)
        {
            // A continue token pins a revision already read; otherwise a resourceVersion from the
            // future (Exact or not) waits for the store, instead of reading older data or failing.
            await WaitUntilFreshAsync(options.ResourceVersion, cancellationToken).ConfigureAwait(false);
        }

        var prefix = resource.PrefixFor(ns);
        var revision = options.Continue?.Revision ?? 0;
        if (revision == 0 && options.ResourceVersionMatch == "Exact" && options.ResourceVersion is { } rv)
        {
            revision = long.Parse(rv, CultureInfo.InvariantCulture);
        }

        var startAfter = options.Continue?.StartAfterKey;
        if (startAfter is not null && !startAfter.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw ApiException.BadRequest("continue key is not valid: it belongs to another list");
        }

        var items = new List<JsonObject>();
        var filtered = !options.Labels.IsEmpty || !options.Fields.IsEmpty;
        string? lastKey = null;
        var more = false;
        long remaining = 0;
        try
        {
            while (true)
            {
                var want = options.Limit > 0 ? options.Limit - items.Count : 0;
                var page = await objects.Store.RangeAsync(new RangeRequest(prefix, startAfter, filtered || want == 0 ? Math.Max(want, PageSize) : want, revision), cancellationToken).ConfigureAwait(false);
                revision = page.Revision;
                var decoded = page.Items.Select(kv => ObjectStore.Decode(kv).Object).ToList();
                var matches = filtered ? await options.MatchAllAsync(resource, decoded, cancellationToken).ConfigureAwait(false) : null;
                for (var i = 0; i < decoded.Count; i++)
                {
                    lastKey = page.Items[i].Key;
                    var obj = decoded[i];
                    if (matches is null || matches[i])
                    {
                        items.Add(obj);
                        if (options.Limit > 0 && items.Count == options.Limit)
                        {
                            break;
                        }
                    }
                }

                var stoppedEarly = options.Limit > 0 && items.Count == options.Limit && lastKey != page.Items[^1].Key;
                if (stoppedEarly || page.More)
                {
                    if (options.Limit > 0 && items.Count >= options.Limit)
                    {
                        more = true;
                        remaining = page.Count - (page.Items.ToList().FindIndex(k => k.Key == lastKey) + 1);
                        break;
                    }

                    startAfter = page.Items[^1].Key;
                    continue;
                }

                break;
            }
        }
        catch (StoreCompactedException)
        {
            throw options.Continue is not null
                ? ApiException.Gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.")
                : ApiException.Gone($"The resourceVersion for the provided list is too old.");
        }

        var token = more && lastKey is not null ? new ContinueToken(revision, lastKey).Encode() : null;
        return new ListPage(items, revision, token, more && !filtered ? remaining : null);
    }

    public static JsonObject ListMeta(ListPage page)
    {
        var meta = new JsonObject { ["resourceVersion"] = page.Revision.ToString(CultureInfo.InvariantCulture) };
        if (page.Continue is not null)
        {
            meta["continue"] = page.Continue;
        }

        if (page.RemainingItemCount is { } r)
        {
            meta["remainingItemCount"] = r;
        }

        return meta;
    }
}
