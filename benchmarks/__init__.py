"""Benchmarks: ``python -m benchmarks.run`` (see :mod:`benchmarks.run`).

Everything here sits above ``services/`` and ``shared/`` (like the CLI): it builds a corpus from
the repo's extraction test data, measures the limits (spaCy, Elasticsearch bulk, kafka-python),
each stage as its real process, the whole pipeline, and prints one table with PASS/FAIL ratios.
"""
