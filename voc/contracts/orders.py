"""The orders table (``date, market, category, orders``): validation and its one reader.

Orders are the denominator of contacts per order (CPO) in the weekly report. :func:`validate_orders`
gives accepted rows (``date`` a naive day, ``orders`` a non-negative int64), quarantined rows with a
``reason`` from :data:`QUARANTINE_REASONS`, and counts; :func:`read_orders` gives the accepted rows
and fails when there are none. An unusable file raises :class:`~voc.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from voc.contracts.reading import (
    PROBLEM,
    SOURCE_ROW,
    ContractConfig,
    Counts,
    ValidationResult,
    as_text,
    concat_chunks,
    decide_dayfirst,
    out_of_range_dates,
    parse_dates,
    parse_int,
    present,
    quarantine_frame,
    read_raw_chunks,
)
from voc.errors import InputError

ORDER_COLUMNS = ("date", "market", "category", "orders")
QUARANTINE_REASONS = (
    "malformed_row",
    "undecodable_bytes",
    "bad_date",
    "date_out_of_range",
    "bad_orders",
    "missing_field",
)


def read_orders(path: str | Path, dayfirst: bool | None = None) -> pd.DataFrame:
    """The rows of an orders file, all valid; InputError naming the first bad row otherwise.

    Orders are the denominator of contacts per order: a dropped row would inflate CPO without a
    word, so a report refuses the file until it is fixed (``voc data validate --orders`` lists
    every bad row). ``dayfirst`` as for :func:`validate_orders`.
    """
    result = validate_orders(path, dayfirst)
    if len(result.quarantine):
        first = result.quarantine.iloc[0]
        raise InputError(
            f"{path}: row {first['source_row']}: {first['reason']} ({result.counts.summary()}); fix the "
            "file (`voc data validate --orders FILE --out DIR` lists every bad row)"
        )
    if result.accepted.empty:
        raise InputError(f"{path}: no usable orders rows ({result.counts.summary()})")
    return result.accepted


def validate_orders(path: str | Path, dayfirst: bool | None = None) -> ValidationResult:
    """Read and validate an orders file (``date``, ``market``, ``category``, ``orders``).

    ``orders`` must be a non-negative integer count and ``date`` a parseable date; other rows are
    quarantined. Raises :class:`InputError` for an unusable file or a missing column.
    """
    config = ContractConfig(dayfirst=dayfirst)
    config = replace(config, dayfirst=decide_dayfirst(path, config, "date", ORDER_COLUMNS))
    frames = list(read_raw_chunks(path, config, required=ORDER_COLUMNS))
    raw = concat_chunks(
        frames, pd.DataFrame({c: pd.Series(dtype=object) for c in (*ORDER_COLUMNS, SOURCE_ROW)})
    )
    n = len(raw)
    reasons: list[list[str]] = [[] for _ in range(n)]
    structural = raw[PROBLEM].fillna("") if PROBLEM in raw else pd.Series([""] * n)
    parsed = parse_dates(raw["date"], config.dayfirst)
    dates = parsed.dt.tz_localize(None).dt.normalize()
    orders = parse_int(raw["orders"])
    checks = {
        "malformed_row": structural.isin(["malformed_row", "malformed_json"]),
        "undecodable_bytes": structural == "undecodable_bytes",
        "bad_date": dates.isna(),
        "date_out_of_range": out_of_range_dates(parsed),
        "bad_orders": (orders.isna() | (orders < 0)).fillna(True),
        "missing_field": ~present(raw["market"]) | ~present(raw["category"]),
    }
    for reason, mask in checks.items():
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            reasons[i].append(reason)
    bad = np.array([bool(r) for r in reasons], dtype=bool)
    quarantine = quarantine_frame(
        raw.loc[bad].copy(), reasons=[";".join(r) for r in reasons if r], details=[""] * int(bad.sum())
    )
    accepted = pd.DataFrame(
        {
            "date": dates[~bad],
            "market": as_text(raw["market"], n)[~bad].str.strip(),
            "category": as_text(raw["category"], n)[~bad].str.strip(),
            "orders": orders[~bad].astype("int64"),
        }
    ).reset_index(drop=True)
    counts = Counts()
    counts.add(len(accepted), quarantine)
    return ValidationResult(accepted, quarantine.reset_index(drop=True), counts)
