namespace Timonel.Ingress.Routing;

/// <summary>What the table says about one request: a backend, a redirect to https, or nothing (404).</summary>
public sealed record RouteMatch(Backend? Backend, string? Ingress, bool RedirectToHttps)
{
    public static readonly RouteMatch None = new(null, null, false);
}
