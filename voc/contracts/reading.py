"""What every input table shares: chunked raw readers, value parsing and the quarantine frame.

``read_raw_chunks(path, config)`` reads a .csv, .parquet or .jsonl file (chosen by extension, see
:data:`READERS`) in chunks of ``config.chunk_size`` rows, so memory stays bounded. A raw chunk keeps
the values as read (text for CSV and JSONL) plus :data:`SOURCE_ROW` (the 1-based row, or line for
JSONL) and :data:`PROBLEM` (a structural problem of the row: ``malformed_row``, ``malformed_json``,
``undecodable_bytes``, or None). The table modules (:mod:`voc.contracts.contacts`,
:mod:`voc.contracts.orders`) validate those chunks into accepted rows and quarantined rows built by
:func:`quarantine_frame`; :class:`Counts` keeps ``read == accepted + quarantined``.

File-level problems (unreadable file, unknown extension, a missing required column) raise
:class:`~voc.errors.InputError` naming the file and column; the CLI turns it into exit code 2.
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

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}

# Columns the readers add to every raw chunk; they never reach the accepted output.
SOURCE_ROW = "source_row"
PROBLEM = "_problem"
RAW_RECORD = "raw_record"
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_SURROGATES = re.compile("[\udc80-\udcff]")
_DIGIT = re.compile(r"\d")
# day/month/year or month/day/year with /, . or - and a four-digit year; a time may follow
DMY_DATE = re.compile(r"^\s*(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})(?!\d)")
# Contacts and orders before this are typos or placeholder years (0001, 1900).
EARLIEST_DATE = "2000-01-01"


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
    dayfirst : bool or None
        How to read dates such as ``03/04/2026``: True day first, False month first, None decided
        once for the whole file by :func:`decide_dayfirst` (from the dates that only one order can
        read, e.g. ``13/04/2026``). Never decided row by row.
    column_options : bool
        Whether an error may tell the user to pass ``--text-column``, ``--id-column``,
        ``--dayfirst`` or ``--monthfirst``: True for commands that have them; False for those that
        read an already-validated file (``voc label ...``), whose errors point to
        ``voc data validate`` instead.
    """

    text_column: str = "text"
    id_column: str = "contact_id"
    max_text_length: int = 20_000
    chunk_size: int = 50_000
    row_ids: bool = False
    dayfirst: bool | None = None
    column_options: bool = True

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
    """A validated table: accepted rows (typed), quarantined rows (as text) and the counts."""

    accepted: pd.DataFrame
    quarantine: pd.DataFrame
    counts: Counts


# --------------------------------------------------------------------------------------------
# Readers: raw chunks of text-valued columns plus SOURCE_ROW and a structural PROBLEM
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
                _check_columns(source, chunk, rename, required, config.column_options)
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
    source: Path, chunk: pd.DataFrame, rename: dict[str, str], required: tuple[str, ...], options: bool
) -> None:
    # JSONL has no header: the keys of its first well-formed record stand for one.
    present = set(chunk.attrs.get("header") or chunk.columns) - {SOURCE_ROW, PROBLEM, RAW_RECORD}
    for original, target in rename.items():
        if target in present and original in present:
            raise InputError(f"{source}: both {original!r} and {target!r} columns exist; rename one of them")
    hint = {"text": "--text-column", "contact_id": "--id-column"}
    reverse = {v: k for k, v in rename.items()}
    for col in required:
        name = reverse.get(col, col)
        if name not in present:
            found = ", ".join(sorted(map(str, present))) or "none"
            fix = ""
            if col in hint:
                fix = (
                    f"; name the right one with {hint[col]}"
                    if options
                    else f"; `voc data validate FILE {hint[col]} NAME --out DIR` writes a file with it"
                )
            raise InputError(f"{source}: missing required column {name!r} (found: {found}){fix}")


