"""Data contracts for contacts and orders: readers, validation and quarantine.

Contacts have two required columns, ``contact_id`` and ``text``, and optional ones (see
:data:`CONTACT_COLUMNS`). Files are read by extension (.csv, .parquet, .jsonl) in chunks, so memory
stays bounded. Every row read ends up either *accepted* (typed, cleaned) or *quarantined* with a
``reason`` (one or more codes from :data:`QUARANTINE_REASONS`, joined by ``;``) and a human
``detail``; ``read == accepted + quarantined`` always holds.

File-level problems (unreadable file, unknown extension, a missing required column) raise
:class:`InputError`, whose message names the file and column; the CLI turns it into exit code 2.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from voc.errors import InputError

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
ORDER_COLUMNS = ("date", "market", "category", "orders")
QUARANTINE_REASONS = (
    "malformed_row",
    "undecodable_bytes",
    "missing_id",
    "empty_text",
    "text_too_long",
    "bad_date",
    "unknown_channel",
    "unknown_order_stage",
    "csat_out_of_range",
    "nps_out_of_range",
    "bad_escalated",
    "duplicate_id",
    # orders
    "bad_orders",
    "missing_field",
)
READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# Columns the readers add to every raw chunk; they never reach the accepted output.
SOURCE_ROW = "source_row"
_PROBLEM = "_problem"
_RAW = "raw_record"
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_SURROGATES = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class ContractConfig:
    """How to read a contacts file.

    Parameters
    ----------
    text_column, id_column : str
        Names of the columns holding the text and the contact id in the input file; they are
        renamed to ``text`` and ``contact_id``.
    max_text_length : int
        Longer texts are quarantined as ``text_too_long``.
    chunk_size : int
        Rows per chunk when streaming a file.
    row_ids : bool
        A file with no ``contact_id`` column (and no ``id_column`` named) is accepted and each row
        gets the id ``row-<n>``, its 1-based row number (line number for JSONL): public intent
        datasets have no ids. ``voc discover``, ``train`` and ``tag`` allow it; ``voc data validate``
        does not.
    """

    text_column: str = "text"
    id_column: str = "contact_id"
    max_text_length: int = 20_000
    chunk_size: int = 50_000
    row_ids: bool = False

    def __post_init__(self) -> None:
        if self.max_text_length < 1:
            raise ValueError(f"max_text_length must be >= 1, got {self.max_text_length}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {self.chunk_size}")


@dataclass
class Counts:
    """Row counts of a validation run; ``read == accepted + quarantined`` always."""

    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, accepted: int, quarantine: pd.DataFrame) -> None:
        self.read += accepted + len(quarantine)
        self.accepted += accepted
        self.quarantined += len(quarantine)
        for reasons in quarantine.get("reason", pd.Series(dtype=object)):
            for reason in str(reasons).split(";"):
                self.reasons[reason] = self.reasons.get(reason, 0) + 1

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.quarantined

    def summary(self) -> str:
        """One line, e.g. ``read 1,000 = accepted 990 + quarantined 10 (empty_text 6, ...)``."""
        line = f"read {self.read:,} = accepted {self.accepted:,} + quarantined {self.quarantined:,}"
        if self.reasons:
            parts = ", ".join(f"{k} {v:,}" for k, v in sorted(self.reasons.items(), key=lambda kv: -kv[1]))
            line += f" ({parts})"
        return line


@dataclass
class ValidationResult:
    accepted: pd.DataFrame
    quarantine: pd.DataFrame
    counts: Counts


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def validate_contacts(path: str | Path, config: ContractConfig | None = None) -> ValidationResult:
    """Read and validate a whole contacts file.

    Returns the accepted rows (typed: ``created_at`` UTC timestamps, ``csat``/``nps`` nullable
    integers, ``escalated`` nullable booleans), the quarantined rows (original values as text plus
    ``source_row``, ``reason`` and ``detail``) and the counts. Raises :class:`InputError` when the
    file cannot be used at all.
    """
    config = config or ContractConfig()
    validator = ContactValidator(config)
    accepted, quarantined = [], []
    for raw in read_raw_chunks(path, config):
        ok, bad = validator.validate(raw)
        accepted.append(ok)
        quarantined.append(bad)
    return ValidationResult(
        accepted=_concat(accepted, validator.empty_accepted()),
        quarantine=_concat(quarantined, _empty_quarantine()),
        counts=validator.counts,
    )


def read_contacts(path: str | Path, config: ContractConfig | None = None) -> pd.DataFrame:
    """Accepted contacts of ``path``; for stages that trust an already-validated file."""
    return validate_contacts(path, config).accepted


def iter_validated_contacts(
    path: str | Path, config: ContractConfig | None = None
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Stream ``(accepted, quarantined)`` chunk pairs of ``path`` with bounded memory."""
    config = config or ContractConfig()
    validator = ContactValidator(config)
    for raw in read_raw_chunks(path, config):
        yield validator.validate(raw)


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
        problems: list[list[str]] = [[] for _ in range(n)]
        details: list[list[str]] = [[] for _ in range(n)]

        def flag(mask: Any, reason: str, describe: Any) -> None:
            for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
                if "malformed_row" in problems[i]:
                    continue  # fields are misaligned: further checks would only add noise
                problems[i].append(reason)
                details[i].append(describe(i))

        structural = df[_PROBLEM].fillna("") if _PROBLEM in df else pd.Series([""] * n)
        flag(structural == "malformed_row", "malformed_row", lambda i: "wrong number of fields")
        flag(structural == "malformed_json", "malformed_row", lambda i: "not a JSON object")
        flag(structural == "undecodable_bytes", "undecodable_bytes", lambda i: "bytes that are not UTF-8")

        ids = _as_text(df.get("contact_id"), n).str.strip()
        text = _as_text(df.get("text"), n)
        flag(ids.isna() | (ids == ""), "missing_id", lambda i: "contact_id is empty")
        flag(text.isna() | (text.str.strip() == ""), "empty_text", lambda i: "text is empty")
        lengths = text.str.len().fillna(0)
        limit = self.config.max_text_length
        flag(lengths > limit, "text_too_long", lambda i: f"text has {int(lengths[i]):,} chars > {limit:,}")

        if "created_at" in df:
            given = _present(df["created_at"])
            parsed = _parse_dates(df["created_at"])
            flag(given & parsed.isna(), "bad_date", lambda i: f"created_at={_short(df['created_at'][i])}")
            df["created_at"] = parsed
        if "channel" in df:
            channel = _as_text(df["channel"], n).str.strip().str.lower()
            flag(
                _present(channel) & ~channel.isin(CHANNELS),
                "unknown_channel",
                lambda i: f"channel={_short(df['channel'][i])} not in {'/'.join(CHANNELS)}",
            )
            df["channel"] = channel.where(_present(channel), None)
        if "order_stage" in df:
            stage = _as_text(df["order_stage"], n).str.strip().str.lower()
            flag(
                _present(stage) & ~stage.isin(ORDER_STAGES),
                "unknown_order_stage",
                lambda i: f"order_stage={_short(df['order_stage'][i])} not in {'/'.join(ORDER_STAGES)}",
            )
            df["order_stage"] = stage.where(_present(stage), None)
        for col, lo, hi in (("csat", 1, 5), ("nps", 0, 10)):
            if col in df:
                values = _parse_int(df[col])
                bad = _present(df[col]) & (values.isna() | (values < lo) | (values > hi)).fillna(True)
                flag(
                    bad,
                    f"{col}_out_of_range",
                    lambda i, c=col, a=lo, b=hi: f"{c}={_short(df[c][i])} not in {a}..{b}",
                )
                df[col] = values
        if "escalated" in df:
            escalated = _parse_bool(df["escalated"])
            flag(
                _present(df["escalated"]) & escalated.isna(),
                "bad_escalated",
                lambda i: f"escalated={_short(df['escalated'][i])} is not true/false",
            )
            df["escalated"] = escalated

        # Only rows that are otherwise valid claim an id; later rows with a claimed id are duplicates.
        for i in range(n):
            if problems[i]:
                continue
            cid = ids[i]
            if cid in self._seen_ids:
                problems[i].append("duplicate_id")
                details[i].append(f"contact_id={_short(cid)} seen before")
            else:
                self._seen_ids.add(cid)

        bad_mask = np.array([bool(p) for p in problems], dtype=bool)
        quarantine = raw.reset_index(drop=True).loc[bad_mask].copy()
        quarantine = _quarantine_frame(
            quarantine,
            reasons=[";".join(p) for p in problems if p],
            details=["; ".join(d) for d, p in zip(details, problems, strict=True) if p],
        )
        accepted = df.loc[~bad_mask].copy()
        accepted["contact_id"] = ids[~bad_mask]
        accepted["text"] = text[~bad_mask]
        accepted = _type_contacts(
            accepted.drop(columns=[c for c in (_PROBLEM, _RAW, SOURCE_ROW) if c in accepted])
        )
        self.counts.add(len(accepted), quarantine)
        return accepted.reset_index(drop=True), quarantine.reset_index(drop=True)


