namespace Timonel.Kubelet.Volumes;

/// <summary>
/// A volume could not be set up; the message is what upstream puts after
/// "MountVolume.SetUp failed for volume "name" :" in the FailedMount event.
/// </summary>
public sealed class VolumeException : Exception
{
    public VolumeException(string message)
        : base(message)
    {
    }

    public VolumeException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public VolumeException()
    {
    }
}
