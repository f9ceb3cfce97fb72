namespace Timonel.ApiServer.Security.Node;

/// <summary>
/// Upstream's default node identifier: a user is a node when it is in group "system:nodes";
/// its node name is what follows "system:node:" in the user name (empty when the name does
/// not have that form: a node that cannot be told apart).
/// </summary>
internal static class NodeIdentity
{
    public const string NodesGroup = "system:nodes";
    public const string UserPrefix = "system:node:";

    /// <summary>True for a node's identity; <paramref name="nodeName"/> is then its name, possibly empty.</summary>
    public static bool TryGet(UserInfo? user, out string nodeName)
    {
        nodeName = "";
        if (user is null || !user.Name.StartsWith(UserPrefix, StringComparison.Ordinal) || !user.Groups.Contains(NodesGroup))
        {
            return false;
        }

        nodeName = user.Name[UserPrefix.Length..];
        return true;
    }
}
