namespace Cameo.Scheduling;

/// <summary>
/// What an operator instance tells its upstream sender after processing a message (the paper's
/// reply context): its own profiled cost and the critical path below it. Summed and maximised
/// upstream, these give every operator its <see cref="PriorityContext.CriticalPathCost"/>. Its cost
/// per record lets the sender size the messages it sends there, so that one costs at most the
/// engine's bound (<see cref="EngineOptions.MaxMessageCost"/>).
/// </summary>
/// <param name="Node">Index, within its query, of the reporting operator.</param>
/// <param name="OperatorCost">The reporter's average cost per message, in ticks.</param>
/// <param name="CriticalPathCost">The reporter's costliest path to a sink, in ticks.</param>
/// <param name="RecordCost">The reporter's average cost per record of a data message, in ticks; 0 if not yet profiled.</param>
public readonly record struct ReplyContext(int Node, long OperatorCost, long CriticalPathCost, double RecordCost = 0);
