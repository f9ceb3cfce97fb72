using FsCheck;
using FsCheck.Fluent;
using Timonel.Api.Errors;
using Timonel.Api.Selectors;
using Timonel.Api.Validation;
using Timonel.Registry.Resources;
using Timonel.Registry.Selectors;
using Xunit;

namespace Timonel.Api.Tests.Fuzz;

/// <summary>
/// Property tests over the parsers that read query parameters and quantities: random and
/// mutated text either parses or fails with the documented 400 ApiException (or a parse
/// failure), never another exception.
/// </summary>
public class SelectorFuzzTests
{
    private const int Runs = 2000;


    // Pieces that matter to the grammars (operators, keywords, escapes, NUL, whitespace, non-ASCII,
    // a lone surrogate) mixed with arbitrary characters.
    private static readonly string[] Pieces =
    [
        "a", "b", "z", "0", "9", "-", "_", ".", "/", "=", "==", "!=", "!", "(", ")", ",", "<", ">", " ", "\t", "\n", "\r",
        "\0", "\\", "in", "notin", "metadata.name", "spec.nodeName", "example.com/", "é", "\U0001F600", "\uD800", "\u00A0",
    ];

    private static readonly string[] Valid =
    [
        "a=b", "x in (a,b),!y,z notin ()", "app.kubernetes.io/name!=web,tier", "a>1,b<2", "metadata.name=web,spec.nodeName!=n\\,1",
    ];

    private static readonly Comparer<FieldRequirement> RequirementOrder = Comparer<FieldRequirement>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()));

    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(Runs);

    private static Arbitrary<string> Texts()
    {
        var piece = Gen.OneOf(Gen.Elements(Pieces), ArbMap.Default.GeneratorFor<char>().Select(c => c.ToString()));
        var built = Gen.ListOf(piece).Select(parts => string.Concat(parts));
        var mutated = Gen.Elements(Valid).SelectMany(valid => Gen.ListOf(Gen.Zip(Gen.Choose(0, 1000), Gen.Elements(Pieces))).Select(edits => Mutate(valid, edits)));
        return Gen.OneOf(built, mutated, ArbMap.Default.GeneratorFor<string>().Where(s => s is not null)).ToArbitrary();
    }

    // Each edit inserts a piece at, or removes the character at, a position derived from the number.
    private static string Mutate(string text, IEnumerable<(int At, string Piece)> edits)
    {
        foreach (var (at, piece) in edits)
        {
            var position = text.Length == 0 ? 0 : at % text.Length;
            text = at % 2 == 0 || text.Length == 0 ? text.Insert(position, piece) : text.Remove(position, 1);
        }

        return text;
    }

    // The parser's answer: the parsed value, or null for a 400; anything else fails the property.
    private static T? ParsesOrRefuses<T>(Func<T> parse)
        where T : class
    {
        try
        {
            return parse();
        }
        catch (ApiException e) when (e.Code == 400 && e.Reason == "BadRequest" && e.Message.Length > 0)
        {
            return null;
        }
    }

    [Fact]
    public void LabelSelectorParse_AnyText_ParsesOrThrowsBadRequest_AndItsCanonicalFormReparses()
    {
        Prop.ForAll(Texts(), text =>
        {
            if (ParsesOrRefuses(() => LabelSelector.Parse(text)) is { } selector)
            {
                var canonical = selector.ToString();
                Assert.Equal(canonical, LabelSelector.Parse(canonical).ToString());
            }
        }).Check(Quick);
    }

    [Fact]
    public void FieldSelectorParse_AnyText_ParsesOrThrowsBadRequest_AndItsCanonicalFormReparses()
    {
        Prop.ForAll(Texts(), text =>
        {
            if (ParsesOrRefuses(() => FieldSelector.Parse(text)) is { } selector)
            {
                // The same terms; their order may change, as upstream sorts the raw terms' text.
                var reparsed = FieldSelector.Parse(selector.ToString());
                Assert.Equal(selector.Requirements.Order(RequirementOrder), reparsed.Requirements.Order(RequirementOrder));
            }
        }).Check(Quick);
    }

    [Fact]
    public void ObjectFieldsValidate_AnyFieldPath_AcceptsOrThrowsBadRequest()
    {
        ApiResource[] resources = [ResourceCatalog.Default.Find("", "v1", "pods")!, ResourceCatalog.Default.Find("", "v1", "configmaps")!, ResourceCatalog.Default.Find("apps", "v1", "deployments")!];
        Prop.ForAll(Texts(), Gen.Elements(resources).ToArbitrary(), (path, resource) =>
        {
            var selector = FieldSelector.FromSet(new Dictionary<string, string> { [path] = "x" });
            var verdict = ParsesOrRefuses(() =>
            {
                ObjectFields.Validate(resource, selector);
                return selector;
            });
            if (verdict is not null)
            {
                Assert.All(selector.Fields, field => Assert.Contains(field, ObjectFields.Supported(resource)));
            }
        }).Check(Quick);
    }

    [Fact]
    public void QuantityTryParse_AnyText_ReturnsWithoutThrowing()
    {
        var quantities = Gen.OneOf(
            Texts().Generator,
            Gen.ListOf(Gen.Elements("1", "0", "9", ".", "-", "+", "e", "E", "i", "n", "u", "m", "k", "K", "M", "G", "T", "P", "Ei", "Gi", "99999999999999999999", "\n", " ")).Select(parts => string.Concat(parts)));
        Prop.ForAll(quantities.ToArbitrary(), text =>
        {
            _ = Quantity.TryParse(text, out _);
        }).Check(Quick);
    }

    [Theory]
    [InlineData("1Gi\n")]
    [InlineData("1\n")]
    [InlineData("\n")]
    public void QuantityTryParse_TrailingNewline_IsRefusedAsUpstream(string text)
    {
        Assert.True(Quantity.TryParse(text.TrimEnd('\n'), out _) || text == "\n");
        Assert.False(Quantity.TryParse(text, out _));
    }
}
