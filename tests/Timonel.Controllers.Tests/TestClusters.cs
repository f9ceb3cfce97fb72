using System.Net.Sockets;
using Timonel.Testing;

namespace Timonel.Controllers.Tests;

/// <summary>
/// TestCluster.StartAsync with a retry for the race it cannot avoid: it picks a free loopback
/// port, releases it and binds it again, and on a machine where other test runs start servers
/// at the same moment another process can take the port in between.
/// </summary>
public static class TestClusters
{
    private const int Attempts = 5;

    public static async Task<TestCluster> StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TestCluster.StartAsync();
            }
            catch (IOException e) when (attempt < Attempts && IsAddressInUse(e))
            {
            }
        }
    }

    private static bool IsAddressInUse(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }
}