def validate_orders(path: str | Path) -> ValidationResult:
    """Read and validate an orders file (``date``, ``market``, ``category``, ``orders``).

    ``orders`` must be a non-negative integer count and ``date`` a parseable date; other rows are
    quarantined. Raises :class:`InputError` for an unusable file or a missing column.
    """
    frames = list(read_raw_chunks(path, ContractConfig(), required=ORDER_COLUMNS))
    raw = _concat(frames, pd.DataFrame({c: pd.Series(dtype=object) for c in (*ORDER_COLUMNS, SOURCE_ROW)}))
    n = len(raw)
    reasons: list[list[str]] = [[] for _ in range(n)]
    structural = raw[_PROBLEM].fillna("") if _PROBLEM in raw else pd.Series([""] * n)
    dates = _parse_dates(raw["date"]).dt.tz_localize(None).dt.normalize()
    orders = _parse_int(raw["orders"])
    checks = {
        "malformed_row": structural.isin(["malformed_row", "malformed_json"]),
        "undecodable_bytes": structural == "undecodable_bytes",
        "bad_date": dates.isna(),
        "bad_orders": (orders.isna() | (orders < 0)).fillna(True),
        "missing_field": ~_present(raw["market"]) | ~_present(raw["category"]),
    }
    for reason, mask in checks.items():
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            reasons[i].append(reason)
    bad = np.array([bool(r) for r in reasons], dtype=bool)
    quarantine = _quarantine_frame(
        raw.loc[bad].copy(), reasons=[";".join(r) for r in reasons if r], details=[""] * int(bad.sum())
    )
    accepted = pd.DataFrame(
        {
            "date": dates[~bad],
            "market": _as_text(raw["market"], n)[~bad].str.strip(),
            "category": _as_text(raw["category"], n)[~bad].str.strip(),
            "orders": orders[~bad].astype("int64"),
        }
    ).reset_index(drop=True)
    counts = Counts()
    counts.add(len(accepted), quarantine)
    return ValidationResult(accepted, quarantine.reset_index(drop=True), counts)


