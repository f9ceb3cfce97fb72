using Xunit;

namespace Timonel.Controllers.Tests.Job;

/// <summary>One cluster with the job and ttl-after-finished controllers for the Job tests; each test uses its own namespace.</summary>
public sealed class JobControllerFixture : IAsyncLifetime
{
    private ControllerHarness? _harness;

    public ControllerHarness Harness => _harness ?? throw new InvalidOperationException("fixture not started");

    public async Task InitializeAsync()
    {
        // A short failure backoff keeps backoffLimit tests quick; the logic is the same as with 10 s.
        var options = new ControllerManagerOptions { JobPodFailureBackoff = TimeSpan.FromMilliseconds(50) };
        _harness = await ControllerHarness.StartAsync(options, "job", "ttl-after-finished");
    }

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }
}
