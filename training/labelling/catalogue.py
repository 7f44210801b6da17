"""The label catalogue: analysts' theme labels and per-contact corrections, versioned, that last.

The catalogue is a small relational database (SQLAlchemy 2): a SQLite file in the workspace by
default (``<workspace>/labels.db``), any SQLAlchemy URL otherwise (``postgresql+psycopg://...``).
Each import of a review sheet is **one transaction** that adds one row to ``label_versions`` (who,
when, which sheet, which taxonomy version) and the decisions it carries; nothing is ever updated in
place, so the history of every theme and contact stays readable. The current state is the latest
version's decision per theme (or per contact).

What next week's discovery needs to keep labels is :meth:`Catalogue.labelled_themes`: one row per
labelled theme with its stable ``theme_id``, ``centroid`` (normalised embedding) and ``label``, the
``encoder`` (:func:`nlp.model_files.model_fingerprint`) whose space the centroid is in and the
theme's redacted ``exemplars``, from which discovery with another encoder recomputes the centroid
(:mod:`nlp.encoder_space`). Rows stored before the fingerprint was recorded have ``encoder`` None.

Tables
------
``label_versions``  version, who, created_at (UTC), kind (``themes`` or ``contacts``), source,
                    taxonomy_version, n_decisions
``theme_labels``    version, theme_id, action (``accept``, ``merge_into``, ``split``, ``noise``),
                    merged_into, label, centroid (float32 bytes), dim, size, keywords, notes,
                    encoder (fingerprint of the centroid's encoder), exemplars (JSON list of
                    redacted texts); the last two are added to a catalogue made before them
``contact_labels``  version, contact_id, label, theme_id, notes
"""

from __future__ import annotations

import getpass
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from voc.contracts.themes import read_themes, themes_encoder
from voc.errors import InputError

log = logging.getLogger(__name__)

CATALOGUE_FILE = "labels.db"
THEME_ACTIONS = ("accept", "merge_into", "split", "noise")
_THEME_COLUMNS = ["theme_id", "centroid", "label", "version", "encoder", "exemplars"]
# What previous_themes gives discovery, from a run or a catalogue alike.
PREVIOUS_COLUMNS = ["theme_id", "centroid", "label", "encoder", "exemplars"]


@dataclass(frozen=True)
class ThemeDecision:
    """One analyst decision on one theme, as validated from a review sheet.

    ``label`` is the taxonomy id the theme stands for: for ``accept`` the analyst's label, for
    ``merge_into`` the label of the target theme (resolved at import), ``None`` for ``split`` and
    ``noise``. ``centroid`` is the theme's normalised embedding, shape ``(dim,)``, in the space of
    the encoder whose fingerprint is ``encoder``; ``exemplars`` are redacted member texts.
    """

    theme_id: int
    action: str
    label: str | None = None
    merged_into: int | None = None
    centroid: np.ndarray | None = None
    size: int | None = None
    keywords: str = ""
    notes: str = ""
    encoder: str | None = None
    exemplars: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.action not in THEME_ACTIONS:
            raise ValueError(f"theme {self.theme_id}: action {self.action!r} not in {THEME_ACTIONS}")
        if self.action == "accept" and not self.label:
            raise ValueError(f"theme {self.theme_id}: accept needs a label")
        if self.action == "merge_into" and self.merged_into is None:
            raise ValueError(f"theme {self.theme_id}: merge_into needs a target theme")


@dataclass(frozen=True)
class ContactLabel:
    """An explicit per-contact label (a correction from an active-learning sheet)."""

    contact_id: str
    label: str
    theme_id: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class ImportInfo:
    """Who imported what, recorded with each catalogue version."""

    who: str = field(default_factory=lambda: current_user())
    source: str = ""
    taxonomy_version: str = ""


class _Base(DeclarativeBase):
    pass


class LabelVersion(_Base):
    __tablename__ = "label_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    who: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text, default="")
    taxonomy_version: Mapped[str] = mapped_column(String(50), default="")
    n_decisions: Mapped[int] = mapped_column(Integer, default=0)


