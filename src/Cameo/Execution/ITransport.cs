using Cameo.Messages;
using Cameo.Scheduling;

namespace Cameo.Execution;

/// <summary>
/// How an instance host reaches other instances of its query. The embedded runtime puts messages
/// straight into mailboxes; the Orleans runtime sends them to grains. Hosts never know which.
/// </summary>
public interface ITransport
{
    /// <summary>Delivers <paramref name="message"/> to the query's instance <paramref name="target"/>.</summary>
    void Send(int target, Message message);

    /// <summary>Delivers a reply context back to the query's instance <paramref name="sender"/> after one of its messages was processed.</summary>
    void Reply(int sender, in ReplyContext reply);
}
