namespace Timonel.ApiServer.Security;

/// <summary>A server cannot join the cluster in its datastore (wrong or missing token); the message says what to do.</summary>
public sealed class ClusterJoinException(string message, Exception? inner = null) : Exception(message, inner);
