"""The order-events table: one row per operational event of an order; validation and readers.

Columns (:data:`EVENT_COLUMNS`): required ``order_id``, ``event`` (one of :data:`EVENTS`), ``at`` (a
date/time, stored UTC; day/month order decided once per file as for contacts), ``market`` and
``category``; ``failure_reason`` (required for ``cancel_failed``: why the cancellation was refused,
e.g. ``packed``; normalised to lower-case words joined by ``_``), ``amount`` (a non-negative number,
e.g. a refund) and ``channel`` (one of :data:`EVENT_CHANNELS`: ``app`` and ``web`` are
self-service, ``agent`` assisted). Other columns pass through.

Every row ends up accepted (typed) or quarantined with one or more ``reason`` codes from
:data:`QUARANTINE_REASONS` (joined by ``;``) and a ``detail`` naming the column and value;
``read == accepted + quarantined``. :func:`iter_events` streams a file of any size in chunks,
:func:`validate_events` gives the whole result, :func:`read_events` the accepted rows. An unusable
file (unknown type, missing required column) raises :class:`~voc.errors.InputError`.

Order ids are personal data: accepted rows still hold them (this is the raw zone). Whatever
leaves it must hold aggregates or the keyed pseudonym of :func:`voc.contracts.tagged.order_keys`.
Events are not de-duplicated: an order may rightly have two ``cancel_requested`` events.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from voc.contracts.reading import (
    DMY_DATE,
    EARLIEST_DATE,
    PROBLEM,
    RAW_RECORD,
    SOURCE_ROW,
    ContractConfig,
    Counts,
    ValidationResult,
    concat_chunks,
    decide_dayfirst,
    empty_quarantine,
    out_of_range_dates,
    parse_dates,
    quarantine_frame,
    read_raw_chunks,
    short,
)

EVENTS = (
    "placed",
    "packed",
    "shipped",
    "delivered",
    "delivery_failed",
    "cancel_requested",
    "cancel_succeeded",
    "cancel_failed",
    "return_requested",
    "return_received",
    "refund_requested",
    "refund_issued",
    "refund_paid",
)
EVENT_CHANNELS = ("app", "web", "agent")
SELF_SERVICE = ("app", "web")
EVENT_REQUIRED = ("order_id", "event", "at", "market", "category")
EVENT_COLUMNS = (*EVENT_REQUIRED, "failure_reason", "amount", "channel")
QUARANTINE_REASONS = (
    "malformed_row",
    "undecodable_bytes",
    "missing_order_id",
    "unknown_event",
    "bad_date",
    "date_out_of_range",
    "missing_field",
    "missing_failure_reason",
    "bad_amount",
    "unknown_channel",
)
DEFAULT_CHUNK = 200_000
_IS_STR = np.frompyfunc(lambda v: isinstance(v, str), 1, 1)


def validate_events(
    path: str | Path, dayfirst: bool | None = None, chunk_size: int = DEFAULT_CHUNK
) -> ValidationResult:
    """Read and validate a whole events file; accepted rows typed, quarantined rows as text."""
    validator = EventValidator()
    accepted, quarantined = [], []
    for ok, bad in iter_events(path, dayfirst, chunk_size, validator):
        accepted.append(ok)
        quarantined.append(bad)
    return ValidationResult(
        accepted=concat_chunks(accepted, _type_events(pd.DataFrame(columns=list(EVENT_COLUMNS)))),
        quarantine=concat_chunks(quarantined, empty_quarantine()),
        counts=validator.counts,
    )


def read_events(path: str | Path, dayfirst: bool | None = None) -> pd.DataFrame:
    """Accepted events of ``path``; for callers that trust an already-validated file."""
    return validate_events(path, dayfirst).accepted


def iter_events(
    path: str | Path,
    dayfirst: bool | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    validator: EventValidator | None = None,
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Yield ``(accepted, quarantined)`` per chunk of ``chunk_size`` rows; memory stays bounded.

    Pass a ``validator`` to read its :attr:`EventValidator.counts` afterwards.
    """
    config = ContractConfig(chunk_size=chunk_size, dayfirst=dayfirst)
    config = replace(config, dayfirst=decide_dayfirst(path, config, "at", EVENT_REQUIRED))
    validator = validator or EventValidator()
    validator.dayfirst = config.dayfirst
    for raw in read_raw_chunks(path, config, required=EVENT_REQUIRED):
        yield validator.validate(raw)


