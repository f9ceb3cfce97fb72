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
/// <param name="Warnings">Collects warnings to send as Warning headers.</param>
internal sealed record WriteOptions(bool DryRun, FieldValidation Validation, List<string> Warnings)
{
    public static WriteOptions Default() => new(false, FieldValidation.Warn, []);
}
