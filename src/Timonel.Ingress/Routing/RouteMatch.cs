namespace Timonel.Ingress.Routing;

/// <summary>What the table says about one request: a backend, a redirect to https, or nothing (404). A struct: one is made per request.</summary>
public readonly record struct RouteMatch(Backend? Backend, string? Ingress, bool RedirectToHttps)
{
    public static RouteMatch None => new(null, null, false);
}
