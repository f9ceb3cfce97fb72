namespace Timonel.Kubelet.Pods;

/// <summary>A pull cancelled by the kubelet because its downloads stopped (--image-pull-progress-deadline); the message says which and where.</summary>
public sealed class ImagePullStalledException : Exception
{
    public ImagePullStalledException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
