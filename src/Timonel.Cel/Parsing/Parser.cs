using Timonel.Cel.Values;

namespace Timonel.Cel.Parsing;

/// <summary>
/// Recursive descent over CEL's grammar (langdef.md), with macros expanded as they are parsed. Nesting is
/// counted so that hostile input ends in an error, never a stack overflow: each sub-expression, operand
/// of a chain and member step counts toward <see cref="Limits.MaxRecursionDepth"/>; `&&` and `||` chains
/// are balanced into trees (as cel-go does) so long conjunctions stay shallow.
/// </summary>
internal sealed class Parser
{
    private const string ExpectedExpression =
        "{'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}";

    private static readonly HashSet<string> Reserved =
    [
        "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop",
        "package", "namespace", "return", "var", "void", "while",
    ];

    private readonly Lexer _lexer;
    private readonly int _maxDepth;
    private Token _tok;
    private int _depth;

    private Parser(string source, int maxDepth)
    {
        _lexer = new Lexer(source);
        _maxDepth = maxDepth;
        _tok = _lexer.Next();
    }

    public static Expr Parse(string source, int maxDepth)
    {
        var p = new Parser(source, maxDepth);
        var e = p.ParseExpr();
        if (p._tok.Kind != TokenKind.Eof)
        {
            throw p.Mismatch("<EOF>");
        }
        return e;
    }

    private Token Advance()
    {
        var t = _tok;
        _tok = _lexer.Next();
        return t;
    }

    private bool Accept(TokenKind kind)
    {
        if (_tok.Kind != kind)
        {
            return false;
        }
        Advance();
        return true;
    }

    private Token Expect(TokenKind kind, string display)
    {
        if (_tok.Kind != kind)
        {
            throw Mismatch(display);
        }
        return Advance();
    }

    private CelSyntaxException Mismatch(string expecting) =>
        new(_tok.Start, $"Syntax error: mismatched input '{_tok.Text}' expecting {expecting}");

    private void Enter()
    {
        if (++_depth > _maxDepth)
        {
            throw new CelSyntaxException(_tok.Start, $"expression recursion limit exceeded: {_maxDepth}");
        }
    }

    private Expr ParseExpr()
    {
        Enter();
        var cond = ParseOr();
        if (_tok.Kind == TokenKind.Question)
        {
            var q = Advance();
            var then = ParseOr();
            Expect(TokenKind.Colon, "':'");
            var otherwise = ParseExpr();
            cond = new CallExpr(q.Start, null, "_?_:_", [cond, then, otherwise]);
        }
        _depth--;
        return cond;
    }

    private Expr ParseOr() => ParseLogical(TokenKind.Or, "_||_", ParseAnd);

    private Expr ParseAnd() => ParseLogical(TokenKind.And, "_&&_", ParseRelation);

    private Expr ParseLogical(TokenKind op, string function, Func<Expr> operand)
    {
        var terms = new List<Expr> { operand() };
        var positions = new List<int>();
        while (_tok.Kind == op)
        {
            positions.Add(Advance().Start);
            terms.Add(operand());
        }
        return Balance(terms, positions, 0, terms.Count - 1, function);
    }

    private static Expr Balance(List<Expr> terms, List<int> positions, int lo, int hi, string function)
    {
        if (lo == hi)
        {
            return terms[lo];
        }
        var mid = (lo + hi + 1) / 2;
        return new CallExpr(positions[mid - 1], null, function,
            [Balance(terms, positions, lo, mid - 1, function), Balance(terms, positions, mid, hi, function)]);
    }

    private Expr ParseRelation()
    {
        var saved = _depth;
        var left = ParseAddition();
        while (true)
        {
            var function = _tok.Kind switch
            {
                TokenKind.Lt => "_<_",
                TokenKind.Le => "_<=_",
                TokenKind.Gt => "_>_",
                TokenKind.Ge => "_>=_",
                TokenKind.Eq => "_==_",
                TokenKind.Ne => "_!=_",
                TokenKind.In => "@in",
                _ => null,
            };
            if (function is null)
            {
                _depth = saved;
                return left;
            }
            var pos = Advance().Start;
            Enter();
            left = new CallExpr(pos, null, function, [left, ParseAddition()]);
        }
    }

    private Expr ParseAddition()
    {
        var saved = _depth;
        var left = ParseMultiplication();
        while (_tok.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            var t = Advance();
            Enter();
            left = new CallExpr(t.Start, null, t.Kind == TokenKind.Plus ? "_+_" : "_-_", [left, ParseMultiplication()]);
        }
        _depth = saved;
        return left;
    }

    private Expr ParseMultiplication()
    {
        var saved = _depth;
        var left = ParseUnary();
        while (_tok.Kind is TokenKind.Star or TokenKind.Slash or TokenKind.Percent)
        {
            var t = Advance();
            Enter();
            var function = t.Kind switch { TokenKind.Star => "_*_", TokenKind.Slash => "_/_", _ => "_%_" };
            left = new CallExpr(t.Start, null, function, [left, ParseUnary()]);
        }
        _depth = saved;
        return left;
    }

    private Expr ParseUnary()
    {
        if (_tok.Kind is TokenKind.Not or TokenKind.Minus)
        {
            var t = Advance();
            // A single '-' before a number literal is part of the literal (the grammar's signed
            // literals), which is how -9223372036854775808 can be written.
            if (t.Kind == TokenKind.Minus && _tok.Kind is TokenKind.Int or TokenKind.Double)
            {
                var lit = Advance();
                CelValue value = lit.Kind == TokenKind.Double
                    ? (CelValue)new CelDouble(-(double)lit.Value!)
                    : (ulong)lit.Value! <= 9223372036854775808UL
                        ? new CelInt(unchecked(-(long)(ulong)lit.Value!))
                        : throw new CelSyntaxException(lit.Start, "invalid int literal");
                return ParsePostfix(new ConstExpr(t.Start, value));
            }
            Enter();
            var operand = ParseUnary();
            _depth--;
            return new CallExpr(t.Start, null, t.Kind == TokenKind.Not ? "!_" : "-_", [operand]);
        }
        return ParsePostfix(ParsePrimary());
    }

