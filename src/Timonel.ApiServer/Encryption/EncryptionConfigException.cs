namespace Timonel.ApiServer.Encryption;

/// <summary>An encryption provider config that cannot be read or is not valid; the message names the file and the problem.</summary>
public sealed class EncryptionConfigException(string message, Exception? inner = null) : Exception(message, inner);
