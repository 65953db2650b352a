"""Running a load: the pipeline, its state (sync, pending packages, window plan), the run lock, progress, messages
and the destination."""
