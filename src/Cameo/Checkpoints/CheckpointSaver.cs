using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Cameo.Checkpoints;

/// <summary>
/// The one thread of the process that serializes checkpointed state, at the lowest scheduling priority the operating system grants: the workers
/// keep the cores while they have work, and checkpoints take the time they leave idle. One thread
/// bounds the serializations in flight to one; a checkpoint that waits for it just completes later.
/// </summary>
internal static partial class CheckpointSaver
{
    private static readonly BlockingCollection<Action> Work = StartThread();

    /// <summary>Runs <paramref name="work"/> on the saver thread; the task completes (off that thread) with its result or its exception.</summary>
    public static Task<T> Run<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task;
    }

    private static BlockingCollection<Action> StartThread()
    {
        var work = new BlockingCollection<Action>();
        var thread = new Thread(() =>
        {
            LowerPriority();
            foreach (var item in work.GetConsumingEnumerable()) item();
        })
        { IsBackground = true, Name = "cameo-checkpoint-saver" };
        thread.Start();
        return work;
    }

    /// <summary>
    /// On Linux, the thread's nice value goes to 19 (an unprivileged thread may lower its own priority;
    /// .NET's thread priorities are not applied there); elsewhere, the lowest .NET thread priority.
    /// </summary>
    private static void LowerPriority()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = SetPriority(PriorityProcess, GetThreadId(), 19);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                // No libc to ask: the thread runs at the normal priority.
            }
        }
        else Thread.CurrentThread.Priority = ThreadPriority.Lowest;
    }

    private const int PriorityProcess = 0; // PRIO_PROCESS: on Linux, "who" names a thread id

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
