using System.Text;

namespace Timonel.ApiServer.Security;

/// <summary>
/// Writes the admin kubeconfig (cluster "timonel", user "admin", context "timonel") with the CA
/// and the client credential inline as base64, mode 0600, atomically.
/// </summary>
public static class KubeconfigWriter
{
    public const string ClusterName = "timonel";
    public const string UserName = "admin";
    public const string ContextName = "timonel";

    /// <exception cref="ArgumentException"><paramref name="serverUrl"/> is not an absolute https URL, or a PEM is empty.</exception>
    /// <exception cref="PkiFileException">The file cannot be written.</exception>
    public static Task WriteAsync(string path, string serverUrl, string caPem, string adminCertPem, string adminKeyPem, CancellationToken ct)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new PkiFileException(path, $"cannot write the kubeconfig {path}: the directory {directory} does not exist.");
        }

        return PkiFiles.WriteAsync(path, Render(serverUrl, caPem, adminCertPem, adminKeyPem), PkiFiles.PrivateFile, ct);
    }

    /// <summary>The kubeconfig YAML text.</summary>
    public static string Render(string serverUrl, string caPem, string adminCertPem, string adminKeyPem) =>
        Render(serverUrl, caPem, adminCertPem, adminKeyPem, UserName);

    /// <summary>The kubeconfig YAML text for the client certificate of <paramref name="userName"/> (the kubeconfig's user entry).</summary>
    public static string Render(string serverUrl, string caPem, string adminCertPem, string adminKeyPem, string userName)
    {
        if (!Uri.TryCreate(serverUrl, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"the kubeconfig server URL must be an absolute https URL such as https://127.0.0.1:6443 (got \"{serverUrl}\")", nameof(serverUrl));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(caPem);
        ArgumentException.ThrowIfNullOrWhiteSpace(adminCertPem);
        ArgumentException.ThrowIfNullOrWhiteSpace(adminKeyPem);

        // Written by hand: every value is a URL or base64, so a fixed template is exact and
        // matches what kubectl itself writes (clusters, contexts, current-context, users).
        return new StringBuilder()
            .Append("apiVersion: v1\n")
            .Append("kind: Config\n")
            .Append("clusters:\n")
            .Append("- cluster:\n")
            .Append("    certificate-authority-data: ").Append(Base64(caPem)).Append('\n')
            .Append("    server: ").Append(Quote(serverUrl)).Append('\n')
            .Append("  name: ").Append(ClusterName).Append('\n')
            .Append("contexts:\n")
            .Append("- context:\n")
            .Append("    cluster: ").Append(ClusterName).Append('\n')
            .Append("    user: ").Append(Scalar(userName)).Append('\n')
            .Append("  name: ").Append(ContextName).Append('\n')
            .Append("current-context: ").Append(ContextName).Append('\n')
            .Append("preferences: {}\n")
            .Append("users:\n")
            .Append("- name: ").Append(Scalar(userName)).Append('\n')
            .Append("  user:\n")
            .Append("    client-certificate-data: ").Append(Base64(adminCertPem)).Append('\n')
            .Append("    client-key-data: ").Append(Base64(adminKeyPem)).Append('\n')
            .ToString();
    }

    private static string Base64(string pem) => Convert.ToBase64String(Encoding.UTF8.GetBytes(pem));

    /// <summary>A user name as YAML: plain when it cannot be read as anything but that string, else double-quoted.</summary>
    private static string Scalar(string value) =>
        value.Length > 0 && char.IsAsciiLetterLower(value[0]) && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && value is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "y" or "n")
            ? value : Quote(value);

    /// <summary>A YAML double-quoted scalar (an IPv6 URL holds '[' and ':').</summary>
    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
