using System.Text.Json.Nodes;
using Timonel.Cel.Values;
using Xunit;
using static Timonel.Cel.Tests.CelTestHelpers;

namespace Timonel.Cel.Tests;

/// <summary>Compile errors worded and placed as cel-go's, the parse limits, JSON input and the runtime cost limit.</summary>
public sealed class CompileTests
{
    [Theory]
    [InlineData("1 + ", "ERROR: <input>:1:5: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | 1 + \n | ....^")]
    [InlineData("1 2", "ERROR: <input>:1:3: Syntax error: mismatched input '2' expecting <EOF>\n | 1 2\n | ..^")]
    [InlineData("(1", "ERROR: <input>:1:3: Syntax error: mismatched input '<EOF>' expecting ')'\n | (1\n | ..^")]
    [InlineData("a.b(", "ERROR: <input>:1:5: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | a.b(\n | ....^")]
    [InlineData("1 # 2", "ERROR: <input>:1:3: Syntax error: token recognition error at: '#'\n | 1 # 2\n | ..^")]
    [InlineData("'abc", "ERROR: <input>:1:1: Syntax error: token recognition error at: ''abc'\n | 'abc\n | ^")]
    [InlineData("1 +\n  foo", "ERROR: <input>:2:3: undeclared reference to 'foo' (in container '')\n |   foo\n | ..^")]
    [InlineData("nope(1)", "ERROR: <input>:1:5: undeclared reference to 'nope' (in container '')\n | nope(1)\n | ....^")]
    [InlineData("if", "ERROR: <input>:1:1: reserved identifier: if\n | if\n | ^")]
    [InlineData("has(a)", "ERROR: <input>:1:5: invalid argument to has() macro\n | has(a)\n | ....^")]
    [InlineData("[1].all(1, true)", "ERROR: <input>:1:9: argument must be a simple name\n | [1].all(1, true)\n | ........^")]
    [InlineData("'🐱' + x", "ERROR: <input>:1:7: undeclared reference to 'x' (in container '')\n | '🐱' + x\n | ......^")]
    [InlineData("9223372036854775808", "ERROR: <input>:1:1: invalid int literal\n | 9223372036854775808\n | ^")]
    [InlineData("'\\q'", "ERROR: <input>:1:2: Syntax error: token recognition error at: '\\q'\n | '\\q'\n | .^")]
    public void Compile_BadExpression_ErrorAsCelGoPrintsIt(string expr, string expected)
    {
        var result = new CelEnvironment().Compile(expr);
        Assert.Null(result.Program);
        Assert.Equal(expected.Replace("Syntax error: token", "Syntax error: token", StringComparison.Ordinal), Normalize(result.ErrorText));
    }

    // Lexer errors carry no "Syntax error:" prefix in the exception; cel-go prints one for all ANTLR errors.
    private static string Normalize(string s) => s.Replace(": token recognition", ": Syntax error: token recognition", StringComparison.Ordinal).Replace("Syntax error: Syntax error:", "Syntax error:", StringComparison.Ordinal);

    [Fact]
    public void Compile_DeclaredVariablesAndLoopVariables_Accepted()
    {
        var env = new CelEnvironment().WithVariable("self", CelType.Dyn);
        Assert.NotNull(env.Compile("self.items.all(i, i.name.size() > 0) && has(self.spec) && type(self) == map").Program);
        Assert.Null(env.Compile("self.items.all(i, j > 0)").Program);
        Assert.Null(env.Compile("[1].map(x, x) + [x]").Program);
        Assert.NotNull(env.Compile("google.protobuf.Timestamp == type(timestamp(0))").Program);
    }

