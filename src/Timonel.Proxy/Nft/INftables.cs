namespace Timonel.Proxy.Nft;

/// <summary>The kernel's nftables as the proxy uses them (a fake in unit tests).</summary>
public interface INftables
{
    /// <summary>Applies a script as one atomic transaction (`nft -f -`).</summary>
    /// <exception cref="NftException">nft rejected the script; nothing of it was applied.</exception>
    Task ApplyAsync(string script, CancellationToken cancellationToken);

    /// <summary>Names of the chains and sets of Timonel's table; empty when there is no table.</summary>
    Task<IReadOnlySet<string>> ListObjectsAsync(CancellationToken cancellationToken);

    /// <summary>Deletes Timonel's table, if present.</summary>
    Task DeleteTableAsync(CancellationToken cancellationToken);
}

/// <summary>nft failed; the message holds its error output.</summary>
public sealed class NftException(string message) : Exception(message);
