using Timonel.Autoscaler.NodeGroups;
using Xunit;

namespace Timonel.Autoscaler.Tests;

public sealed class NodeGroupsConfigTests
{
    [Fact]
    public void Parse_ExecGroups_ReadsEveryField()
    {
        var config = NodeGroupsConfig.Parse("""
            provider: exec
            exec:
              create: [/bin/add, --fast]
              delete: [/bin/remove]
            nodeGroups:
            - name: small
              minSize: 1
              maxSize: 5
              cpu: "2"
              memory: 8Gi
              labels: {pool: small}
              taints: ["dedicated=batch:NoSchedule"]
            """);

        Assert.Equal("exec", config.Provider);
        Assert.Equal(new[] { "/bin/add", "--fast" }, config.Exec!.Create);
        var group = Assert.Single(config.NodeGroups);
        Assert.Equal((1, 5, "2", "8Gi"), (group.MinSize, group.MaxSize, group.Cpu, group.Memory));
        var node = group.Template().Build("small-abcde");
        Assert.Equal("small", node.Metadata.Labels["pool"]);
        Assert.Equal("small", node.Metadata.Labels[NodeGroupLabels.Group]);
        Assert.Equal("dedicated", Assert.Single(node.Spec.Taints).Key);
    }

    [Theory]
    [InlineData("nodeGroups: [{name: a, minSize: 3, maxSize: 2}]", "minSize 3, maxSize 2")]
    [InlineData("provider: cloud\nnodeGroups: [{name: a, maxSize: 2}]", "Unsupported value: \"cloud\"")]
    [InlineData("provider: exec\nnodeGroups: [{name: a, maxSize: 2}]", "exec.create and exec.delete")]
    [InlineData("nodeGroups: [{name: A_b, maxSize: 2}]", "nodeGroups[0].name")]
    [InlineData("nodeGroups: [{name: a, maxSize: 2, cpu: lots}]", "nodeGroups[0].cpu")]
    [InlineData("nodeGroups: [{name: a, maxSize: 2, taints: [\"x:Sometimes\"]}]", "nodeGroups[0].taints")]
    [InlineData("nodeGroups: [{name: a, maxSize: 2}, {name: a, maxSize: 3}]", "Duplicate value")]
    [InlineData("nodeGroups: [{name: a, maxSize: 2, colour: red}]", "colour")]
    [InlineData("nodeGroups: []", "at least one node group")]
    public void Parse_BadFile_SaysWhichField(string yaml, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => NodeGroupsConfig.Parse(yaml));
        Assert.Contains(expected, e.Message);
    }
}