class EventValidator:
    """Validates raw event chunks one after the other; :attr:`counts` accumulates."""

    def __init__(self, dayfirst: bool | None = None) -> None:
        self.dayfirst = dayfirst
        self.counts = Counts()

    def validate(self, raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        df = raw.reset_index(drop=True)
        n = len(df)
        # only bad rows get lists: files run to millions of rows, nearly all good
        reasons: dict[int, list[str]] = {}
        details: dict[int, list[str]] = {}

        def flag(mask: Any, reason: str, describe: Any) -> None:
            for i in map(int, np.flatnonzero(np.asarray(mask, dtype=bool))):
                if "malformed_row" in reasons.get(i, []):
                    continue  # fields are misaligned: further checks would only add noise
                reasons.setdefault(i, []).append(reason)
                details.setdefault(i, []).append(describe(i))

        structural = _text(df[PROBLEM], n) if PROBLEM in df else pd.Series([None] * n, dtype="str")
        flag(structural.isin(["malformed_row", "malformed_json"]), "malformed_row", lambda i: "wrong fields")
        flag(structural == "undecodable_bytes", "undecodable_bytes", lambda i: "bytes that are not UTF-8")

        order_id = _text(df["order_id"], n).str.strip()
        flag(_blank(order_id), "missing_order_id", lambda i: "order_id is empty")
        event = _text(df["event"], n).str.strip().str.lower()
        flag(
            ~event.isin(EVENTS),
            "unknown_event",
            lambda i: f"event={short(df['event'][i])} is not one of {', '.join(EVENTS)}",
        )
        at = _parse_at(df["at"], self.dayfirst)
        flag(_given(df["at"], n) & at.isna(), "bad_date", lambda i: _date_problem(df["at"][i]))
        flag(
            out_of_range_dates(at),
            "date_out_of_range",
            lambda i: f"at={short(df['at'][i])} before {EARLIEST_DATE} or in the future",
        )
        flag(~_given(df["at"], n), "bad_date", lambda i: "at is empty")
        market = _text(df["market"], n).str.strip()
        category = _text(df["category"], n).str.strip()
        no_market, no_category = _blank(market), _blank(category)
        flag(
            no_market | no_category,
            "missing_field",
            lambda i: "market is empty" if no_market[i] else "category is empty",
        )
        reason = (
            _text(df["failure_reason"], n) if "failure_reason" in df else pd.Series([None] * n, dtype="str")
        )
        reason = reason.str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)
        flag(
            (event == "cancel_failed") & _blank(reason),
            "missing_failure_reason",
            lambda i: "cancel_failed needs a failure_reason (e.g. packed)",
        )
        amount = pd.Series(np.nan, index=df.index)
        if "amount" in df:
            given = _given(df["amount"], n)
            numeric = pd.api.types.is_numeric_dtype(df["amount"].dtype)
            cells = df["amount"] if numeric else _text(df["amount"], n).str.strip()
            amount = pd.to_numeric(cells, errors="coerce").astype("float64").reset_index(drop=True)
            flag(
                given & ~(np.isfinite(amount) & (amount >= 0)),
                "bad_amount",
                lambda i: f"amount={short(df['amount'][i])} is not a non-negative number",
            )
        channel = pd.Series([None] * n, dtype="str")
        if "channel" in df:
            channel = _text(df["channel"], n).str.strip().str.lower()
            flag(
                ~_blank(channel) & ~channel.isin(EVENT_CHANNELS),
                "unknown_channel",
                lambda i: f"channel={short(df['channel'][i])} not in {'/'.join(EVENT_CHANNELS)}",
            )

        bad = np.zeros(n, dtype=bool)
        rows = sorted(reasons)
        bad[rows] = True
        quarantine = quarantine_frame(
            df.loc[bad].copy(),
            reasons=[";".join(reasons[i]) for i in rows],
            details=["; ".join(details[i]) for i in rows],
        )
        clean = df.drop(columns=[c for c in (PROBLEM, RAW_RECORD, SOURCE_ROW) if c in df]).assign(
            order_id=order_id,
            event=event,
            at=at,
            market=market,
            category=category,
            failure_reason=reason.where(~_blank(reason)),
            amount=amount,
            channel=channel.where(~_blank(channel)),
        )
        accepted = _type_events(clean.loc[~bad])
        self.counts.add(len(accepted), quarantine)
        return accepted.reset_index(drop=True), quarantine.reset_index(drop=True)


