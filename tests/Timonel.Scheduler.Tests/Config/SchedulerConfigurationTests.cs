using Timonel.Scheduler.Config;
using Timonel.Scheduler.Framework;
using Timonel.Scheduler.Plugins;
using Timonel.Scheduler.Queue;
using Xunit;

namespace Timonel.Scheduler.Tests.Config;

public class SchedulerConfigurationTests
{
    private static PluginHandle Handle() => new(new SchedulerListers(), new FakeClient(), TimeProvider.System, new Nominator());

    [Fact]
    public void Default_Profile_HasUpstreamFiltersAndWeights()
    {
        var fwk = ProfileFactory.Build(SchedulerConfiguration.Default, Handle)["default-scheduler"];

        Assert.Equal(
            ["NodeUnschedulable", "NodeName", "TaintToleration", "NodeAffinity", "NodePorts", "NodeResourcesFit", "VolumeBinding", "PodTopologySpread", "InterPodAffinity"],
            fwk.FilterPluginNames);
        Assert.Contains(("TaintToleration", 3), fwk.ScorePluginWeights);
        Assert.Contains(("NodeResourcesFit", 1), fwk.ScorePluginWeights);
        Assert.Contains(("PodTopologySpread", 2), fwk.ScorePluginWeights);
    }

    [Fact]
    public void Parse_ScoreWeightsAndArgs_Applied()
    {
        var config = SchedulerConfiguration.Parse("""
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            percentageOfNodesToScore: 30
            profiles:
            - schedulerName: packer
              plugins:
                score:
                  enabled:
                  - name: NodeResourcesFit
                    weight: 7
                  disabled:
                  - name: ImageLocality
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: MostAllocated
                    resources:
                    - name: cpu
                      weight: 2
            """);

        var fwk = ProfileFactory.Build(config, Handle)["packer"];

        Assert.Equal(30, fwk.PercentageOfNodesToScore);
        Assert.Contains(("NodeResourcesFit", 7), fwk.ScorePluginWeights);
        Assert.DoesNotContain(fwk.ScorePluginWeights, w => w.Name == "ImageLocality");
        Assert.Equal(ResourceScoring.MostAllocated, config.Profiles[0].PluginArgs.ContainsKey("NodeResourcesFit") ? NodeResourcesFit.FromArgs(config.Profiles[0].PluginArgs["NodeResourcesFit"]).Scoring.Type : null);
    }

    [Fact]
    public void Parse_Json_Accepted()
    {
        var config = SchedulerConfiguration.Parse("""{"apiVersion":"kubescheduler.config.k8s.io/v1","kind":"KubeSchedulerConfiguration","profiles":[{"schedulerName":"a"},{"schedulerName":"b"}]}""");

        Assert.Equal(["a", "b"], config.Profiles.Select(p => p.SchedulerName));
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: KubeSchedulerConfiguration", "apiVersion: Unsupported value: \"v1\"")]
    [InlineData("apiVersion: kubescheduler.config.k8s.io/v1\npercentageOfNodesToScore: 120", "percentageOfNodesToScore: Invalid value: 120")]
    [InlineData("apiVersion: kubescheduler.config.k8s.io/v1\nprofiles:\n- schedulerName: a\n- schedulerName: a", "Duplicate value: \"a\"")]
    [InlineData("apiVersion: kubescheduler.config.k8s.io/v1\nprofiles:\n- plugins: {}", "profiles[0].schedulerName: Required value")]
    [InlineData("apiVersion: kubescheduler.config.k8s.io/v1\nprofiles:\n- schedulerName: a\n  plugins:\n    sideways: {}", "unknown extension point")]
    [InlineData("apiVersion: kubescheduler.config.k8s.io/v1\nprofiles:\n- schedulerName: a\n  pluginConfig:\n  - name: Nope\n    args: {}", "plugin \"Nope\" does not exist")]
    [InlineData("{not json", "not valid YAML or JSON")]
    public void Parse_BadInput_ClearError(string text, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => SchedulerConfiguration.Parse(text));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_UnknownEnabledPlugin_Throws()
    {
        var config = SchedulerConfiguration.Parse("apiVersion: kubescheduler.config.k8s.io/v1\nprofiles:\n- schedulerName: a\n  plugins:\n    filter:\n      enabled:\n      - name: Imaginary");

        var e = Assert.Throws<ArgumentException>(() => ProfileFactory.Build(config, Handle));
        Assert.Contains("plugin \"Imaginary\" does not exist", e.Message, StringComparison.Ordinal);
    }
}
