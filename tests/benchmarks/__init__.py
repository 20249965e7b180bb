"""Performance benchmarks (issue 6): ``python -m tests.benchmarks --sizes 10000,100000``.

Every figure is the median of several runs beside a floor measured in the same run, so the ratio
survives a noisy machine. Parts that need a clean process (one size's GUI run, memory, cold start)
run in child processes started by ``__main__``. The targets, the latest figures and how the data
path is built: docs/PERFORMANCE.md and docs/DATA_PATH.md.
"""
