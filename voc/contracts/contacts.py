"""The contacts table: its columns, allowed values, validation and its one reader.

Contacts have two required columns, ``contact_id`` and ``text``, and optional ones (see
:data:`CONTACT_COLUMNS`). A file is read in chunks (:func:`~voc.contracts.reading.read_raw_chunks`)
and every row ends up either *accepted* (typed, cleaned) or *quarantined* with a ``reason`` (one or
more codes from :data:`QUARANTINE_REASONS`, joined by ``;``) and a human ``detail``;
``read == accepted + quarantined`` always holds.

:func:`validate_contacts` gives both sides and the counts, :func:`read_contacts` the accepted rows;
the batch tagging engines stream chunks through one :class:`ContactValidator` instead. An unusable
file raises :class:`~voc.errors.InputError`.
"""

from __future__ import annotations

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
    as_strings,
    as_text,
    concat_chunks,
    decide_dayfirst,
    empty_quarantine,
    is_missing,
    out_of_range_dates,
    parse_bool,
    parse_dates,
    parse_int,
    present,
    quarantine_frame,
    read_raw_chunks,
    short,
)

CHANNELS = ("chat", "email", "call", "review", "app")
ORDER_STAGES = ("pre_shipment", "in_transit", "delivered", "post_delivery")
CONTACT_COLUMNS = (
    "contact_id",
    "text",
    "created_at",
    "channel",
    "order_id",
    "market",
    "category",
    "order_stage",
    "csat",
    "nps",
    "escalated",
    "label",
)
QUARANTINE_REASONS = (
    "malformed_row",
    "undecodable_bytes",
    "missing_id",
    "empty_text",
    "text_too_long",
    "bad_date",
    "date_out_of_range",
    "unknown_channel",
    "unknown_order_stage",
    "csat_out_of_range",
    "nps_out_of_range",
    "bad_escalated",
    "duplicate_id",
)


def validate_contacts(path: str | Path, config: ContractConfig | None = None) -> ValidationResult:
    """Read and validate a whole contacts file.

    Returns the accepted rows (typed: ``created_at`` UTC timestamps, ``csat``/``nps`` nullable
    integers, ``escalated`` nullable booleans), the quarantined rows (original values as text plus
    ``source_row``, ``reason`` and ``detail``) and the counts. Raises :class:`InputError` when the
    file cannot be used at all.
    """
    config = config or ContractConfig()
    config = replace(config, dayfirst=decide_dayfirst(path, config))
    validator = ContactValidator(config)
    accepted, quarantined = [], []
    for raw in read_raw_chunks(path, config):
        ok, bad = validator.validate(raw)
        accepted.append(ok)
        quarantined.append(bad)
    return ValidationResult(
        accepted=concat_chunks(accepted, validator.empty_accepted()),
        quarantine=concat_chunks(quarantined, empty_quarantine()),
        counts=validator.counts,
    )


def read_contacts(path: str | Path, config: ContractConfig | None = None) -> pd.DataFrame:
    """Accepted contacts of ``path``; for stages that trust an already-validated file."""
    return validate_contacts(path, config).accepted