# --------------------------------------------------------------------------------------------
# Readers: raw chunks of text-valued columns plus SOURCE_ROW and a structural _PROBLEM
# --------------------------------------------------------------------------------------------


def read_raw_chunks(
    path: str | Path, config: ContractConfig, required: Iterable[str] = ("contact_id", "text")
) -> Iterator[pd.DataFrame]:
    """Yield raw chunks of ``path`` with columns renamed to the contract's names.

    Values are kept as read (strings for CSV/JSONL); ``source_row`` is the 1-based row number in
    the file (line number for JSONL) so a quarantined row can be found again.
    """
    source = Path(path)
    kind = READERS.get(source.suffix.lower())
    if kind is None:
        raise InputError(
            f"{source}: unknown file type {source.suffix or '(none)'!r}; use .csv, .parquet or .jsonl"
        )
    if not source.is_file():
        raise InputError(f"{source}: no such file")
    rename = {config.text_column: "text", config.id_column: "contact_id"}
    rename = {k: v for k, v in rename.items() if k != v}
    reader = {"csv": _csv_chunks, "parquet": _parquet_chunks, "jsonl": _jsonl_chunks}[kind]
    row_ids = config.row_ids and config.id_column == "contact_id"
    required = tuple(c for c in required if not (row_ids and c == "contact_id"))
    first = True
    try:
        for chunk in reader(source, config.chunk_size):
            if first and (kind != "jsonl" or chunk.attrs.get("header")):
                _check_columns(source, chunk, rename, required, config)
                first = False
            chunk = chunk.rename(columns=rename)
            if row_ids and "contact_id" not in chunk.columns:
                chunk["contact_id"] = "row-" + chunk[SOURCE_ROW].astype(str)
            yield chunk
    except InputError:
        raise
    except (OSError, ValueError, csv.Error) as exc:
        # pyarrow's errors subclass these; a truncated or foreign file surfaces here.
        raise InputError(f"{source}: cannot read file: {exc}") from exc


