using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Reads and writes the PEM and token files of the cluster PKI. Writes are atomic (temp file,
/// then rename) and private files are created 0600, so a crash never leaves a half-written key
/// and a key is never readable by others, not even for a moment. Every read failure becomes a
/// <see cref="PkiFileException"/> that names the file.
/// </summary>
internal static class PkiFiles
{
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PublicFile = PrivateFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> 0700 if missing; with <paramref name="tighten"/>, also fixes an existing one.</summary>
    public static void EnsurePrivateDirectory(string path, bool tighten)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
                return;
            }

            Directory.CreateDirectory(path, PrivateDirectory);
            if (tighten)
            {
                File.SetUnixFileMode(path, PrivateDirectory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PkiFileException(path, $"cannot create the directory {path}: {e.Message}. Check that the data dir is writable by this user, or pass another --data-dir.", e);
        }
    }

    public static async Task WriteAsync(string path, string content, UnixFileMode mode, CancellationToken ct)
    {
        var temp = path + ".tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(content), ct).ConfigureAwait(false);
                await stream.FlushAsync(ct).ConfigureAwait(false);
            }

            if (!OperatingSystem.IsWindows())
            {
                // UnixCreateMode is filtered by the umask and ignored when the temp file pre-existed.
                File.SetUnixFileMode(temp, mode);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PkiFileException(path, $"cannot write {path}: {e.Message}. Check that the data dir is writable by this user.", e);
        }
    }

    /// <summary>The file's text, or null when it does not exist.</summary>
    public static async Task<string?> ReadIfExistsAsync(string path, CancellationToken ct)
    {
        try
        {
            return await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PkiFileException(path, $"cannot read {path}: {e.Message}. Check the file's owner and permissions.", e);
        }
    }

    public static X509Certificate2 ParseCertificate(string path, string pem, string what)
    {
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw Corrupt(path, what, "no valid PEM CERTIFICATE block", e);
        }
    }

    public static ECDsa ParseEcKey(string path, string pem, string what)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw Corrupt(path, what, "no valid PEM ECDSA private key", e);
        }
    }

    /// <summary>A certificate joined with its private key; fails when the two do not belong together.</summary>
    public static X509Certificate2 Pair(X509Certificate2 certificate, ECDsa key, string certPath, string keyPath, string what)
    {
        try
        {
            return certificate.CopyWithPrivateKey(key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or InvalidOperationException)
        {
            throw new PkiFileException(keyPath, $"the private key in {keyPath} does not match the {what} certificate in {certPath} ({e.Message}). Restore the matching pair, or delete both files so that they are generated again.", e);
        }
    }

    public static PkiFileException Corrupt(string path, string what, string problem, Exception? inner = null) =>
        new(path, $"the {what} file {path} is corrupt: {problem}{(inner is null ? "" : $" ({inner.Message})")}. Restore it from a backup, or delete it so that it is generated again (deleting a CA invalidates every certificate it signed and every kubeconfig that trusts it).", inner);

    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    public static string KeyPem(ECDsa key) => key.ExportECPrivateKeyPem() + "\n";
}
