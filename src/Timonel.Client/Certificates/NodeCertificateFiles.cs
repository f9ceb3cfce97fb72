using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Timonel.Client.Certificates;

/// <summary>
/// The node's client certificate and key in the agent's data directory (node-client.crt,
/// node-client.key: PEM; the key readable by its owner only), as the kubelet keeps
/// kubelet-client-current.pem: a restarted agent keeps its identity instead of bootstrapping again.
/// </summary>
public sealed class NodeCertificateFiles(string directory)
{
    public string CertificatePath { get; } = Path.Combine(directory, "node-client.crt");

    public string KeyPath { get; } = Path.Combine(directory, "node-client.key");

    /// <summary>
    /// The stored certificate with its key when it is a client certificate of "system:node:<paramref name="nodeName"/>"
    /// in system:nodes, valid at <paramref name="now"/>; else null and why (absent, unreadable, other node, expired).
    /// </summary>
    public X509Certificate2? TryLoad(string nodeName, DateTimeOffset now, out string problem)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath), File.ReadAllText(KeyPath));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = "no stored certificate";
            return null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            // Corrupt, half-written, or a key that does not match the certificate.
            problem = $"stored certificate unusable: {e.Message}";
            return null;
        }

        problem = NodeClientCertificates.Check(certificate, nodeName, now) ?? string.Empty;
        if (problem.Length == 0)
        {
            return certificate;
        }

        certificate.Dispose();
        return null;
    }

    /// <summary>Stores a new certificate and key, each replaced whole (written aside, then renamed over).</summary>
    public void Save(string certificatePem, string keyPem)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CertificatePath)!);
        // The key first: a crash between the two leaves a new key with the old certificate,
        // which TryLoad rejects (they do not match), so the next start bootstraps again.
        Write(KeyPath, keyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Write(CertificatePath, certificatePem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    private static void Write(string path, string text, UnixFileMode mode)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        File.Delete(temporary);
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
