namespace Timonel.ApiServer.Registry;

/// <summary>How the unknown fields of a request body are treated (the fieldValidation parameter).</summary>
internal enum FieldValidation
{
    Ignore,
    Warn,
    Strict,
}

/// <summary>Per-request write options.</summary>
/// <param name="DryRun">dryRun=All: run every step but the store write.</param>
/// <param name="Validation">fieldValidation; upstream's default is Warn.</param>
/// <param name="Warnings">Records warnings as Warning headers (deduplicated and bounded) as they are found.</param>
internal sealed record WriteOptions(bool DryRun, FieldValidation Validation, WarningRecorder Warnings)
{
    /// <summary>Who asks, for checks that depend on it (RBAC escalation, NodeRestriction); null for the server's own writes.</summary>
    public Security.UserInfo? User { get; init; }

    /// <summary>
    /// The fieldManager recorded in managedFields for what this write changes (the request's
    /// fieldManager, or its User-Agent's product); the server's own writes are "kube-apiserver".
    /// </summary>
    public string FieldManager { get; init; } = "kube-apiserver";

    /// <summary>Server-side apply has already set the object's managedFields: the writer keeps them.</summary>
    public bool ManagedFieldsSet { get; init; }

    /// <summary>The subresource named in managedFields when it is not the one written (a scale writes the object).</summary>
    public string? ManagedSubresource { get; init; }

    /// <summary>For the server's own writes: warnings go nowhere.</summary>
    public static WriteOptions Default() => new(false, FieldValidation.Warn, new WarningRecorder());
}
