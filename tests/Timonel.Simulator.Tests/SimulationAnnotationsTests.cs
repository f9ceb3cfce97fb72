using k8s.Models;
using Xunit;

namespace Timonel.Simulator.Tests;

public sealed class SimulationAnnotationsTests
{
    [Theory]
    [InlineData("5s", 5_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("250ms", 250)]
    public void ExitAfterOf_GoDuration_Parses(string text, int millis)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(millis), SimulationAnnotations.ExitAfterOf(Pod(SimulationAnnotations.ExitAfter, text)));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("5")]
    public void ExitAfterOf_InvalidDuration_IsIgnored(string text)
    {
        Assert.Null(SimulationAnnotations.ExitAfterOf(Pod(SimulationAnnotations.ExitAfter, text)));
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("7", 7)]
    [InlineData("seven", 1)]
    public void ExitCodeOf_Annotation_DefaultsToZeroAndFailsOnGarbage(string? text, int code)
    {
        var pod = text is null ? new V1Pod { Metadata = new V1ObjectMeta() } : Pod(SimulationAnnotations.ExitCode, text);
        Assert.Equal(code, SimulationAnnotations.ExitCodeOf(pod));
    }

    private static V1Pod Pod(string key, string value) =>
        new() { Metadata = new V1ObjectMeta { Annotations = new Dictionary<string, string> { [key] = value } } };
}
