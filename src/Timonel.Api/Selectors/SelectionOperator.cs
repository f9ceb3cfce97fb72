namespace Timonel.Api.Selectors;

/// <summary>The operators of a label requirement (upstream's selection.Operator).</summary>
public enum SelectionOperator
{
    /// <summary>"=": the key exists and has the value.</summary>
    Equals,

    /// <summary>"==": same as <see cref="Equals"/>.</summary>
    DoubleEquals,

    /// <summary>"!=": the key is missing or has another value.</summary>
    NotEquals,

    /// <summary>"in (a,b)": the key exists and has one of the values.</summary>
    In,

    /// <summary>"notin (a,b)": the key is missing or has none of the values.</summary>
    NotIn,

    /// <summary>"key": the key exists.</summary>
    Exists,

    /// <summary>"!key": the key is missing.</summary>
    DoesNotExist,

    /// <summary>"key&gt;n": the key exists and its value is an integer greater than n.</summary>
    GreaterThan,

    /// <summary>"key&lt;n": the key exists and its value is an integer less than n.</summary>
    LessThan,
}
