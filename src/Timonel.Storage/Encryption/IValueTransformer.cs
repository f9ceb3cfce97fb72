namespace Timonel.Storage.Encryption;

/// <summary>
/// Turns values into the bytes kept in the store and back (upstream's value.Transformer):
/// encryption at rest sits here, below every reader and above every backend.
/// </summary>
/// <remarks>
/// Contract: <see cref="FromStorage"/> of what <see cref="ToStorage"/> returned for the same
/// key gives the value back. Bytes that cannot be read (no provider for their prefix, a wrong
/// key, tampering) throw <see cref="ValueTransformException"/>, never another exception and
/// never garbage. Implementations are thread-safe.
/// </remarks>
public interface IValueTransformer
{
    /// <summary>
    /// The value behind stored bytes. <paramref name="stale"/> is true when they were not written
    /// by the current write provider, so that rewriting the value would store it differently.
    /// </summary>
    /// <param name="stored">The bytes as the store holds them.</param>
    /// <param name="key">The store key, bound as authenticated data by formats that have it (AES-GCM).</param>
    /// <param name="stale">Set when a rewrite would change the stored form.</param>
    byte[] FromStorage(ReadOnlySpan<byte> stored, string key, out bool stale);

    /// <summary>The bytes to store for <paramref name="value"/> under <paramref name="key"/>.</summary>
    byte[] ToStorage(ReadOnlySpan<byte> value, string key);
}

/// <summary>Chooses the transformer for a store key; null leaves the key's values as they are.</summary>
public interface IValueTransformerSelector
{
    /// <summary>The transformer for <paramref name="key"/>, or null when its values are stored as given.</summary>
    IValueTransformer? TransformerFor(string key);
}

/// <summary>Stored bytes that cannot be turned back into a value; the message is upstream's wording.</summary>
public sealed class ValueTransformException(string message) : Exception(message);
