"""Atomic, spreadsheet-safe file writing.

Every file the pipeline writes goes through here: the data is written to a temporary file in the
target folder and renamed over the target, so a crash never leaves a half-written file behind.
Files that belong together (a table and its quarantine) are renamed only once all are written
(:func:`atomic_group`, :func:`write_tables`), so a full disk never leaves one without the other.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd

TABLE_SUFFIXES = (".parquet", ".csv", ".jsonl")

# A cell that starts with one of these is read as a formula by Excel, LibreOffice and Sheets.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` when the block succeeds.

    The file gets the mode any new file of the user gets (``0o666`` less the umask: 0644 under
    umask 022), not the 0600 of a temporary file, so a teammate can open a report on a shared
    drive. On an exception the temporary file is removed and ``path`` is left as it was. An
    :class:`OSError` while writing (a full disk, a file-size limit) names ``path``, not the
    temporary file: pyarrow's and pandas' errors name no file at all.
    """
    target = Path(path)
    with _temporary(target) as tmp:
        yield tmp
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, target)


@contextlib.contextmanager
def atomic_group() -> Iterator[Callable[[str | Path], contextlib.AbstractContextManager[Path]]]:
    """Files that appear together or not at all, such as accepted rows and their quarantine.

    ``with atomic_group() as path:``, then ``with path(target) as tmp:`` for each file: every file
    is written to a temporary file beside its target, and all are renamed into place when the outer
    block succeeds. When any write fails none is, and every target is left as it was.
    """
    written: list[tuple[Path, Path]] = []

    @contextlib.contextmanager
    def path(target: str | Path) -> Iterator[Path]:
        with _temporary(Path(target)) as tmp:
            yield tmp
        written.append((tmp, Path(target)))

    try:
        yield path
        for tmp, target in written:
            try:
                os.chmod(tmp, 0o666 & ~current_umask())  # as atomic_path: the user's usual mode
                os.replace(tmp, target)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(target)) from exc
    finally:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _temporary(target: Path) -> Iterator[Path]:
    """A temporary file beside ``target``, removed on an exception; OSErrors name ``target``."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename is None or str(exc.filename) == name:
            raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process umask, read without changing it where Linux shows it (/proc), else set back."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file for writing that replaces ``path`` when the block succeeds."""
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    with atomic_path(path) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)


def spreadsheet_safe(value: Any) -> Any:
    """Neutralise a cell that a spreadsheet would run as a formula.

    A string starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe, the
    OWASP-recommended escape; anything else is returned unchanged.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` whose text cells and column names are :func:`spreadsheet_safe`.

    Every column that can hold text (object, string or categorical) is checked cell by cell;
    numeric, boolean and date columns cannot hold a formula.
    """
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.map(spreadsheet_safe)
    out.columns = [spreadsheet_safe(str(c)) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: str | Path) -> None:
    """Write ``df`` as RFC 4180 CSV: CRLF rows, every field holding CR, LF, a quote or a comma quoted.

    With pandas' default ``\\n`` row end a bare carriage return inside a value was written unquoted,
    and readers split the row there; with ``\\r\\n`` the csv module quotes any field containing
    either character.
    """
    df.to_csv(path, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def write_table(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` atomically, in the format named by the suffix (.parquet, .csv or .jsonl).

    CSV output is meant for spreadsheets and BI tools, so its text cells are made
    :func:`spreadsheet_safe`; Parquet and JSONL keep the values exactly.
    """
    return write_tables([(df, path)])[0]


def write_tables(tables: Sequence[tuple[pd.DataFrame, str | Path]]) -> list[Path]:
    """Write tables that belong together (accepted rows and their quarantine): all of them or none.

    Each ``(df, path)`` is written as :func:`write_table` writes it; the files appear together when
    every write succeeded (:func:`atomic_group`). Returns the paths.
    """
    targets = [Path(path) for _, path in tables]
    for target in targets:
        if target.suffix.lower() not in TABLE_SUFFIXES:
            raise ValueError(
                f"{target}: unsupported output format {target.suffix!r}; use one of {TABLE_SUFFIXES}"
            )
    with atomic_group() as path:
        for (df, _), target in zip(tables, targets, strict=True):
            with path(target) as tmp:
                _write_format(df, tmp, target.suffix.lower())
    return targets


def _write_format(df: pd.DataFrame, tmp: Path, suffix: str) -> None:
    if suffix == ".parquet":
        df.to_parquet(tmp, index=False)
    elif suffix == ".csv":
        write_csv(spreadsheet_safe_frame(df), tmp)
    else:
        df.to_json(tmp, orient="records", lines=True, date_format="iso", force_ascii=False)