def _csv_chunks(source: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    _check_encoding(source)
    # surrogateescape keeps undecodable bytes in the string so the row can be flagged, not lost.
    with open(source, encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise InputError(f"{source}: empty file, expected a header row")
        header = [_clean_surrogates(h).strip() for h in header]
        _check_delimiter(source, header)
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


def _check_encoding(source: Path) -> None:
    """Refuse UTF-16/32 text (Excel's "Unicode text"): read as UTF-8 its names are full of NUL bytes."""
    with open(source, "rb") as fh:
        head = fh.read(4096)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (head and head.count(b"\x00") > len(head) // 4):
        raise InputError(
            f"{source}: the file is UTF-16 or UTF-32 text, not UTF-8; save it as CSV UTF-8 "
            "(in Excel: Save As > CSV UTF-8) and try again"
        )


def _check_delimiter(source: Path, header: list[str]) -> None:
    """A one-column header holding ';' or tabs is a file saved with another delimiter."""
    if len(header) != 1:
        return
    for sign, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
        if header[0].count(sign) >= 1:
            raise InputError(
                f"{source}: the header row is separated by {name}, not commas; save the file as "
                "comma-separated CSV (Excel in some locales saves ';' by default)"
            )


def _csv_row(header: list[str], record: list[str], row_number: int) -> dict[str, Any]:
    problem = None
    if len(record) != len(header):
        problem = "malformed_row"
    if any(_SURROGATES.search(v) for v in record):
        problem = problem or "undecodable_bytes"
        record = [_clean_surrogates(v) for v in record]
    row: dict[str, Any] = dict(zip(header, record, strict=False))
    row[SOURCE_ROW] = row_number
    row[PROBLEM] = problem
    if problem == "malformed_row":
        row[RAW_RECORD] = ",".join(record)
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
        df[PROBLEM] = problems
        offset += len(df)
        yielded = True
        yield df
    if not yielded:
        yield file.schema_arrow.empty_table().to_pandas().assign(**{SOURCE_ROW: [], PROBLEM: []})


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
                row[PROBLEM] = "undecodable_bytes" if undecodable else None
            else:
                row = {PROBLEM: "malformed_json", RAW_RECORD: _clean_surrogates(decoded.rstrip())}
            row[SOURCE_ROW] = line_number
            if not columns and row[PROBLEM] != "malformed_json":
                header = [k for k in row if k not in (SOURCE_ROW, PROBLEM, RAW_RECORD)]
            columns.update(dict.fromkeys(k for k in row if k not in (SOURCE_ROW, PROBLEM, RAW_RECORD)))
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
    columns = [*columns, SOURCE_ROW, PROBLEM]
    if any(RAW_RECORD in r for r in rows):
        columns.append(RAW_RECORD)
    df = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    df = df.astype(object).where(df.notna(), None)
    if header:
        df.attrs["header"] = header
    return df


def _clean_surrogates(value: str) -> str:
    """Turn surrogate-escaped bytes into visible ``\\xNN`` text so the value can be written as UTF-8."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# --------------------------------------------------------------------------------------------
# Values: raw cells (text, numbers, None) to typed columns; None where a cell cannot be read
# --------------------------------------------------------------------------------------------


def as_text(col: pd.Series | None, n: int) -> pd.Series:
    """Column as object strings with None for missing; numbers become their text."""
    if col is None:
        return pd.Series([None] * n, dtype=object)
    strings = as_strings(col)
    if strings is not None:
        return strings.set_axis(range(n))
    values = [None if is_missing(v) else (v if isinstance(v, str) else str(v)) for v in col]
    return pd.Series(values, dtype=object, index=range(n))


def as_strings(col: pd.Series) -> pd.Series | None:
    """``col`` as an object column of ``str`` and None when it holds nothing but strings and missing
    values (a Parquet or CSV text column), without a Python call per cell; else None."""
    if not pd.api.types.is_string_dtype(col.dtype):
        return None
    if pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty"):
        return None
    return col.astype(object).where(col.notna(), None)


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pd.NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def present(col: pd.Series) -> pd.Series:
    """Boolean mask of cells that hold something other than blanks."""
    if _typed(col):
        return col.notna().astype(bool)
    strings = as_strings(col)
    if strings is not None:
        return (strings.notna() & (strings.str.strip() != "")).astype(bool)
    return pd.Series([not is_missing(v) and str(v).strip() != "" for v in col], index=col.index, dtype=bool)


def _typed(col: pd.Series) -> bool:
    """Whether ``col`` holds typed values (numbers, booleans, timestamps) rather than text or objects."""
    dtype = col.dtype
    return pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)


def parse_dates(col: pd.Series, dayfirst: bool | None = None) -> pd.Series:
    """UTC timestamps (microseconds); NaT where a cell is blank or not a date.

    Text without a digit ("now", "today", "yesterday") is not a date: it would be read as the time
    the command ran. Day/month/year text (``03/04/2026``, ``3.4.2026``, ``03-04-2026``) is read in the
    ``dayfirst`` order; with ``dayfirst=None`` only the unambiguous ones (``13/04/2026``, ``04/04/2026``)
    are read and the rest are NaT (see :func:`decide_dayfirst`).
    """
    if pd.api.types.is_datetime64_any_dtype(col.dtype):  # Parquet timestamps: nothing to read
        utc = col.dt.tz_convert("UTC") if col.dt.tz is not None else col.dt.tz_localize("UTC")
        return utc.astype("datetime64[us, UTC]")
    values = col.map(lambda v: None if is_missing(v) or str(v).strip() == "" else v)
    texts = values.map(lambda v: v if isinstance(v, str) else None)
    is_text = texts.notna()
    if is_text.any():
        normalised = texts[is_text].map(lambda v: _normalise_date_text(v, dayfirst))
        values = values.astype(object)
        values[is_text] = normalised
    parsed = pd.to_datetime(values, errors="coerce", utc=True, format="mixed")
    return parsed.astype("datetime64[us, UTC]")


def out_of_range_dates(parsed: pd.Series, earliest: str = EARLIEST_DATE) -> pd.Series:
    """Mask of dates before ``earliest`` or more than a day after now (a typo, or a placeholder year)."""
    latest = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    start = pd.Timestamp(earliest, tz="UTC")
    return parsed.notna() & ((parsed < start) | (parsed > latest))


def decide_dayfirst(
    path: str | Path,
    config: ContractConfig,
    column: str = "created_at",
    required: Iterable[str] = ("contact_id", "text"),
) -> bool | None:
    """Day or month first for the whole file, from the dates that only one order can read.

    Returns ``config.dayfirst`` when it is set; else True when some date reads only day first
    (``13/04/2026``), False when some reads only month first (``04/13/2026``), None when none decide.
    Raises :class:`InputError` when the file has both: its dates mix two formats, so pass
    ``--dayfirst`` or ``--monthfirst`` and the rows in the other format are quarantined.
    """
    if config.dayfirst is not None:
        return config.dayfirst
    day = month = None
    for chunk in read_raw_chunks(path, config, required):
        if column not in chunk or pd.api.types.is_datetime64_any_dtype(chunk[column]):
            # no column, or typed timestamps (Parquet): no text to decide on, so no second full read
            return None
        for row, value in zip(chunk[SOURCE_ROW], chunk[column], strict=False):
            found = DMY_DATE.match(value) if isinstance(value, str) else None
            if not found:
                continue
            first, second = int(found["a"]), int(found["b"])
            if first > 12 >= second and day is None:
                day = (row, value)
            elif second > 12 >= first and month is None:
                month = (row, value)
        if day and month:
            fix = (
                "pass --dayfirst or --monthfirst"
                if config.column_options
                else (
                    "`voc data validate FILE --dayfirst --out DIR` (or --monthfirst) writes a file with one"
                )
            )
            raise InputError(
                f"{path}: column {column} mixes day-first ({day[1]!r}, row {day[0]}) and month-first "
                f"({month[1]!r}, row {month[0]}) dates; {fix}"
            )
        if day or month:
            return day is not None
    return None


def _normalise_date_text(value: str, dayfirst: bool | None) -> str | None:
    text = value.strip()
    if not _DIGIT.search(text):
        return None
    found = DMY_DATE.match(text)
    if not found:
        return text
    first, second = int(found["a"]), int(found["b"])
    if dayfirst is None:
        if first <= 12 and second <= 12 and first != second:
            return None
        dayfirst = first > 12
    day, month = (first, second) if dayfirst else (second, first)
    return f"{found['y']}-{month:02d}-{day:02d}{text[found.end() :]}"


def parse_int(col: pd.Series) -> pd.Series:
    """Nullable Int64; NA where a cell is not a whole number (or too large for int64)."""
    if pd.api.types.is_integer_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        numbers = col.astype("Float64").astype(float)
    else:
        numbers = pd.to_numeric(col.map(lambda v: None if is_missing(v) else str(v).strip()), errors="coerce")
    whole = numbers.where(np.isfinite(numbers) & (numbers == np.floor(numbers)))
    whole = whole.where(whole.abs() < 2**62)
    return whole.astype("Int64")


def parse_bool(col: pd.Series) -> pd.Series:
    """Nullable boolean from true/false, yes/no, 1/0, y/n, t/f; NA for anything else."""
    if pd.api.types.is_bool_dtype(col.dtype):
        return col.astype("boolean")

    def parse(v: Any) -> bool | None:
        if is_missing(v):
            return None
        if isinstance(v, bool | np.bool_):
            return bool(v)
        s = str(v).strip().lower()
        return True if s in _TRUE else False if s in _FALSE else None

    return pd.Series([parse(v) for v in col], index=col.index, dtype="boolean")


def short(value: Any, limit: int = 40) -> str:
    """A cell as it goes into a quarantine ``detail``: repr of text, cut at ``limit`` characters."""
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------------------------
# Quarantine and assembly
# --------------------------------------------------------------------------------------------


def quarantine_frame(raw: pd.DataFrame, reasons: list[str], details: list[str]) -> pd.DataFrame:
    """Quarantined rows: source_row, reason, detail, then every original value as text."""
    values = raw.drop(columns=[c for c in (PROBLEM,) if c in raw])
    out = pd.DataFrame(
        {
            SOURCE_ROW: values.pop(SOURCE_ROW).astype("int64") if SOURCE_ROW in values else [],
            "reason": reasons,
            "detail": details,
        },
        index=values.index,
    )
    for col in values.columns:
        out[col] = [None if is_missing(v) else str(v) for v in values[col]]
    return out


def empty_quarantine() -> pd.DataFrame:
    """A quarantine frame with no rows (and only its own three columns)."""
    return pd.DataFrame(
        {
            SOURCE_ROW: pd.Series(dtype="int64"),
            "reason": pd.Series(dtype=object),
            "detail": pd.Series(dtype=object),
        }
    )


def concat_chunks(frames: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    """The non-empty ``frames`` as one frame; ``empty`` when there are none."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


# --------------------------------------------------------------------------------------------
# Whole tables the pipeline wrote itself (tagged contacts, themes): read at once, columns checked
# --------------------------------------------------------------------------------------------


def read_table(path: Path) -> pd.DataFrame:
    """A whole .parquet (or .csv, ``contact_id`` kept as text) file; InputError when unusable."""
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if suffix == ".csv":
            return pd.read_csv(path, dtype={"contact_id": str})
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    raise InputError(f"{path}: unsupported format {suffix!r}; use .parquet or .csv")


def require_columns(df: pd.DataFrame, columns: Iterable[str], path: str | Path) -> None:
    """InputError naming ``path``, the missing columns and the ones found, unless all are there."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}"
        )
