// The tests start clusters of silos (in-process and as processes) on a small shared machine:
// one at a time keeps them from starving each other's membership probes.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
