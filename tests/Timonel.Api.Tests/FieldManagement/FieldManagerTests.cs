using System.Text.Json.Nodes;
using k8s.Models;
using Timonel.Api.FieldManagement;
using Xunit;

namespace Timonel.Api.Tests.FieldManagement;

public class FieldManagerTests
{
    private static readonly SchemaNode Schema = ModelSchemaNode.For(typeof(V1Deployment));
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static FieldManagerRequest As(string manager, int minutes = 0) => new(manager, "apps/v1", null, true, Now.AddMinutes(minutes));

    private static JsonObject Config(int replicas, string image = "nginx:1", string? extraEnv = null)
    {
        var container = new JsonObject { ["name"] = "nginx", ["image"] = image };
        if (extraEnv is not null)
        {
            container["env"] = new JsonArray(new JsonObject { ["name"] = extraEnv, ["value"] = "1" });
        }

        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["template"] = new JsonObject { ["spec"] = new JsonObject { ["containers"] = new JsonArray(container) } },
            },
        };
    }

    private static JsonArray Managed(JsonObject obj) => (JsonArray)obj["metadata"]!["managedFields"]!;

    [Fact]
    public void Apply_Create_RecordsApplyEntry()
    {
        var created = FieldManager.Apply(null, Config(2), Schema, As("kubectl"), force: false);

        var entry = Assert.Single(Managed(created));
        Assert.Equal("kubectl", (string?)entry!["manager"]);
        Assert.Equal("Apply", (string?)entry["operation"]);
        Assert.Equal("apps/v1", (string?)entry["apiVersion"]);
        Assert.Equal("2026-01-02T03:04:05Z", (string?)entry["time"]);
        Assert.Equal("FieldsV1", (string?)entry["fieldsType"]);
        Assert.NotNull(entry["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.Null(entry["fieldsV1"]!["f:metadata"]);
    }

    [Fact]
    public void Apply_OtherManagerChangedField_ConflictsUnlessForced()
    {
        var live = FieldManager.Apply(null, Config(2), Schema, As("kubectl"), force: false);
        var scaled = (JsonObject)live.DeepClone();
        scaled["spec"]!["replicas"] = 5;
        FieldManager.Update(live, scaled, Schema, As("kubectl-scale", 1), null);

        var e = Assert.Throws<ApplyConflictException>(() => FieldManager.Apply(scaled, Config(3), Schema, As("kubectl", 2), force: false));

        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-scale\" using apps/v1: .spec.replicas", e.Message);
        var forced = FieldManager.Apply(scaled, Config(3), Schema, As("kubectl", 2), force: true);
        Assert.Equal(3, (int)forced["spec"]!["replicas"]!);
        Assert.DoesNotContain(Managed(forced), m => (string?)m!["manager"] == "kubectl-scale");
    }

    [Fact]
    public void Apply_SameValueAsOtherManager_SharesOwnershipWithoutConflict()
    {
        var live = FieldManager.Apply(null, Config(2), Schema, As("a"), force: false);

        var shared = FieldManager.Apply(live, Config(2), Schema, As("b"), force: false);

        Assert.Equal(2, Managed(shared).Count);
    }

    [Fact]
    public void Apply_FieldNoLongerApplied_IsRemoved_UnlessAnotherManagerOwnsIt()
    {
        var live = FieldManager.Apply(null, Config(2, extraEnv: "DEBUG"), Schema, As("a"), force: false);

        var removed = FieldManager.Apply(live, Config(2), Schema, As("a", 1), force: false);

        Assert.Null(removed["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]);

        var shared = FieldManager.Apply(live, Config(2, extraEnv: "DEBUG"), Schema, As("b", 1), force: false);
        var kept = FieldManager.Apply(shared, Config(2), Schema, As("a", 2), force: false);
        Assert.NotNull(kept["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]);
    }

    [Fact]
    public void Apply_SeveralConflicts_GroupedByManager()
    {
        var live = FieldManager.Apply(null, Config(2), Schema, As("a"), force: false);

        var e = Assert.Throws<ApplyConflictException>(() => FieldManager.Apply(live, Config(3, image: "nginx:2"), Schema, As("b", 1), force: false));

        Assert.Equal(2, e.Conflicts.Count);
        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"nginx\"].image", e.Message);
    }

    [Fact]
    public void Update_RecordsChangedFields_AndTakesThemFromOthers()
    {
        var live = FieldManager.Apply(null, Config(2), Schema, As("kubectl"), force: false);
        var edited = (JsonObject)live.DeepClone();
        edited["spec"]!["replicas"] = 4;
        edited["metadata"]!["labels"] = new JsonObject { ["x"] = "y" };

        FieldManager.Update(live, edited, Schema, As("kubectl-edit", 1), edited["metadata"]!["managedFields"]);

        var entries = Managed(edited);
        var edit = entries.Single(m => (string?)m!["manager"] == "kubectl-edit")!;
        Assert.Equal("Update", (string?)edit["operation"]);
        Assert.NotNull(edit["fieldsV1"]!["f:metadata"]!["f:labels"]!["."]);
        Assert.NotNull(edit["fieldsV1"]!["f:spec"]!["f:replicas"]);
        var apply = entries.Single(m => (string?)m!["manager"] == "kubectl")!;
        Assert.Null(apply["fieldsV1"]!["f:spec"]!["f:replicas"]);
        Assert.Equal("Apply", (string?)entries[0]!["operation"]);
    }

    [Fact]
    public void Update_ResetWithEmptyEntry_ClearsManagedFields()
    {
        var live = FieldManager.Apply(null, Config(2), Schema, As("kubectl"), force: false);
        var same = (JsonObject)live.DeepClone();

        FieldManager.Update(live, same, Schema, As("x"), JsonNode.Parse("[{}]"));

        Assert.Null(same["metadata"]!["managedFields"]);
    }

    [Fact]
    public void Update_MoreThanTenManagers_OldestMergedIntoAncientChanges()
    {
        var obj = Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{}}}""");
        for (var i = 0; i < 12; i++)
        {
            var next = (JsonObject)obj.DeepClone();
            next["metadata"]!["labels"]!["l" + i] = "v";
            FieldManager.Update(obj, next, Schema, As("m" + i, i), next["metadata"]!["managedFields"]);
            obj = next;
        }

        var managers = Managed(obj).Select(m => (string?)m!["manager"]).ToList();
        Assert.Equal(10, managers.Count);
        Assert.Contains("ancient-changes", managers);
        Assert.DoesNotContain("m0", managers);
        Assert.Contains("m11", managers);
    }

    [Fact]
    public void Apply_KubectlAfterClientSideApply_TakesOverUnchangedLastAppliedFields()
    {
        var lastApplied = Config(2).ToJsonString();
        var csa = Config(2);
        csa["metadata"]!["annotations"] = new JsonObject { [FieldManager.LastAppliedAnnotation] = lastApplied };
        FieldManager.Update(null, csa, Schema, As("kubectl-client-side-apply"), null);

        var ssa = FieldManager.Apply(csa, Config(3), Schema, As("kubectl", 1), force: false);

        Assert.Equal(3, (int)ssa["spec"]!["replicas"]!);
        Assert.Contains("\"replicas\":3", (string?)ssa["metadata"]!["annotations"]![FieldManager.LastAppliedAnnotation], StringComparison.Ordinal);
        Assert.Throws<ApplyConflictException>(() => FieldManager.Apply(csa, Config(3), Schema, As("other", 1), force: false));
    }
}