def _date_problem(value: object) -> str:
    if DMY_DATE.match(str(value).strip()):
        return f"at={short(value)} can be read day or month first; pass --dayfirst or --monthfirst"
    return f"at={short(value)} is not a date"


def _text(col: pd.Series, n: int) -> pd.Series:
    """Cells as strings, missing as NaN; a string column (Parquet) as it is, without a copy per cell."""
    if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        return col.reset_index(drop=True)
    values = col.to_numpy(dtype=object)
    missing = pd.isna(values)
    out = values.copy()
    is_str = _IS_STR(values).astype(bool)
    other = ~missing & ~is_str
    if other.any():
        out[other] = [str(v) for v in values[other]]
    out[missing] = np.nan
    return pd.Series(out, index=range(n), dtype=object)


def _blank(col: pd.Series) -> pd.Series:
    return col.isna() | (col.str.strip() == "")


def _given(col: pd.Series, n: int) -> pd.Series:
    if col.dtype != object and not pd.api.types.is_string_dtype(col.dtype):
        return col.notna().reset_index(drop=True)  # typed (Parquet): dates, numbers
    return ~_blank(_text(col, n))


def _parse_at(col: pd.Series, dayfirst: bool | None) -> pd.Series:
    """UTC timestamps; ISO 8601 text (the usual export) parsed at once, the rest by the contract's
    one date parser (:func:`voc.contracts.reading.parse_dates`) so every format reads as for contacts."""
    if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(col.dtype):
        return pd.to_datetime(col, utc=True).reset_index(drop=True).astype("datetime64[us, UTC]")
    values = pd.Series(col.to_numpy(dtype=object), index=range(len(col)))
    parsed = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce").astype("datetime64[us, UTC]")
    rest = parsed.isna() & values.notna()
    if rest.any():
        parsed[rest] = parse_dates(values[rest], dayfirst)
    return parsed


def _type_events(df: pd.DataFrame) -> pd.DataFrame:
    """Contract columns first, in their types (text, ``at`` UTC, ``amount`` float)."""
    out = df.copy()
    for col in EVENT_COLUMNS:
        if col not in out:
            out[col] = pd.Series([None] * len(out), index=out.index, dtype=object)
    for col in ("order_id", "event", "market", "category", "failure_reason", "channel"):
        if out[col].dtype == object and out[col].isna().all():
            out[col] = out[col].astype("str")  # an empty column: give it the text type
    if not isinstance(out["at"].dtype, pd.DatetimeTZDtype):
        out["at"] = pd.to_datetime(out["at"], utc=True)
    out["at"] = out["at"].astype("datetime64[us, UTC]")
    out["amount"] = pd.to_numeric(out["amount"]).astype("float64")
    extras = [c for c in out.columns if c not in EVENT_COLUMNS]
    return out[[*EVENT_COLUMNS, *extras]]
