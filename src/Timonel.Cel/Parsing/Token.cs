namespace Timonel.Cel.Parsing;

internal enum TokenKind
{
    Eof,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Ident,
    True,
    False,
    Null,
    In,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Dot,
    Comma,
    Colon,
    Question,
    Not,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// <summary>One lexical token. Text is the source text; for strings and bytes, Value holds the decoded literal.</summary>
internal readonly record struct Token(TokenKind Kind, int Start, string Text, object? Value = null);