def _check_columns(
    source: Path,
    chunk: pd.DataFrame,
    rename: dict[str, str],
    required: tuple[str, ...],
    config: ContractConfig,
) -> None:
    # JSONL has no header: the keys of its first well-formed record stand for one.
    present = set(chunk.attrs.get("header") or chunk.columns) - {SOURCE_ROW, _PROBLEM, _RAW}
    for original, target in rename.items():
        if target in present and original in present:
            raise InputError(f"{source}: both {original!r} and {target!r} columns exist; rename one of them")
    hint = {"text": "--text-column", "contact_id": "--id-column"}
    reverse = {v: k for k, v in rename.items()}
    for col in required:
        name = reverse.get(col, col)
        if name not in present:
            found = ", ".join(sorted(map(str, present))) or "none"
            fix = f"; name the right one with {hint[col]}" if col in hint else ""
            raise InputError(f"{source}: missing required column {name!r} (found: {found}){fix}")


def _csv_chunks(source: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    # surrogateescape keeps undecodable bytes in the string so the row can be flagged, not lost.
    with open(source, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise InputError(f"{source}: empty file, expected a header row")
        header = [_clean_surrogates(h).strip() for h in header]
        if len(set(header)) != len(header):
            dupes = sorted({h for h in header if header.count(h) > 1})
            raise InputError(f"{source}: duplicate column names {dupes}")
        rows: list[dict[str, Any]] = []
        yielded = False
        for row_number, record in enumerate(reader, start=1):
            rows.append(_csv_row(header, record, row_number))
            if len(rows) >= chunk_size:
                yield _frame(rows, header)
                rows, yielded = [], True
        if rows or not yielded:  # a header-only file still gives one empty chunk
            yield _frame(rows, header)


def _csv_row(header: list[str], record: list[str], row_number: int) -> dict[str, Any]:
    problem = None
    if len(record) != len(header):
        problem = "malformed_row"
    if any(_SURROGATES.search(v) for v in record):
        problem = problem or "undecodable_bytes"
        record = [_clean_surrogates(v) for v in record]
    row: dict[str, Any] = dict(zip(header, record, strict=False))
    row[SOURCE_ROW] = row_number
    row[_PROBLEM] = problem
    if problem == "malformed_row":
        row[_RAW] = ",".join(record)
    return row


def _parquet_chunks(source: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    file = pq.ParquetFile(source)
    offset = 0
    yielded = False
    for batch in file.iter_batches(batch_size=chunk_size):
        df = batch.to_pandas()
        problems: list[str | None] = [None] * len(df)
        for col in df.columns:
            if df[col].dtype == object:
                decoded = []
                for i, value in enumerate(df[col]):
                    if isinstance(value, bytes | bytearray):
                        try:
                            value = bytes(value).decode("utf-8")
                        except UnicodeDecodeError:
                            value = bytes(value).decode("utf-8", "backslashreplace")
                            problems[i] = "undecodable_bytes"
                    decoded.append(value)
                df[col] = pd.Series(decoded, index=df.index, dtype=object)
        df[SOURCE_ROW] = np.arange(offset + 1, offset + len(df) + 1)
        df[_PROBLEM] = problems
        offset += len(df)
        yielded = True
        yield df
    if not yielded:
        yield file.schema_arrow.empty_table().to_pandas().assign(**{SOURCE_ROW: [], _PROBLEM: []})


def _jsonl_chunks(source: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    rows: list[dict[str, Any]] = []
    columns: dict[str, None] = {}
    header: list[str] = []
    with open(source, "rb") as fh:
        for line_number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            # surrogateescape keeps undecodable bytes so the fields can still be read and flagged.
            decoded = line.decode("utf-8", "surrogateescape").removeprefix("\ufeff")
            try:
                obj = json.loads(decoded)
            except ValueError:
                obj = None
            row: dict[str, Any]
            if isinstance(obj, dict):
                row = {_clean_surrogates(str(k)): _json_value(v) for k, v in obj.items()}
                undecodable = _SURROGATES.search(decoded) is not None
                if undecodable:
                    row = {k: _clean_surrogates(v) if isinstance(v, str) else v for k, v in row.items()}
                row[_PROBLEM] = "undecodable_bytes" if undecodable else None
            else:
                row = {_PROBLEM: "malformed_json", _RAW: _clean_surrogates(decoded.rstrip())}
            row[SOURCE_ROW] = line_number
            if not columns and row[_PROBLEM] != "malformed_json":
                header = [k for k in row if k not in (SOURCE_ROW, _PROBLEM, _RAW)]
            columns.update(dict.fromkeys(k for k in row if k not in (SOURCE_ROW, _PROBLEM, _RAW)))
            rows.append(row)
            if len(rows) >= chunk_size:
                yield _frame(rows, list(columns), header)
                rows = []
    if rows or not columns:
        yield _frame(rows, list(columns), header)


def _json_value(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _frame(rows: list[dict[str, Any]], columns: list[str], header: list[str] | None = None) -> pd.DataFrame:
    columns = [*columns, SOURCE_ROW, _PROBLEM]
    if any(_RAW in r for r in rows):
        columns.append(_RAW)
    df = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    df = df.astype(object).where(df.notna(), None)
    if header:
        df.attrs["header"] = header
    return df


# --------------------------------------------------------------------------------------------
# Parsing helpers
# --------------------------------------------------------------------------------------------


def _as_text(col: pd.Series | None, n: int) -> pd.Series:
    """Column as object strings with None for missing; numbers become their text."""
    if col is None:
        return pd.Series([None] * n, dtype=object)
    values = [None if _missing(v) else (v if isinstance(v, str) else str(v)) for v in col]
    return pd.Series(values, dtype=object, index=range(n))


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _present(col: pd.Series) -> pd.Series:
    return pd.Series([not _missing(v) and str(v).strip() != "" for v in col], index=col.index, dtype=bool)


def _parse_dates(col: pd.Series) -> pd.Series:
    values = col.map(lambda v: None if _missing(v) or str(v).strip() == "" else v)
    return pd.to_datetime(values, errors="coerce", utc=True, format="mixed").astype("datetime64[us, UTC]")


def _parse_int(col: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(col.map(lambda v: None if _missing(v) else str(v).strip()), errors="coerce")
    whole = numbers.where(np.isfinite(numbers) & (numbers == np.floor(numbers)))
    whole = whole.where(whole.abs() < 2**62)
    return whole.astype("Int64")


def _parse_bool(col: pd.Series) -> pd.Series:
    def parse(v: Any) -> bool | None:
        if _missing(v):
            return None
        if isinstance(v, bool | np.bool_):
            return bool(v)
        s = str(v).strip().lower()
        return True if s in _TRUE else False if s in _FALSE else None

    return pd.Series([parse(v) for v in col], index=col.index, dtype="boolean")


def _clean_surrogates(value: str) -> str:
    """Turn surrogate-escaped bytes into visible ``\\xNN`` text so the value can be written as UTF-8."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        out["created_at"] = _parse_dates(out["created_at"])
    for col in ("csat", "nps"):
        out[col] = out[col].astype("Int64") if out[col].dtype == "Int64" else _parse_int(out[col])
    if str(out["escalated"].dtype) != "boolean":
        out["escalated"] = _parse_bool(out["escalated"])
    for col in ("channel", "order_id", "market", "category", "order_stage", "label"):
        out[col] = [None if _missing(v) else str(v) for v in out[col]]
        out[col] = out[col].astype(object)
    extras = [c for c in out.columns if c not in CONTACT_COLUMNS]
    return out[[*CONTACT_COLUMNS, *extras]]


def _quarantine_frame(raw: pd.DataFrame, reasons: list[str], details: list[str]) -> pd.DataFrame:
    """Quarantined rows: source_row, reason, detail, then every original value as text."""
    values = raw.drop(columns=[c for c in (_PROBLEM,) if c in raw])
    out = pd.DataFrame(
        {
            SOURCE_ROW: values.pop(SOURCE_ROW).astype("int64") if SOURCE_ROW in values else [],
            "reason": reasons,
            "detail": details,
        },
        index=values.index,
    )
    for col in values.columns:
        out[col] = [None if _missing(v) else str(v) for v in values[col]]
    return out


def _empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame(
        {
            SOURCE_ROW: pd.Series(dtype="int64"),
            "reason": pd.Series(dtype=object),
            "detail": pd.Series(dtype=object),
        }
    )


def _concat(frames: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
