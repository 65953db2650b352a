"""Running a load: the pipeline, its state (sync, pending packages, window plan), creating empty raw tables,
quarantining failing packages, the run locks, progress, messages, the destination and its database file."""
