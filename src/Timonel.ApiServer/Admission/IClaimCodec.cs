using System.Text;
using Timonel.Storage;

namespace Timonel.ApiServer.Admission;

/// <summary>What a <see cref="StoreAllocator"/> writes under a claim key, and how it reads the owner back.</summary>
internal interface IClaimCodec
{
    /// <summary>The value stored for the claim of <paramref name="name"/> (the formatted value) by <paramref name="owner"/> ("namespace/name").</summary>
    byte[] Encode(string name, string owner);

    /// <summary>The owner a stored claim names; never equal to a Service's "namespace/name" when the claim is someone else's.</summary>
    string OwnerOf(KeyValue claim);

    /// <summary>Whether an allocator wrote the claim (only those are freed as leaks).</summary>
    bool IsManaged(KeyValue claim);

    /// <summary>Told of every claim written or deleted, with its store revision.</summary>
    void Written(string key, long revision);
}

/// <summary>Claims whose value is the owner's "namespace/name" (node ports).</summary>
internal sealed class PlainClaims : IClaimCodec
{
    public static PlainClaims Instance { get; } = new();

    public byte[] Encode(string name, string owner) => Encoding.UTF8.GetBytes(owner);

    public string OwnerOf(KeyValue claim) => Encoding.UTF8.GetString(claim.Value.Span);

    public bool IsManaged(KeyValue claim) => true;

    public void Written(string key, long revision)
    {
    }
}
