using Microsoft.Extensions.Options;

namespace Cameo.Hosting;

/// <summary>Fails the host's start when <see cref="EngineOptions"/> cannot run an engine, naming every problem (<see cref="EngineOptions.Problems"/>).</summary>
internal sealed class EngineOptionsValidator : IValidateOptions<EngineOptions>
{
    public ValidateOptionsResult Validate(string? name, EngineOptions options)
    {
        var problems = options.Problems();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems.Select(p => $"Cameo: {p}"));
    }
}
