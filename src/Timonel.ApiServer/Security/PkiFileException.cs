namespace Timonel.ApiServer.Security;

/// <summary>
/// A file of the cluster PKI (a certificate, key or token under the data dir) is missing,
/// unreadable or corrupt. The message names the file and says what a person can do about it,
/// so the server can print it and exit instead of showing a stack trace.
/// </summary>
public sealed class PkiFileException : Exception
{
    public PkiFileException(string path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = path;
    }

    public PkiFileException() : this("", "cluster PKI file error") { }

    public PkiFileException(string message) : this("", message) { }

    public PkiFileException(string message, Exception innerException) : this("", message, innerException) { }

    /// <summary>The full path of the offending file.</summary>
    public string FilePath { get; }
}
