namespace Timonel.Ingress.Gateway.Routing;

/// <summary>
/// One match of one HTTPRoute rule as served on one listener: what it matches, what its filters
/// do, where it sends requests. <see cref="Order"/> places it among the rules of all routes.
/// </summary>
/// <param name="Route">"namespace/name" of the HTTPRoute, for the access log.</param>
/// <param name="Created">The route's creationTimestamp: the older route wins a tie.</param>
/// <param name="RuleIndex">The rule's position in the route, then <paramref name="MatchIndex"/> the match's in the rule: first wins a tie.</param>
/// <param name="ListenerPort">The listener's port, used by redirects that name no port.</param>
/// <param name="Problem">Why every request of this rule is answered 500 (an unsupported filter, a bad expression); null when it serves.</param>
public sealed record GatewayRule(
    string Route,
    DateTime Created,
    int RuleIndex,
    int MatchIndex,
    RequestMatch Match,
    RouteFilters Filters,
    WeightedBackends Backends,
    int ListenerPort,
    string? Problem = null)
{
    /// <summary>
    /// Upstream's precedence, continuing on ties: an Exact path, then the longest prefix (regular
    /// expressions after prefixes, longest first: upstream leaves them to implementations), a method
    /// match, more header matches, more query parameter matches, the older route, the route first by
    /// "namespace/name", the rule and match first in the route.
    /// </summary>
    public static IOrderedEnumerable<GatewayRule> Order(IEnumerable<GatewayRule> rules) => rules
        .OrderBy(r => (int)r.Match.PathKind)
        .ThenByDescending(r => r.Match.PathKind == GatewayPathKind.Prefix ? r.Match.TrimmedPrefix.Length : r.Match.Path.Length)
        .ThenBy(r => r.Match.Method is null ? 1 : 0)
        .ThenByDescending(r => r.Match.HeaderCount)
        .ThenByDescending(r => r.Match.QueryCount)
        .ThenBy(r => r.Created)
        .ThenBy(r => r.Route, StringComparer.Ordinal)
        .ThenBy(r => r.RuleIndex)
        .ThenBy(r => r.MatchIndex);
}
