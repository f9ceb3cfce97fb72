using Timonel.Api.Errors;

namespace Timonel.Api.Selectors;

/// <summary>
/// The query-string label selector grammar, read the way upstream's labels.Parse reads it
/// (same tokens, same lookahead rules, same error texts):
/// <code>
///   selector    ::= requirement ("," requirement)*
///   requirement ::= ["!"] KEY [ ("in" | "notin") "(" VALUE ("," VALUE)* ")" | ("=" | "==" | "!=" | "&gt;" | "&lt;") VALUE ]
/// </code>
/// Whitespace (space, tab, CR, LF) separates tokens; "in" and "notin" are keywords only where an
/// operator is expected, so they may be keys and values too.
/// </summary>
internal sealed class LabelSelectorParser
{
    private const string BinaryOperators = "in, notin, =, ==, !=, gt, lt";

    private readonly List<Token> _tokens;
    private int _position;

    private LabelSelectorParser(string text) => _tokens = LabelSelectorLexer.Tokenize(text);

    private enum Context
    {
        KeyAndOperator,
        Values,
    }

    /// <summary>Parses the text into requirements sorted by key; throws ApiException 400 on bad syntax.</summary>
    public static List<LabelRequirement> Parse(string text)
    {
        var requirements = new LabelSelectorParser(text).ParseAll();
        return [.. requirements.OrderBy(r => r.Key, StringComparer.Ordinal)];
    }

    private List<LabelRequirement> ParseAll()
    {
        var requirements = new List<LabelRequirement>();
        while (true)
        {
            var next = Lookahead(Context.Values);
            switch (next.Kind)
            {
                case TokenKind.Identifier or TokenKind.DoesNotExist:
                    requirements.Add(ParseRequirementOrThrow());
                    var after = Consume(Context.Values);
                    switch (after.Kind)
                    {
                        case TokenKind.EndOfString:
                            return requirements;
                        case TokenKind.Comma:
                            var following = Lookahead(Context.Values);
                            if (following.Kind is not (TokenKind.Identifier or TokenKind.DoesNotExist))
                            {
                                throw Bad($"found '{following.Literal}', expected: identifier after ','");
                            }

                            break;
                        default:
                            throw Bad($"found '{after.Literal}', expected: ',' or 'end of string'");
                    }

                    break;
                case TokenKind.EndOfString:
                    return requirements;
                default:
                    throw Bad($"found '{next.Literal}', expected: !, identifier, or 'end of string'");
            }
        }
    }

    private LabelRequirement ParseRequirementOrThrow()
    {
        try
        {
            return ParseRequirement();
        }
        catch (SyntaxError e)
        {
            throw Bad("unable to parse requirement: " + e.Message);
        }
    }

    private LabelRequirement ParseRequirement()
    {
        var (key, inferred) = ParseKeyAndInferOperator();
        if (inferred is SelectionOperator.Exists or SelectionOperator.DoesNotExist)
        {
            return Checked(key, inferred.Value, []);
        }

        var op = ParseOperator();
        List<string> values = op is SelectionOperator.In or SelectionOperator.NotIn ? ParseValues() : ParseExactValue();
        return Checked(key, op, values);
    }

    private static LabelRequirement Checked(string key, SelectionOperator op, List<string> values)
    {
        var problems = LabelRequirement.Problems(key, op, values);
        return problems.Count == 0 ? LabelRequirement.Unchecked(key, op, values) : throw new SyntaxError(GoText.Aggregate(problems));
    }

    private (string Key, SelectionOperator? Operator) ParseKeyAndInferOperator()
    {
        SelectionOperator? op = null;
        var token = Consume(Context.Values);
        if (token.Kind == TokenKind.DoesNotExist)
        {
            op = SelectionOperator.DoesNotExist;
            token = Consume(Context.Values);
        }

        if (token.Kind != TokenKind.Identifier)
        {
            throw new SyntaxError($"found '{token.Literal}', expected: identifier");
        }

        var keyErrors = LabelSyntax.KeyErrors(token.Literal);
        if (keyErrors.Count > 0)
        {
            // Upstream validates the key here with a nil field path, hence "<nil>".
            throw new SyntaxError(GoText.Invalid("<nil>", GoText.Quote(token.Literal), string.Join("; ", keyErrors)));
        }

        if (Lookahead(Context.Values).Kind is TokenKind.EndOfString or TokenKind.Comma)
        {
            op ??= SelectionOperator.Exists;
        }

        return (token.Literal, op);
    }