class ContactValidator:
    """Validates raw chunks one after the other; remembers ids to catch duplicates across chunks.

    ``validate(raw)`` returns ``(accepted, quarantined)``; :attr:`counts` accumulates.
    """

    def __init__(self, config: ContractConfig | None = None) -> None:
        self.config = config or ContractConfig()
        self.counts = Counts()
        self._seen_ids: set[str] = set()

    def empty_accepted(self) -> pd.DataFrame:
        return _type_contacts(pd.DataFrame({c: pd.Series(dtype=object) for c in ("contact_id", "text")}))

    def validate(self, raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        df = raw.reset_index(drop=True)
        n = len(df)
        # row -> its problems, for the flagged rows only (most rows have none: no object per row)
        problems: dict[int, list[str]] = {}
        details: dict[int, list[str]] = {}

        def flag(mask: Any, reason: str, describe: Any) -> None:
            for i in np.flatnonzero(np.asarray(mask, dtype=bool)).tolist():
                found = problems.setdefault(i, [])
                if "malformed_row" in found:
                    continue  # fields are misaligned: further checks would only add noise
                found.append(reason)
                details.setdefault(i, []).append(describe(i))

        structural = df[PROBLEM].fillna("") if PROBLEM in df else pd.Series([""] * n)
        flag(structural == "malformed_row", "malformed_row", lambda i: "wrong number of fields")
        flag(structural == "malformed_json", "malformed_row", lambda i: "not a JSON object")
        flag(structural == "undecodable_bytes", "undecodable_bytes", lambda i: "bytes that are not UTF-8")

        ids = as_text(df.get("contact_id"), n).str.strip()
        text = as_text(df.get("text"), n)
        flag(ids.isna() | (ids == ""), "missing_id", lambda i: "contact_id is empty")
        flag(text.isna() | (text.str.strip() == ""), "empty_text", lambda i: "text is empty")
        lengths = text.str.len().fillna(0)
        limit = self.config.max_text_length
        flag(lengths > limit, "text_too_long", lambda i: f"text has {int(lengths[i]):,} chars > {limit:,}")

        if "created_at" in df:
            given = present(df["created_at"])
            parsed = parse_dates(df["created_at"], self.config.dayfirst)
            flag(given & parsed.isna(), "bad_date", lambda i: _date_problem(df["created_at"][i]))
            flag(
                out_of_range_dates(parsed),
                "date_out_of_range",
                lambda i: f"created_at={short(df['created_at'][i])} before {EARLIEST_DATE} or in the future",
            )
            df["created_at"] = parsed
        if "channel" in df:
            channel = as_text(df["channel"], n).str.strip().str.lower()
            flag(
                present(channel) & ~channel.isin(CHANNELS),
                "unknown_channel",
                lambda i: f"channel={short(df['channel'][i])} not in {'/'.join(CHANNELS)}",
            )
            df["channel"] = channel.where(present(channel), None)
        if "order_stage" in df:
            stage = as_text(df["order_stage"], n).str.strip().str.lower()
            flag(
                present(stage) & ~stage.isin(ORDER_STAGES),
                "unknown_order_stage",
                lambda i: f"order_stage={short(df['order_stage'][i])} not in {'/'.join(ORDER_STAGES)}",
            )
            df["order_stage"] = stage.where(present(stage), None)
        for col, lo, hi in (("csat", 1, 5), ("nps", 0, 10)):
            if col in df:
                values = parse_int(df[col])
                bad = present(df[col]) & (values.isna() | (values < lo) | (values > hi)).fillna(True)
                flag(
                    bad,
                    f"{col}_out_of_range",
                    lambda i, c=col, a=lo, b=hi: f"{c}={short(df[c][i])} not in {a}..{b}",
                )
                df[col] = values
        if "escalated" in df:
            escalated = parse_bool(df["escalated"])
            flag(
                present(df["escalated"]) & escalated.isna(),
                "bad_escalated",
                lambda i: f"escalated={short(df['escalated'][i])} is not true/false",
            )
            df["escalated"] = escalated

        # Only rows that are otherwise valid claim an id; later rows with a claimed id are duplicates.
        for i, cid in enumerate(ids.tolist()):
            if i in problems:
                continue
            if cid in self._seen_ids:
                problems[i] = ["duplicate_id"]
                details[i] = [f"contact_id={short(cid)} seen before"]
            else:
                self._seen_ids.add(cid)

        bad_rows = sorted(problems)
        bad_mask = np.zeros(n, dtype=bool)
        bad_mask[bad_rows] = True
        quarantine = raw.reset_index(drop=True).loc[bad_mask].copy()
        quarantine = quarantine_frame(
            quarantine,
            reasons=[";".join(problems[i]) for i in bad_rows],
            details=["; ".join(details[i]) for i in bad_rows],
        )
        accepted = df.loc[~bad_mask].copy()
        accepted["contact_id"] = ids[~bad_mask]
        accepted["text"] = text[~bad_mask]
        accepted = _type_contacts(
            accepted.drop(columns=[c for c in (PROBLEM, RAW_RECORD, SOURCE_ROW) if c in accepted])
        )
        self.counts.add(len(accepted), quarantine)
        return accepted.reset_index(drop=True), quarantine.reset_index(drop=True)


def _date_problem(value: object) -> str:
    text = str(value).strip()
    if DMY_DATE.match(text):
        return f"created_at={short(value)} can be read day or month first; pass --dayfirst or --monthfirst"
    return f"created_at={short(value)} is not a date"


def _type_contacts(df: pd.DataFrame) -> pd.DataFrame:
    """Give every contract column its type, adding missing optional columns as empty."""
    n = len(df)
    out = df.copy()
    for col in CONTACT_COLUMNS:
        if col not in out:
            out[col] = pd.Series([None] * n, index=out.index, dtype=object)
    out["contact_id"] = out["contact_id"].astype(object)
    out["text"] = out["text"].astype(object)
    if not isinstance(out["created_at"].dtype, pd.DatetimeTZDtype):
        out["created_at"] = parse_dates(out["created_at"])
    for col in ("csat", "nps"):
        out[col] = out[col].astype("Int64") if out[col].dtype == "Int64" else parse_int(out[col])
    if str(out["escalated"].dtype) != "boolean":
        out["escalated"] = parse_bool(out["escalated"])
    for col in ("channel", "order_id", "market", "category", "order_stage", "label"):
        strings = as_strings(out[col])
        out[col] = strings if strings is not None else [None if is_missing(v) else str(v) for v in out[col]]
        out[col] = out[col].astype(object)
    extras = [c for c in out.columns if c not in CONTACT_COLUMNS]
    return out[[*CONTACT_COLUMNS, *extras]]
