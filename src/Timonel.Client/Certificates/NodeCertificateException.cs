namespace Timonel.Client.Certificates;

/// <summary>Why a node client certificate was not obtained (denied, failed, or not issued in time); the message names the CSR.</summary>
public sealed class NodeCertificateException(string message) : Exception(message);
