"""Benchmarks against peers, run by ``make bench`` (``python -m benchmarks``).

Each module in :data:`benchmarks.__main__.MODULES` exposes ``run(args) -> dict`` and may expose
``add_arguments(parser)`` for its own flags. ``run`` returns ``{"title": str, "rows": [dict, ...],
"notes": [str, ...]}``; the harness prints each as a table. Peers run in the same process as ours,
so timings on a shared machine are compared through ratios.
"""
