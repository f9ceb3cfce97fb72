namespace Timonel.Cel.Parsing;

/// <summary>Stops parsing at the first syntax error; the parser turns it into a <see cref="CelIssue"/>.</summary>
internal sealed class CelSyntaxException(int position, string message) : Exception(message)
{
    public int Position { get; } = position;
}
