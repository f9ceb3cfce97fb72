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
    /// <summary>For the server's own writes: warnings go nowhere.</summary>
    public static WriteOptions Default() => new(false, FieldValidation.Warn, new WarningRecorder());
}
