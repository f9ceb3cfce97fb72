using System.Text.Json.Nodes;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;
using Timonel.Registry.Tables;

namespace Timonel.Registry.CustomResources;

/// <summary>
/// Turns an accepted CustomResourceDefinition into the <see cref="ResourceDefinition"/> the
/// catalog serves: its accepted names, scope, versions (served, storage, printer columns),
/// subresources, the schemaless model type, and objects stored as JSON under
/// /registry/&lt;group&gt;/&lt;plural&gt;/ (upstream's key for custom resources).
/// </summary>
public static class CustomResourceDefinitions
{
    public const string Group = "apiextensions.k8s.io";
    public const string Plural = "customresourcedefinitions";

    private static readonly SubresourceDefinition Status = new("status", SubresourceHandler.Status);
    private static readonly SubresourceDefinition Scale = new("scale", SubresourceHandler.Scale);

    /// <summary>The definition of CustomResourceDefinitions themselves (a built-in, cluster-scoped, with /status).</summary>
    public static ResourceDefinition BuiltIn() =>
        new(Group, "v1", "CustomResourceDefinition", Plural, namespaced: false, typeof(k8s.Models.V1CustomResourceDefinition))
        {
            Strategy = new CustomResourceDefinitionStrategy(),
            Table = new CreatedAtTable(),
            ShortNames = ["crd", "crds"],
            Categories = ["api-extensions"],
            Subresources = [Status],
            Deletion = CustomResourceCleanupPolicy.Instance,
        };

    /// <summary>
    /// The definition a CRD's custom resources are served by; <paramref name="schemaFor"/> gives a
    /// version's schema behaviour (by default <see cref="Schema.CustomResourceSchemas.For"/>);
    /// <paramref name="webhookConverter"/> builds the converter of a CRD whose conversion strategy
    /// is Webhook (without one, such a CRD's versions convert as with None).
    /// </summary>
    public static ResourceDefinition ToDefinition(JsonObject crd, bool terminating, Func<JsonObject?, ICustomResourceSchema>? schemaFor = null, Func<JsonObject, IRemoteVersionConverter>? webhookConverter = null)
    {
        schemaFor ??= Schema.CustomResourceSchemas.For;
        var spec = crd.Obj("spec") ?? [];
        var names = crd.Obj("status").Obj("acceptedNames") ?? spec.Obj("names") ?? [];
        var group = spec.Str("group") ?? "";
        var namespaced = spec.Str("scope") != "Cluster";
        var versionObjects = spec.Arr("versions").Objects().Select(v => v.Item).ToList();
        var kind = names.Str("kind") ?? "";
        var versions = versionObjects
            .Select(v =>
            {
                var own = VersionBehaviour.Of(v, namespaced, schemaFor);
                return new ResourceVersion(v.Str("name") ?? "", v.Bool("served") == true, v.Bool("storage") == true, typeof(CustomResourceObject), new PrinterColumnTable(v.Arr("additionalPrinterColumns")))
                {
                    DeprecationWarning = v.Bool("deprecated") == true ? v.Str("deprecationWarning") ?? CustomResourceDeprecation.DefaultWarning(group, kind, v.Str("name") ?? "", versionObjects) : null,
                    Fields = Selectors.CustomResourceFields.For(namespaced, v.Arr("selectableFields").Objects().Select(f => f.Item.Str("jsonPath")).OfType<string>()),
                    Strategy = own.Strategy,
                    Subresources = own.Subresources,
                    ScalePaths = VersionBehaviour.ScaleOf(v),
                };
            })
            .ToList();
        var storage = versions.Single(v => v.Storage);
        return new ResourceDefinition(group, kind, names.Str("plural") ?? "", namespaced, typeof(CustomResourceObject), versions)
        {
            Singular = names.Str("singular") is { Length: > 0 } singular ? singular : kind.ToLowerInvariant(),
            ShortNames = names.Arr("shortNames").Strings().Select(x => x.Value).ToList(),
            Categories = names.Arr("categories").Strings().Select(x => x.Value).ToList(),
            Subresources = storage.Subresources!,
            Strategy = storage.Strategy!,
            ScalePaths = storage.ScalePaths,
            Custom = new CustomResourceInfo(crd.Obj("metadata").Str("name") ?? "", crd.Obj("metadata").Str("uid"), terminating, versionObjects
                .Where(v => v.Obj("schema").Obj("openAPIV3Schema") is not null)
                .GroupBy(v => v.Str("name") ?? "")
                .ToDictionary(g => g.Key, g => (JsonObject)g.First().Obj("schema").Obj("openAPIV3Schema")!.DeepClone(), StringComparer.Ordinal)),
            StoragePrefix = $"/registry/{group}/{names.Str("plural")}/",
            Converter = spec.Obj("conversion").Str("strategy") == "Webhook" && webhookConverter is not null ? webhookConverter(crd) : IdentityConverter.Instance,
        };
    }

    /// <summary>
    /// What one CRD version does on its own, as upstream builds a handler per version: its schema
    /// (pruning, defaulting, validation with its x-kubernetes-validations rules, compiled once
    /// here), its status and scale subresources and the strategy that follows from them.
    /// </summary>
    private sealed record VersionBehaviour(CustomResourceStrategy Strategy, IReadOnlyList<SubresourceDefinition> Subresources)
    {
        public static VersionBehaviour Of(JsonObject version, bool namespaced, Func<JsonObject?, ICustomResourceSchema> schemaFor)
        {
            var hasStatus = version.Obj("subresources")?["status"] is not null;
            var scale = ScaleOf(version);
            var schema = version.Obj("schema").Obj("openAPIV3Schema");
            return new VersionBehaviour(
                new CustomResourceStrategy(namespaced, hasStatus, Cel.CrdRuleValidator.Wrap(schemaFor(schema), schema), scale),
                [.. hasStatus ? [Status] : Array.Empty<SubresourceDefinition>(), .. scale is not null ? [Scale] : Array.Empty<SubresourceDefinition>()]);
        }

        public static ScalePaths? ScaleOf(JsonObject version) =>
            version.Obj("subresources").Obj("scale") is { } s
                ? new ScalePaths(s.Str("specReplicasPath") ?? ".spec.replicas", s.Str("statusReplicasPath") ?? ".status.replicas", s.Str("labelSelectorPath"))
                : null;
    }
}