class ThemeLabel(_Base):
    __tablename__ = "theme_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(ForeignKey("label_versions.version"), index=True)
    theme_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(20))
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # float32 little-endian bytes: compact, exact, and the same on SQLite and PostgreSQL.
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    dim: Mapped[int | None] = mapped_column(Integer, nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    keywords: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    encoder: Mapped[str | None] = mapped_column(String(64), nullable=True)
    exemplars: Mapped[str | None] = mapped_column(Text, nullable=True)


# Columns added to theme_labels after catalogues were in use: (name, SQL type) for ALTER TABLE.
_ADDED_THEME_COLUMNS = (("encoder", "VARCHAR(64)"), ("exemplars", "TEXT"))


class ContactLabelRow(_Base):
    __tablename__ = "contact_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(ForeignKey("label_versions.version"), index=True)
    contact_id: Mapped[str] = mapped_column(String(200), index=True)
    label: Mapped[str] = mapped_column(String(200))
    theme_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)


def previous_themes(target: str | Path) -> pd.DataFrame:
    """What discovery's ``--previous`` matches against: a previous run or a label catalogue.

    Parameters
    ----------
    target : str or Path
        A discovery output folder (holding ``themes.parquet``), a themes ``.parquet`` file, a
        catalogue file (``.db``) or a SQLAlchemy URL.

    Returns
    -------
    DataFrame with :data:`PREVIOUS_COLUMNS`: ``theme_id`` (int), ``centroid`` (float32 ndarray of
    shape ``(dim,)``), ``label`` (str or None), ``encoder`` (fingerprint of the encoder the centroid
    was computed with; None when not recorded) and ``exemplars`` (list of redacted texts): every
    theme of a previous run (labels as that run carried them), or the catalogue's labelled themes.

    Raises
    ------
    FileNotFoundError
        When ``target`` is neither a folder, a file nor a URL.
    InputError
        When a run's themes cannot be read, lack ``centroid`` or have an empty one.
    """
    text = str(target)
    path = Path(text)
    if "://" not in text and (path.is_dir() or path.suffix.lower() in (".parquet", ".pq")):
        themes = read_themes(path, required=("centroid",))
        empty = [i for i, c in enumerate(themes["centroid"]) if c is None]
        if empty:
            raise InputError(f"{text}: row {empty[0] + 1}: empty centroid")
        # attrs travel along: next_theme_id keeps retired ids from being given again.
        return themes.assign(encoder=themes_encoder(themes))[PREVIOUS_COLUMNS]
    if "://" not in text and not path.is_file():
        raise FileNotFoundError(f"{target}: neither a discovery folder nor a catalogue file")
    catalogue = Catalogue(text)
    try:
        return catalogue.labelled_themes()[PREVIOUS_COLUMNS]
    finally:
        catalogue.close()