    private SelectionOperator ParseOperator()
    {
        var token = Consume(Context.KeyAndOperator);
        return token.Kind switch
        {
            TokenKind.In => SelectionOperator.In,
            TokenKind.Equals => SelectionOperator.Equals,
            TokenKind.DoubleEquals => SelectionOperator.DoubleEquals,
            TokenKind.GreaterThan => SelectionOperator.GreaterThan,
            TokenKind.LessThan => SelectionOperator.LessThan,
            TokenKind.NotIn => SelectionOperator.NotIn,
            TokenKind.NotEquals => SelectionOperator.NotEquals,
            _ => throw new SyntaxError($"found '{token.Literal}', expected: {BinaryOperators}"),
        };
    }

    // "(a,b)": a sorted set. Upstream's parser reads "()" as the set holding the empty string;
    // here it is the error upstream gives a requirement built with no values, so that an empty
    // set never silently selects (or deletes) what it was not meant to.
    private List<string> ParseValues()
    {
        var open = Consume(Context.Values);
        if (open.Kind != TokenKind.OpenParen)
        {
            throw new SyntaxError($"found '{open.Literal}' expected: '('");
        }

        var next = Lookahead(Context.Values);
        switch (next.Kind)
        {
            case TokenKind.Identifier or TokenKind.Comma:
                var set = ParseIdentifierList();
                if (Consume(Context.Values).Kind != TokenKind.CloseParen)
                {
                    throw new SyntaxError($"found '{next.Literal}', expected: ')'");
                }

                return Sorted(set);
            case TokenKind.CloseParen:
                throw new SyntaxError("for 'in', 'notin' operators, values set can't be empty");
            default:
                throw new SyntaxError($"found '{next.Literal}', expected: ',', ')' or identifier");
        }
    }

    // A comma-separated list in which empty entries stand for the empty string.
    private HashSet<string> ParseIdentifierList()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var token = Consume(Context.Values);
            switch (token.Kind)
            {
                case TokenKind.Identifier:
                    set.Add(token.Literal);
                    var after = Lookahead(Context.Values);
                    switch (after.Kind)
                    {
                        case TokenKind.Comma:
                            continue;
                        case TokenKind.CloseParen:
                            return set;
                        default:
                            throw new SyntaxError($"found '{after.Literal}', expected: ',' or ')'");
                    }

                case TokenKind.Comma:
                    if (set.Count == 0)
                    {
                        set.Add("");
                    }

                    var next = Lookahead(Context.Values);
                    if (next.Kind == TokenKind.CloseParen)
                    {
                        set.Add("");
                        return set;
                    }

                    if (next.Kind == TokenKind.Comma)
                    {
                        Consume(Context.Values);
                        set.Add("");
                    }

                    break;
                default:
                    throw new SyntaxError($"found '{token.Literal}', expected: ',', or identifier");
            }
        }
    }

    private List<string> ParseExactValue()
    {
        if (Lookahead(Context.Values).Kind is TokenKind.EndOfString or TokenKind.Comma)
        {
            return [""];
        }

        var token = Consume(Context.Values);
        return token.Kind == TokenKind.Identifier ? [token.Literal] : throw new SyntaxError($"found '{token.Literal}', expected: identifier");
    }

    private static List<string> Sorted(HashSet<string> set) => [.. set.Order(StringComparer.Ordinal)];

    // The token list always ends with EndOfString; reading past it keeps returning that token.
    private Token Lookahead(Context context) => InContext(_tokens[Math.Min(_position, _tokens.Count - 1)], context);

    private Token Consume(Context context)
    {
        var token = Lookahead(context);
        _position++;
        return token;
    }

    // Where values are expected, the keywords "in" and "notin" are plain identifiers.
    private static Token InContext(Token token, Context context) =>
        context == Context.Values && token.Kind is TokenKind.In or TokenKind.NotIn ? token with { Kind = TokenKind.Identifier } : token;

    private static ApiException Bad(string message) => ApiException.BadRequest(message);

    /// <summary>A failure inside one requirement; the caller prefixes "unable to parse requirement: ".</summary>
    private sealed class SyntaxError(string message) : Exception(message);
}
