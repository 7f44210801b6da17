"""Operational KPIs from a large order-events file: streamed (bounded memory) vs read whole.

``python -m benchmarks --only operations [--ops-events 10000000]`` (or ``python -m
benchmarks.operations --events N``) writes a synthetic events Parquet file of about N events (the
order flow of ``voc data synth``, 12 weeks, five markets, six categories, with the planted
cancellation incident), then measures, each in its own process so that peak RSS is the run's own:

* **streamed**: :func:`reports.operations.weekly_kpis_from_file` (validated and folded chunk by
  chunk) on the N-event file and on a tenth of it: memory should barely grow with the file;
* **whole (peer)**: ``pandas.read_parquet`` of the tenth, then
  :func:`reports.operations.operational_kpis` on the whole frame (no validation): what one
  would write without streaming. ``--ops-peer-full`` also runs it on the N-event file.

Prints events/s, seconds and peak RSS, with ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.child import run_child

EVENTS_PER_ORDER = 4.4  # of the synthetic flow, counting the first week's 4 weeks of warm-up orders
WEEKS = 12
ROW_GROUP = 100_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ops-events", type=int, default=10_000_000, help="events in the operations file")
    parser.add_argument(
        "--ops-peer-full", action="store_true", help="also read the full file whole (memory!)"
    )
    parser.add_argument("--ops-chunk", type=int, default=200_000, help="event rows per chunk when streaming")


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="voc-ops-bench-") as tmp:
        work = Path(tmp)
        big, small = work / "events.parquet", work / "events-tenth.parquet"
        orders = work / "orders.parquet"
        started = time.perf_counter()
        n_big = write_events(big, orders, args.ops_events)
        n_small = write_events(small, work / "orders-tenth.parquet", args.ops_events // 10)
        made = time.perf_counter() - started
        runs = [
            ("streamed", big, orders, n_big),
            ("streamed", small, work / "orders-tenth.parquet", n_small),
            ("whole (peer)", small, work / "orders-tenth.parquet", n_small),
        ]
        if args.ops_peer_full:
            runs.append(("whole (peer)", big, orders, n_big))
        rows = []
        for mode, path, order_path, n in runs:
            result = _child([mode, str(path), str(order_path), str(args.ops_chunk)])
            rows.append(
                {
                    "path": mode,
                    "events": f"{n:,}",
                    "seconds": result["seconds"],
                    "events_per_s": f"{n / result['seconds']:,.0f}",
                    "peak_rss_mb": result["peak_rss_mb"],
                    "kpi_rows": result["kpi_rows"],
                    "open_clocks_peak": result.get("open", ""),
                }
            )
    stream_big, stream_small, whole_small = rows[0], rows[1], rows[2]
    notes = [
        f"file written in {made:.0f} s (Parquet, {n_big:,} + {n_small:,} events)",
        f"streamed: peak RSS x{stream_big['peak_rss_mb'] / stream_small['peak_rss_mb']:.2f} for x"
        f"{n_big / max(n_small, 1):.0f} the events",
        f"at {n_small:,} events, whole/streamed: peak RSS x"
        f"{whole_small['peak_rss_mb'] / stream_small['peak_rss_mb']:.2f}, time x"
        f"{whole_small['seconds'] / stream_small['seconds']:.2f} (the peer does not validate)",
    ]
    return {"title": "Operational KPIs from order events", "rows": rows, "notes": notes}


def write_events(path: Path, orders_path: Path, n_events: int) -> int:
    """A Parquet file of about ``n_events`` synthetic events, written a week of orders at a time."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from voc.synth.calendar import orders_table, period_days
    from voc.synth.order_flow import CancelPolicy, population_events
    from voc.synth.profiles import CATEGORY_SHARE, MARKET_SHARE

    days = period_days("2026-W47", WEEKS)
    daily = n_events / EVENTS_PER_ORDER / len(days)
    orders = orders_table(days, MARKET_SHARE, CATEGORY_SHARE, daily, np.random.default_rng(1))
    orders.to_parquet(orders_path)
    policy = CancelPolicy("UK", days[-1] - timedelta(days=20))
    written = 0
    writer = None
    try:
        for k in range(WEEKS):
            week = orders[
                (orders["date"] >= pd.Timestamp(days[7 * k]))
                & (orders["date"] < pd.Timestamp(days[7 * k] + timedelta(days=7)))
            ]
            events = population_events(week, policy, seed=k, warmup_days=28 if k == 0 else 0)
            events = events[events["at"] < pd.Timestamp(days[-1] + timedelta(days=1), tz="UTC")]
            table = pa.Table.from_pandas(events.sort_values("at", kind="stable"), preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            # row groups of a typical size: a reader holds one at a time, whatever the file's length
            writer.write_table(table.cast(writer.schema), row_group_size=ROW_GROUP)
            written += len(events)
    finally:
        if writer is not None:
            writer.close()
    return written


def _child(argv: list[str]) -> dict[str, Any]:
    return run_child("benchmarks.operations", argv, quiet=True)


def _child_main(argv: list[str]) -> None:
    import pandas as pd

    from reports.operations import operational_kpis, weekly_kpis_from_file
    from training.tagging.workers import peak_rss_mb

    mode, path, orders_path, chunk = argv[0], Path(argv[1]), Path(argv[2]), int(argv[3])
    orders = pd.read_parquet(orders_path)
    start = time.perf_counter()
    extra: dict[str, Any] = {}
    if mode == "streamed":
        result = weekly_kpis_from_file(path, orders, chunk_size=chunk)
        kpis = result.kpis
        extra["open"] = result.peak_open_clocks
    else:
        kpis = operational_kpis(pd.read_parquet(path), orders, None, ("market",))
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "kpi_rows": len(kpis), **extra}))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child_main(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks.operations", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    from benchmarks.__main__ import print_result

    started = time.perf_counter()
    print_result("operations", run(args), time.perf_counter() - started)


if __name__ == "__main__":
    main()
