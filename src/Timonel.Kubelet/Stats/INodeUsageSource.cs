namespace Timonel.Kubelet.Stats;

/// <summary>
/// Reads the whole node's CPU and memory usage (upstream's root-container stats). Implementations
/// read small kernel files synchronously; a read that fails throws <see cref="IOException"/> or
/// <see cref="InvalidDataException"/>, which the server reports as a scrape error.
/// </summary>
public interface INodeUsageSource
{
    NodeUsage Read();
}
