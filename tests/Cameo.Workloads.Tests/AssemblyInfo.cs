// The scenario tests run real engines on real threads; run them one at a time so they do not
// starve each other of the machine's few cores (they assert no speed, but each must make progress).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
