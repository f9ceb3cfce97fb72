namespace Timonel.Client.Controllers;

/// <summary>An orphan was not adopted because the owner, read live, is gone, replaced or being deleted.</summary>
public sealed class AdoptionRefusedException : Exception
{
    public AdoptionRefusedException()
    {
    }

    public AdoptionRefusedException(string message)
        : base(message)
    {
    }

    public AdoptionRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
