namespace Timonel.Client.Informers;

/// <summary>What one informer watches and how often it replays its cache.</summary>
public sealed record InformerOptions
{
    /// <summary>Watch one namespace only; null (the default) watches all namespaces.</summary>
    public string? Namespace { get; init; }

    /// <summary>A label selector, e.g. "app=web,tier!=db"; null selects all.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector, e.g. "spec.nodeName=node-1"; null selects all.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>
    /// How often every cached object is redelivered to handlers as an update with the same old and
    /// new object. Null or zero (the default) disables resync.
    /// </summary>
    public TimeSpan? ResyncPeriod { get; init; }

    /// <summary>Objects per list page (the list's limit); 500 as client-go's reflector.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>The identity of the watch: informers with equal keys are shared by a factory.</summary>
    internal string ShareKey => $"{Namespace}|{LabelSelector}|{FieldSelector}";
}
