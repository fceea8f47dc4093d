"""Run safety extensions: one run per output folder (lock), the run summary, stats file and progress."""