def current_user() -> str:
    """The OS user name, or ``"unknown"`` where there is none (some containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def catalogue_url(target: str | Path) -> str:
    """A SQLAlchemy URL for ``target``: a URL is returned as is, a file path becomes SQLite."""
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


class Catalogue:
    """The label catalogue at a SQLAlchemy URL (or a SQLite file path); tables are created on use.

    Parameters
    ----------
    url : str or Path
        ``sqlite:///path/labels.db``, ``postgresql+psycopg://user@host/db``, or a plain file path.

    Examples
    --------
    >>> cat = Catalogue("sqlite:///:memory:")
    >>> cat.labelled_themes().columns.tolist()
    ['theme_id', 'centroid', 'label', 'version', 'encoder', 'exemplars']
    """

    def __init__(self, url: str | Path) -> None:
        self.url = catalogue_url(url)
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self._engine: Engine = create_engine(self.url)
        _Base.metadata.create_all(self._engine)
        self._add_missing_columns()

    @classmethod
    def in_workspace(cls, root: str | Path) -> Catalogue:
        """The default catalogue, ``<root>/labels.db``."""
        return cls(Path(root) / CATALOGUE_FILE)

    def close(self) -> None:
        self._engine.dispose()

    def _add_missing_columns(self) -> None:
        """Bring a catalogue made before :data:`_ADDED_THEME_COLUMNS` up to date (nullable, so old
        rows read as "not recorded"); ``create_all`` creates missing tables, never columns."""
        present = {c["name"] for c in inspect(self._engine).get_columns(ThemeLabel.__tablename__)}
        missing = [(name, kind) for name, kind in _ADDED_THEME_COLUMNS if name not in present]
        if missing:
            with self._engine.begin() as connection:
                for name, kind in missing:
                    table = ThemeLabel.__tablename__
                    connection.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))
            log.info("catalogue %s: added columns %s", self.url, ", ".join(n for n, _ in missing))

    # -- writing ------------------------------------------------------------------------------

    def record_theme_decisions(self, decisions: Sequence[ThemeDecision], info: ImportInfo) -> int:
        """Store ``decisions`` as one new version, in one transaction; return the version number."""
        with Session(self._engine) as session, session.begin():
            version = self._new_version(session, "themes", len(decisions), info)
            session.add_all(
                ThemeLabel(
                    version=version,
                    theme_id=int(d.theme_id),
                    action=d.action,
                    merged_into=d.merged_into,
                    label=d.label,
                    centroid=None if d.centroid is None else _to_bytes(d.centroid),
                    dim=None if d.centroid is None else int(np.asarray(d.centroid).size),
                    size=d.size,
                    keywords=d.keywords,
                    notes=d.notes,
                    encoder=d.encoder,
                    exemplars=json.dumps(list(d.exemplars)) if d.exemplars else None,
                )
                for d in decisions
            )
        log.info("catalogue %s: version %d, %d theme decisions", self.url, version, len(decisions))
        return version

    def record_contact_labels(self, labels: Sequence[ContactLabel], info: ImportInfo) -> int:
        """Store per-contact labels as one new version, in one transaction; return the version."""
        with Session(self._engine) as session, session.begin():
            version = self._new_version(session, "contacts", len(labels), info)
            session.add_all(
                ContactLabelRow(
                    version=version,
                    contact_id=str(c.contact_id),
                    label=c.label,
                    theme_id=c.theme_id,
                    notes=c.notes,
                )
                for c in labels
            )
        log.info("catalogue %s: version %d, %d contact labels", self.url, version, len(labels))
        return version

    @staticmethod
    def _new_version(session: Session, kind: str, n: int, info: ImportInfo) -> int:
        row = LabelVersion(
            who=info.who,
            created_at=datetime.now(UTC),
            kind=kind,
            source=info.source,
            taxonomy_version=info.taxonomy_version,
            n_decisions=n,
        )
        session.add(row)
        session.flush()  # assigns the version number inside the transaction
        return int(row.version)

    # -- reading ------------------------------------------------------------------------------

    def labelled_themes(self) -> pd.DataFrame:
        """Current labelled themes, what discovery needs to keep ids and labels next week.

        Returns
        -------
        DataFrame with columns ``theme_id`` (int), ``centroid`` (float32 ndarray of shape
        ``(dim,)``), ``label`` (taxonomy id), ``version`` (the catalogue version that set it),
        ``encoder`` (fingerprint of the centroid's encoder, None when not recorded) and
        ``exemplars`` (list of redacted texts, empty when not recorded), one row per theme whose
        latest decision carries a label (``accept`` or ``merge_into`` a labelled theme) and a
        centroid. Themes whose latest decision is ``split`` or ``noise`` are left out.
        """
        current = self.theme_decisions()
        current = current[current["label"].notna() & current["centroid"].notna()]
        return current[_THEME_COLUMNS].reset_index(drop=True)

    def theme_decisions(self) -> pd.DataFrame:
        """Latest decision per theme: theme_id, action, label, merged_into, centroid, size,
        keywords, notes, version, who, created_at, encoder, exemplars."""
        with Session(self._engine) as session:
            latest = (
                select(ThemeLabel.theme_id, func.max(ThemeLabel.version).label("version"))
                .group_by(ThemeLabel.theme_id)
                .subquery()
            )
            rows = session.execute(
                select(ThemeLabel, LabelVersion.who, LabelVersion.created_at)
                .join(
                    latest,
                    (ThemeLabel.theme_id == latest.c.theme_id) & (ThemeLabel.version == latest.c.version),
                )
                .join(LabelVersion, LabelVersion.version == ThemeLabel.version)
                .order_by(ThemeLabel.theme_id)
            ).all()
        records = [
            {
                "theme_id": int(t.theme_id),
                "action": t.action,
                "label": t.label,
                "merged_into": t.merged_into,
                "centroid": None if t.centroid is None else _from_bytes(t.centroid),
                "size": t.size,
                "keywords": t.keywords,
                "notes": t.notes,
                "version": int(t.version),
                "who": who,
                "created_at": created_at,
                "encoder": t.encoder,
                "exemplars": json.loads(t.exemplars) if t.exemplars else [],
            }
            for t, who, created_at in rows
        ]
        columns = [
            "theme_id",
            "action",
            "label",
            "merged_into",
            "centroid",
            "size",
            "keywords",
            "notes",
            "version",
            "who",
            "created_at",
            "encoder",
            "exemplars",
        ]
        out = pd.DataFrame.from_records(records, columns=columns)
        for col in ("label", "merged_into", "centroid", "encoder", "exemplars"):  # None stays None, not NaN
            out[col] = pd.Series([r[col] for r in records], index=out.index, dtype=object)
        out["theme_id"] = out["theme_id"].astype("int64")
        out["version"] = out["version"].astype("int64")
        return out

    def contact_labels(self) -> pd.DataFrame:
        """Latest explicit label per contact: contact_id, label, theme_id, notes, version."""
        with Session(self._engine) as session:
            latest = (
                select(ContactLabelRow.contact_id, func.max(ContactLabelRow.version).label("version"))
                .group_by(ContactLabelRow.contact_id)
                .subquery()
            )
            rows = (
                session.execute(
                    select(ContactLabelRow)
                    .join(
                        latest,
                        (ContactLabelRow.contact_id == latest.c.contact_id)
                        & (ContactLabelRow.version == latest.c.version),
                    )
                    .order_by(ContactLabelRow.contact_id)
                )
                .scalars()
                .all()
            )
        return pd.DataFrame.from_records(
            [
                {
                    "contact_id": r.contact_id,
                    "label": r.label,
                    "theme_id": r.theme_id,
                    "notes": r.notes,
                    "version": int(r.version),
                }
                for r in rows
            ],
            columns=["contact_id", "label", "theme_id", "notes", "version"],
        )

    def history(self) -> pd.DataFrame:
        """Every version: version, who, created_at, kind, source, taxonomy_version, n_decisions."""
        with Session(self._engine) as session:
            rows = session.execute(select(LabelVersion).order_by(LabelVersion.version)).scalars().all()
        return pd.DataFrame.from_records(
            [
                {
                    "version": r.version,
                    "who": r.who,
                    "created_at": r.created_at,
                    "kind": r.kind,
                    "source": r.source,
                    "taxonomy_version": r.taxonomy_version,
                    "n_decisions": r.n_decisions,
                }
                for r in rows
            ],
            columns=["version", "who", "created_at", "kind", "source", "taxonomy_version", "n_decisions"],
        )

    def theme_history(self, theme_id: int) -> pd.DataFrame:
        """Every decision ever taken on ``theme_id``, oldest first."""
        with Session(self._engine) as session:
            rows = session.execute(
                select(ThemeLabel, LabelVersion.who, LabelVersion.created_at)
                .join(LabelVersion, LabelVersion.version == ThemeLabel.version)
                .where(ThemeLabel.theme_id == int(theme_id))
                .order_by(ThemeLabel.version)
            ).all()
        return pd.DataFrame.from_records(
            [
                {
                    "version": t.version,
                    "action": t.action,
                    "label": t.label,
                    "merged_into": t.merged_into,
                    "who": who,
                    "created_at": at,
                }
                for t, who, at in rows
            ],
            columns=["version", "action", "label", "merged_into", "who", "created_at"],
        )


def _to_bytes(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(np.asarray(vector, dtype="<f4").ravel()).tobytes()


def _from_bytes(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").copy()