    private Expr ParsePostfix(Expr e)
    {
        var saved = _depth;
        while (true)
        {
            if (_tok.Kind == TokenKind.Dot)
            {
                var dot = Advance();
                Enter();
                var name = Expect(TokenKind.Ident, "IDENTIFIER");
                if (_tok.Kind == TokenKind.LParen)
                {
                    // cel-go places a call (and a macro's expansion) at its '('.
                    var open = Advance();
                    var args = ParseArgs(TokenKind.RParen, "')'");
                    e = ReceiverCall(open.Start, e, name.Text, args);
                }
                else
                {
                    e = new SelectExpr(dot.Start, e, name.Text, testOnly: false);
                }
            }
            else if (_tok.Kind == TokenKind.LBracket)
            {
                var b = Advance();
                Enter();
                var index = ParseExpr();
                Expect(TokenKind.RBracket, "']'");
                e = new CallExpr(b.Start, null, "_[_]", [e, index]);
            }
            else
            {
                _depth = saved;
                return e;
            }
        }
    }

    private Expr[] ParseArgs(TokenKind close, string closeText)
    {
        var args = new List<Expr>();
        if (Accept(close))
        {
            return [.. args];
        }
        args.Add(ParseExpr());
        while (Accept(TokenKind.Comma))
        {
            args.Add(ParseExpr());
        }
        Expect(close, closeText);
        return [.. args];
    }

    private Expr ParsePrimary()
    {
        var t = _tok;
        switch (t.Kind)
        {
            case TokenKind.Int:
                Advance();
                return (ulong)t.Value! <= long.MaxValue
                    ? new ConstExpr(t.Start, new CelInt((long)(ulong)t.Value!))
                    : throw new CelSyntaxException(t.Start, "invalid int literal");
            case TokenKind.Uint:
                Advance();
                return new ConstExpr(t.Start, new CelUint((ulong)t.Value!));
            case TokenKind.Double:
                Advance();
                return new ConstExpr(t.Start, new CelDouble((double)t.Value!));
            case TokenKind.String:
                Advance();
                return new ConstExpr(t.Start, new CelString((string)t.Value!));
            case TokenKind.Bytes:
                Advance();
                return new ConstExpr(t.Start, new CelBytes((byte[])t.Value!));
            case TokenKind.True:
                Advance();
                return new ConstExpr(t.Start, CelBool.True);
            case TokenKind.False:
                Advance();
                return new ConstExpr(t.Start, CelBool.False);
            case TokenKind.Null:
                Advance();
                return new ConstExpr(t.Start, CelNull.Instance);
            case TokenKind.LParen:
                Advance();
                var inner = ParseExpr();
                Expect(TokenKind.RParen, "')'");
                return inner;
            case TokenKind.LBracket:
                Advance();
                return new ListExpr(t.Start, ParseListElements());
            case TokenKind.LBrace:
                Advance();
                return new MapExpr(t.Start, ParseMapEntries());
            case TokenKind.Dot:
                Advance();
                var rooted = Expect(TokenKind.Ident, "IDENTIFIER");
                return Identifier(rooted, "." + rooted.Text);
            case TokenKind.Ident:
                Advance();
                return Identifier(t, t.Text);
            default:
                throw Mismatch(ExpectedExpression);
        }
    }

    private Expr Identifier(Token t, string name)
    {
        if (Reserved.Contains(t.Text))
        {
            throw new CelSyntaxException(t.Start, $"reserved identifier: {t.Text}");
        }
        if (_tok.Kind == TokenKind.LParen)
        {
            var open = Advance();
            var args = ParseArgs(TokenKind.RParen, "')'");
            return GlobalCall(open.Start, name.TrimStart('.'), args);
        }
        if (_tok.Kind == TokenKind.LBrace)
        {
            throw new CelSyntaxException(_tok.Start, "message construction is not supported");
        }
        return new IdentExpr(t.Start, name);
    }

    private Expr[] ParseListElements()
    {
        var items = new List<Expr>();
        while (_tok.Kind != TokenKind.RBracket)
        {
            items.Add(ParseExpr());
            if (!Accept(TokenKind.Comma))
            {
                break;
            }
        }
        Expect(TokenKind.RBracket, "']'");
        return [.. items];
    }

    private (Expr, Expr)[] ParseMapEntries()
    {
        var entries = new List<(Expr, Expr)>();
        while (_tok.Kind != TokenKind.RBrace)
        {
            var key = ParseExpr();
            Expect(TokenKind.Colon, "':'");
            entries.Add((key, ParseExpr()));
            if (!Accept(TokenKind.Comma))
            {
                break;
            }
        }
        Expect(TokenKind.RBrace, "'}'");
        return [.. entries];
    }

    private static Expr GlobalCall(int pos, string name, Expr[] args)
    {
        if (name == "has" && args.Length == 1)
        {
            return args[0] is SelectExpr { TestOnly: false } s
                ? new SelectExpr(pos, s.Operand, s.Field, testOnly: true)
                : throw new CelSyntaxException(args[0].Position, "invalid argument to has() macro");
        }
        return new CallExpr(pos, null, name, args);
    }

    private static Expr ReceiverCall(int pos, Expr target, string name, Expr[] args) =>
        Macros.TryExpand(pos, target, name, args) ?? new CallExpr(pos, target, name, args);
}
