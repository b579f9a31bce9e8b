using Json.Pointer;
using Json.Schema;
using Json.Schema.Keywords;

namespace Herald.Core.Schemas;

/// <summary>
/// The work budget of one validation. anyOf/oneOf/not over references can make work exponential in
/// the schema's size; past <see cref="MaxSteps"/> the data is refused rather than the server kept busy.
/// </summary>
internal static class SchemaBudget
{
    // Counted where work can multiply: each $ref, allOf, anyOf, oneOf and not applied.
    public const int MaxSteps = 100_000;

    // Validation runs synchronously on the publishing thread, so the count is per thread.
    [ThreadStatic]
    private static int t_steps;

    public static void Reset() => t_steps = 0;

    public static void Step()
    {
        if (++t_steps > MaxSteps)
        {
            throw new SchemaBudgetExceededException();
        }
    }
}

/// <summary>Validation gave up; the data is refused, never waved through.</summary>
internal sealed class SchemaBudgetExceededException() : Exception("The schema took too many steps to check.");

/// <summary>A pattern needed the backtracking engine and ran out of time on this value.</summary>
internal sealed class SchemaPatternTimeoutException(JsonPointer instanceLocation, string pattern)
    : Exception($"Pattern {pattern} timed out.")
{
    public JsonPointer InstanceLocation { get; } = instanceLocation;

    public string Pattern { get; } = pattern;
}

internal sealed class CountedRef : RefKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        return base.Evaluate(keyword, context);
    }
}

internal sealed class CountedAllOf : AllOfKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        return base.Evaluate(keyword, context);
    }
}

internal sealed class CountedAnyOf : AnyOfKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        var result = base.Evaluate(keyword, context);
        return result.IsValid ? result : result with { Error = "must match at least one of the schemas in anyOf" };
    }
}

internal sealed class CountedOneOf : OneOfKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        var result = base.Evaluate(keyword, context);
        if (result.IsValid)
        {
            return result;
        }
        var matching = result.Details?.Count(detail => detail.IsValid) ?? 0;
        return result with { Error = $"must match exactly one of the schemas in oneOf, but matches {(matching == 0 ? "none" : matching)}" };
    }
}

internal sealed class CountedNot : NotKeyword
{
    public override KeywordEvaluation Evaluate(KeywordData keyword, EvaluationContext context)
    {
        SchemaBudget.Step();
        var result = base.Evaluate(keyword, context);
        return result.IsValid ? result : result with { Error = "must not match the schema in not" };
    }
}
