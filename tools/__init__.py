"""The workshop: evaluation, benchmarks and comparisons (not part of the installed product)."""
