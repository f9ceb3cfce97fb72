using System.Text.Json.Nodes;

namespace Timonel.ApiServer.Registry.Rbac;

/// <summary>
/// One rbac/v1 PolicyRule of the bootstrap policy, built as upstream's rbacv1helpers.NewRule
/// does: verbs, resources, resource names and URLs are sorted and deduplicated, API groups keep
/// the order they were given in (so the stored rules read as upstream's).
/// </summary>
internal sealed record PolicyRule(string[] Verbs, string[] ApiGroups, string[] ResourceList, string[] ResourceNames, string[] Urls)
{
    /// <summary>The core ("legacy") API group.</summary>
    public const string Core = "";

    public static PolicyRule Of(params string[] verbs) => new(Sorted(verbs), [], [], [], []);

    public PolicyRule Groups(params string[] groups) => this with { ApiGroups = [.. ApiGroups, .. groups] };

    public PolicyRule Resources(params string[] resources) => this with { ResourceList = Sorted([.. ResourceList, .. resources]) };

    public PolicyRule Names(params string[] names) => this with { ResourceNames = Sorted([.. ResourceNames, .. names]) };

    public PolicyRule NonResourceUrls(params string[] urls) => this with { Urls = Sorted([.. Urls, .. urls]) };

    /// <summary>The rule as stored, fields in rbac/v1's order, empty lists left out.</summary>
    public JsonObject ToJson() => new Security.Rbac.PolicyRule(Verbs, ApiGroups, ResourceList, ResourceNames, Urls).ToJson();

    private static string[] Sorted(string[] values) => [.. values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
}

/// <summary>Short spellings for the policy data files, so that each rule reads as one line.</summary>
internal static class Rules
{
    public const string Core = PolicyRule.Core;
    public const string Apps = "apps";
    public const string Extensions = "extensions";
    public const string Batch = "batch";
    public const string Autoscaling = "autoscaling";
    public const string Policy = "policy";
    public const string Networking = "networking.k8s.io";
    public const string StorageGroup = "storage.k8s.io";
    public const string Coordination = "coordination.k8s.io";
    public const string Discovery = "discovery.k8s.io";
    public const string Certificates = "certificates.k8s.io";
    public const string Authentication = "authentication.k8s.io";
    public const string Authorization = "authorization.k8s.io";
    public const string RbacGroup = "rbac.authorization.k8s.io";
    public const string Events = "events.k8s.io";

    public static readonly string[] Read = ["get", "list", "watch"];
    public static readonly string[] ReadWrite = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
    public static readonly string[] Write = ["create", "update", "patch", "delete", "deletecollection"];

    public static PolicyRule Rule(params string[] verbs) => PolicyRule.Of(verbs);

    /// <summary>Upstream's eventsRule(): create, update and patch events in both event groups.</summary>
    public static PolicyRule EventsRule() => Rule("create", "update", "patch").Groups(Core, Events).Resources("events");
}
