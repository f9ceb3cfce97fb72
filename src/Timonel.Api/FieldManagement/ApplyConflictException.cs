namespace Timonel.Api.FieldManagement;

/// <summary>One field an apply would change that another manager owns.</summary>
public sealed record FieldConflict(ManagedFieldsEntry Owner, IReadOnlyList<string> Path)
{
    /// <summary>
    /// Upstream's printManager: "kubectl" for appliers, "kubectl-edit" using apps/v1 for updaters, with a
    /// subresource if any. Upstream prints from the manager's identity, which holds no time.
    /// </summary>
    public string OwnerText
    {
        get
        {
            var text = $"\"{Owner.Manager}\"";
            if (!string.IsNullOrEmpty(Owner.Subresource))
            {
                text += $" with subresource \"{Owner.Subresource}\"";
            }

            if (Owner.Operation != ManagedFieldsEntry.Update)
            {
                return text;
            }

            return $"{text} using {Owner.ApiVersion}";
        }
    }

    public string PathText => FieldPath.Display(Path);
}

/// <summary>An apply without force would change fields other managers own (upstream's merge.Conflicts).</summary>
public sealed class ApplyConflictException(IReadOnlyList<FieldConflict> conflicts) : Exception(MessageOf(conflicts))
{
    public IReadOnlyList<FieldConflict> Conflicts { get; } = conflicts;

    /// <summary>Upstream's getConflictMessage: one conflict inline, several grouped by manager (sorted).</summary>
    private static string MessageOf(IReadOnlyList<FieldConflict> conflicts)
    {
        if (conflicts.Count == 1)
        {
            return $"Apply failed with 1 conflict: conflict with {conflicts[0].OwnerText}: {conflicts[0].PathText}";
        }

        var lines = new List<string>();
        foreach (var group in conflicts.GroupBy(c => c.OwnerText).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            lines.Add($"conflicts with {group.Key}:");
            lines.AddRange(group.Select(c => $"- {c.PathText}"));
        }

        return $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
    }
}
