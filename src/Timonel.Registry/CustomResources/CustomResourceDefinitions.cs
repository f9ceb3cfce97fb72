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
            .Select(v => new ResourceVersion(v.Str("name") ?? "", v.Bool("served") == true, v.Bool("storage") == true, typeof(CustomResourceObject), new PrinterColumnTable(v.Arr("additionalPrinterColumns")))
            {
                DeprecationWarning = v.Bool("deprecated") == true ? v.Str("deprecationWarning") ?? CustomResourceDeprecation.DefaultWarning(group, kind, v.Str("name") ?? "", versionObjects) : null,
                Fields = Selectors.CustomResourceFields.For(namespaced, v.Arr("selectableFields").Objects().Select(f => f.Item.Str("jsonPath")).OfType<string>()),
            })
            .ToList();
        var storage = versionObjects.First(v => v.Bool("storage") == true);
        var subresources = storage.Obj("subresources");
        var hasStatus = subresources?["status"] is not null;
        ScalePaths? scale = subresources.Obj("scale") is { } s
            ? new ScalePaths(s.Str("specReplicasPath") ?? ".spec.replicas", s.Str("statusReplicasPath") ?? ".status.replicas", s.Str("labelSelectorPath"))
            : null;
        return new ResourceDefinition(group, kind, names.Str("plural") ?? "", namespaced, typeof(CustomResourceObject), versions)
        {
            Singular = names.Str("singular") is { Length: > 0 } singular ? singular : kind.ToLowerInvariant(),
            ShortNames = names.Arr("shortNames").Strings().Select(x => x.Value).ToList(),
            Categories = names.Arr("categories").Strings().Select(x => x.Value).ToList(),
            Subresources = [.. hasStatus ? [Status] : Array.Empty<SubresourceDefinition>(), .. scale is not null ? [Scale] : Array.Empty<SubresourceDefinition>()],
            Strategy = new CustomResourceStrategy(namespaced, hasStatus, WithRules(schemaFor, storage.Obj("schema").Obj("openAPIV3Schema")), scale),
            ScalePaths = scale,
            Custom = new CustomResourceInfo(crd.Obj("metadata").Str("name") ?? "", crd.Obj("metadata").Str("uid"), terminating, versionObjects
                .Where(v => v.Obj("schema").Obj("openAPIV3Schema") is not null)
                .GroupBy(v => v.Str("name") ?? "")
                .ToDictionary(g => g.Key, g => (JsonObject)g.First().Obj("schema").Obj("openAPIV3Schema")!.DeepClone(), StringComparer.Ordinal)),
            StoragePrefix = $"/registry/{group}/{names.Str("plural")}/",
            Converter = spec.Obj("conversion").Str("strategy") == "Webhook" && webhookConverter is not null ? webhookConverter(crd) : IdentityConverter.Instance,
        };
    }

    // The version's x-kubernetes-validations rules, compiled once here (with the served definition), run after the schema's own validation.
    private static ICustomResourceSchema WithRules(Func<JsonObject?, ICustomResourceSchema> schemaFor, JsonObject? schema) =>
        Cel.CrdRuleValidator.Wrap(schemaFor(schema), schema);
}
