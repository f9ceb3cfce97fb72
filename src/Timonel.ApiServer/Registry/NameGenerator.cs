namespace Timonel.ApiServer.Registry;

/// <summary>generateName suffixes: five characters from upstream's alphabet (no vowels, no look-alikes).</summary>
internal sealed class NameGenerator(Random random)
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int MaxBaseLength = 63 - 5;

    public string Generate(string prefix)
    {
        if (prefix.Length > MaxBaseLength)
        {
            prefix = prefix[..MaxBaseLength];
        }

        Span<char> suffix = stackalloc char[5];
        lock (random)
        {
            for (var i = 0; i < suffix.Length; i++)
            {
                suffix[i] = Alphabet[random.Next(Alphabet.Length)];
            }
        }

        return prefix + new string(suffix);
    }
}
