"""What a tagging run writes, shared by the local and Spark engines: tables, files and the summary.

In: frames of tagged contacts (columns :data:`voc.contracts.tagged.TAGGED_COLUMNS`) and of
quarantined rows (``source_row``, ``reason``, ``detail`` and the original values). Out: Arrow
tables of one fixed schema (:func:`output_table`, :func:`quarantine_table`), the final ``.parquet``
or ``.csv`` files concatenated from Parquet parts one part at a time (:func:`concat_parts`: the
tags and their quarantine appear together or not at all; CSV is spreadsheet-safe), and
:class:`TagSummary`, what a run did (``read == tagged + quarantined``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from voc.contracts.reading import as_strings
from voc.contracts.tagged import TAGGED_SCHEMA
from voc.errors import InputError
from voc.files import atomic_group, spreadsheet_safe_frame

OUTPUT_SUFFIXES = (".parquet", ".csv")
QUARANTINE_FIRST = ("source_row", "reason", "detail")


@dataclass
class TagSummary:
    """What a tagging run did; ``read == tagged + quarantined`` always."""

    out: Path
    quarantine_out: Path
    model_name: str
    model_version: str
    read: int = 0
    tagged: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    chunks: int = 0
    chunks_resumed: int = 0
    seconds: float = 0.0

    @property
    def reconciles(self) -> bool:
        return self.read == self.tagged + self.quarantined

    @property
    def contacts_per_second(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        """One line, e.g. ``read 1,000 = tagged 990 + quarantined 10 (empty_text 10); ...``."""
        line = f"read {self.read:,} = tagged {self.tagged:,} + quarantined {self.quarantined:,}"
        if self.reasons:
            parts = ", ".join(f"{k} {v:,}" for k, v in sorted(self.reasons.items(), key=lambda kv: -kv[1]))
            line += f" ({parts})"
        line += f"; {self.chunks} chunks"
        if self.chunks_resumed:
            line += f" ({self.chunks_resumed} resumed from an earlier run)"
        line += f"; {self.contacts_per_second:,.0f} contacts/s; model {self.model_name} v{self.model_version}"
        return line


def check_output_path(out: Path) -> None:
    """Raise :class:`InputError` unless ``out`` ends in ``.parquet`` or ``.csv``."""
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"{out}: unsupported output format {out.suffix!r}; use .parquet or .csv")


def default_quarantine_path(out: Path) -> Path:
    """``contacts.tags.parquet`` -> ``contacts.tags.quarantine.parquet`` (same folder and format)."""
    return out.with_name(f"{out.stem}.quarantine{out.suffix}")


def output_table(tagged: pd.DataFrame) -> pa.Table:
    """Tagged contacts as an Arrow table of :data:`TAGGED_SCHEMA` (n rows, same order).

    ``tagged`` has every column of the schema; values are cast to its types (text columns to
    ``str`` or null, ``csat``/``nps`` to nullable integers, ``created_at`` to UTC microseconds).
    """
    out = tagged.copy()
    if "created_at" in out:
        out["created_at"] = pd.to_datetime(out["created_at"], utc=True).astype("datetime64[us, UTC]")
    for col in ("csat", "nps"):
        out[col] = out[col].astype("Int64")
    out["escalated"] = out["escalated"].astype("boolean")
    out["needs_review"] = out["needs_review"].astype(bool)
    out["confidence"] = out["confidence"].astype("float64")
    out["secondary_confidence"] = pd.to_numeric(out["secondary_confidence"]).astype("float64")
    for col in TAGGED_SCHEMA.names:
        if pa.types.is_string(TAGGED_SCHEMA.field(col).type):
            out[col] = _text(out[col])
    return pa.Table.from_pandas(out[TAGGED_SCHEMA.names], schema=TAGGED_SCHEMA, preserve_index=False)


def quarantine_table(quarantined: pd.DataFrame) -> pa.Table:
    """Quarantined rows as an Arrow table: ``source_row`` (int64) first, every other column as text."""
    out = quarantined.copy()
    for col in out.columns:
        if col != "source_row":
            out[col] = _text(out[col])
    fields = [pa.field(c, pa.int64() if c == "source_row" else pa.string()) for c in out.columns]
    if "source_row" not in out:
        out.insert(0, "source_row", pd.Series(dtype="int64"))
        fields.insert(0, pa.field("source_row", pa.int64()))
    return pa.Table.from_pandas(out, schema=pa.schema(fields), preserve_index=False)


def quarantine_schema(parts: Sequence[Path]) -> pa.Schema:
    """One schema for quarantine parts whose columns differ (each chunk keeps the columns it read)."""
    names: dict[str, None] = dict.fromkeys(QUARANTINE_FIRST)
    for part in parts:
        names.update(dict.fromkeys(pq.read_schema(part).names))
    return pa.schema([pa.field(n, pa.int64() if n == "source_row" else pa.string()) for n in names])


def concat_parts(groups: Sequence[tuple[Sequence[Path], Path, pa.Schema]]) -> None:
    """Concatenate each group's Parquet ``parts`` into its Parquet or CSV ``target``.

    ``groups`` holds ``(parts, target, schema)`` triples; parts are read one at a time and
    conformed to ``schema`` (:func:`conform`). The targets appear together or not at all (the tags
    and their quarantine: a full disk never leaves one without the other); a CSV target is
    spreadsheet-safe and has a header even with no rows.
    """
    with atomic_group() as path:
        for parts, target, schema in groups:
            with path(target) as tmp:
                write_parts(parts, tmp, schema, csv=target.suffix.lower() == ".csv")


def write_parts(parts: Sequence[Path], path: Path, schema: pa.Schema, *, csv: bool) -> None:
    """Write the concatenated ``parts`` to ``path`` as it stands (no rename), CSV or Parquet."""
    writer = None if csv else pq.ParquetWriter(path, schema)
    try:
        header = True
        for part in parts:
            table = conform(pq.read_table(part), schema)
            if csv:
                frame = spreadsheet_safe_frame(table.to_pandas())
                # CRLF rows, as voc.files.write_csv: a bare CR inside a value is quoted too
                frame.to_csv(
                    path, index=False, mode="w" if header else "a", header=header, lineterminator="\r\n"
                )
                header = False
            else:
                assert writer is not None
                writer.write_table(table)
        if csv and header:
            pd.DataFrame(columns=schema.names).to_csv(path, index=False, lineterminator="\r\n")
    finally:
        if writer is not None:
            writer.close()


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns, in its order: cast, and null where missing."""
    columns = [
        table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def _text(col: pd.Series) -> pd.Series:
    strings = as_strings(col)  # a column of text already: no Python call per cell
    if strings is not None:
        return strings.set_axis(range(len(col)))
    return pd.Series([None if v is None or v is pd.NA or v != v else str(v) for v in col], dtype=object)
