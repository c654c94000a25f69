using BenchmarkDotNet.Running;
using Cameo.Benchmarks;

// `ysb ...` runs the YSB saturation measurement, `pipeline ...` the stateless pipeline per policy;
// anything else goes to BenchmarkDotNet (e.g. `--filter '*Mailbox*' --job short`).
if (args.Length > 0 && args[0] == "ysb") return YsbCommand.Create().Parse(args[1..]).Invoke();
if (args.Length > 0 && args[0] == "pipeline") return PipelineCommand.Create().Parse(args[1..]).Invoke();
if (args.Length > 0 && args[0] == "redis") return RedisCommand.Create().Parse(args[1..]).Invoke();
BenchmarkSwitcher.FromAssembly(typeof(YsbCommand).Assembly).Run(args);
return 0;
