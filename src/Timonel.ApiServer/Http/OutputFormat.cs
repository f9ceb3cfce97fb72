using Microsoft.AspNetCore.Http;

namespace Timonel.ApiServer.Http;

/// <summary>What representation the client asked for in its Accept header.</summary>
internal enum OutputKind
{
    Object,
    Table,
    PartialObjectMetadata,
}

internal static class OutputFormat
{
    public static OutputKind From(HttpContext context)
    {
        // Accept lists alternatives in preference order; the first we can serve wins.
        foreach (var part in context.Request.Headers.Accept.ToString().Split(','))
        {
            var p = part.Replace(" ", "", StringComparison.Ordinal);
            if (p.Contains("as=Table", StringComparison.Ordinal) && p.Contains("g=meta.k8s.io", StringComparison.Ordinal))
            {
                return OutputKind.Table;
            }

            if (p.Contains("as=PartialObjectMetadata", StringComparison.Ordinal) && p.Contains("g=meta.k8s.io", StringComparison.Ordinal))
            {
                return OutputKind.PartialObjectMetadata;
            }

            if (p.StartsWith("application/json", StringComparison.Ordinal) || p.StartsWith("*/*", StringComparison.Ordinal) || p.Length == 0)
            {
                return OutputKind.Object;
            }
        }

        return OutputKind.Object;
    }
}