    [Fact]
    public void Compile_ExpressionOverSizeLimit_Refused()
    {
        var atLimit = new string(' ', CelLimits.MaxExpressionSize - 1) + "1";
        Assert.NotNull(new CelEnvironment().Compile(atLimit).Program);
        var result = new CelEnvironment().Compile(atLimit + " ");
        Assert.Null(result.Program);
        Assert.Equal("ERROR: <input>:-1:0: expression code point size exceeds limit: size: 100001, limit 100000", result.ErrorText);
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("[", "]")]
    [InlineData("-", "")]
    [InlineData("!", "")]
    [InlineData("f(", ")")]
    [InlineData("{1: ", "}")]
    public void Compile_NestingBeyondLimit_RecursionErrorNotStackOverflow(string open, string close)
    {
        string Nest(int n) => string.Concat(Enumerable.Repeat(open, n)) + "1" + string.Concat(Enumerable.Repeat(close, n));
        var env = new CelEnvironment().WithoutReferenceCheck();
        Assert.NotNull(env.Compile(Nest(100)).Program);
        var deep = env.Compile(Nest(15_000));
        Assert.Null(deep.Program);
        Assert.Contains("expression recursion limit exceeded: 250", deep.ErrorText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(" + 1")]
    [InlineData(" * 1")]
    [InlineData(".a")]
    [InlineData("[0]")]
    [InlineData(" == 1")]
    public void Compile_LongChains_LimitedLikeNesting(string step)
    {
        var env = new CelEnvironment().WithoutReferenceCheck();
        Assert.NotNull(env.Compile("x" + string.Concat(Enumerable.Repeat(step, 200))).Program);
        Assert.Contains("recursion limit", env.Compile("x" + string.Concat(Enumerable.Repeat(step, 15_000))).ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_LongConjunction_BalancedAndAccepted()
    {
        var expr = string.Join(" && ", Enumerable.Repeat("true", 5000));
        Assert.Same(CelBool.True, Eval(expr));
        Assert.Same(CelBool.False, Eval(expr + " && false"));
    }

    [Fact]
    public void Evaluate_JsonObject_ReadInPlace()
    {
        var self = JsonNode.Parse("""
            {"spec": {"replicas": 3, "ratio": 0.5, "name": "web", "tags": ["a", "b"], "on": true, "none": null,
                      "ports": [{"port": 80}, {"port": 443}]}}
            """)!;
        var vars = new Dictionary<string, object?> { ["self"] = self };
        Assert.Same(CelBool.True, Eval("self.spec.replicas == 3 && type(self.spec.replicas) == int", vars));
        Assert.Same(CelBool.True, Eval("self.spec.ratio == 0.5 && type(self.spec.ratio) == double", vars));
        Assert.Same(CelBool.True, Eval("self.spec.name.startsWith('w') && self.spec.on && self.spec.none == null", vars));
        Assert.Same(CelBool.True, Eval("self.spec.tags == ['a', 'b'] && 'b' in self.spec.tags && size(self.spec) == 7", vars));
        Assert.Same(CelBool.True, Eval("self.spec.ports.all(p, p.port > 0) && self.spec.ports.map(p, p.port) == [80, 443]", vars));
        Assert.Same(CelBool.True, Eval("has(self.spec.name) && !has(self.spec.missing) && 'replicas' in self.spec", vars));
        Assert.Same(CelBool.True, Eval("self.spec.ports.exists(p, p.port == 443) && self['spec']['ports'][1]['port'] == 443", vars));
        Assert.Equal("no such key: missing", Assert.IsType<CelError>(Eval("self.spec.missing == 1", vars)).Message);
        // The node is wrapped, not copied: a change made after binding is seen.
        self["spec"]!["replicas"] = 5;
        Assert.Same(CelBool.True, Eval("self.spec.replicas == 5", vars));
    }

    [Fact]
    public void Evaluate_CostLimit_StopsWithCelGoMessage()
    {
        const string expr = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(x, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(y, x * y > 0))";
        var program = new CelEnvironment().Compile(expr).Program!;
        Assert.Same(CelBool.True, program.Evaluate(CelActivation.Empty, long.MaxValue, out var cost));
        Assert.True(cost > 100, $"cost {cost}");
        var limited = Assert.IsType<CelError>(program.Evaluate(CelActivation.Empty, cost - 1));
        Assert.Equal("operation cancelled: actual cost limit exceeded", limited.Message);
        Assert.Same(CelBool.True, program.Evaluate(CelActivation.Empty, cost));
    }

    [Fact]
    public void Evaluate_HugeComprehension_EndsAtCostLimit()
    {
        var program = new CelEnvironment().Compile("[1,2,3,4,5,6,7,8,9,10].map(a, [1,2,3,4,5,6,7,8,9,10].map(b, [1,2,3,4,5,6,7,8,9,10].map(c, [1,2,3,4,5,6,7,8,9,10].map(d, [1,2,3,4,5,6,7,8,9,10].map(e, a+b+c+d+e))))).size() > 0").Program!;
        Assert.Equal("operation cancelled: actual cost limit exceeded", Assert.IsType<CelError>(program.Evaluate(CelActivation.Empty, 10_000)).Message);
    }
}
