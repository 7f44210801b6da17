"""What the app reads: the pipeline's files, loaded once and reloaded when they change on disk.

:class:`AppConfig` names the inputs (a discovery folder, the tagged contacts, the orders, the label
catalogue, the taxonomy); :class:`AppState` loads each lazily and keeps it until the file's
modification time changes, so a new ``voc discover`` or ``voc tag`` run shows on the next page load
without restarting the app. The app only ever reads redacted text: a discovery run's
``members.parquet`` and the tagged contacts' ``clean_text``; the raw contacts are never opened.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from training.labelling.catalogue import Catalogue
from training.labelling.proposals import Proposals
from voc.contracts.orders import read_orders
from voc.contracts.tagged import read_tagged
from voc.contracts.themes import read_assignments, read_members, read_suggestions, read_themes
from voc.errors import InputError
from voc.taxonomy import Taxonomy, load_taxonomy
from voc.workspace import Workspace

if TYPE_CHECKING:
    from reports.dashboard import Dashboard
    from reports.operations_report import OperationsView

T = TypeVar("T")


@dataclass(frozen=True)
class AppConfig:
    """Where the app finds what the pipeline wrote, and who is labelling.

    Parameters
    ----------
    workspace : Workspace
        Holds the default catalogue (``labels.db``) and the workspace's taxonomy versions.
    themes : Path, optional
        A folder written by ``voc discover --out`` (review pages).
    tagged : Path, optional
        ``voc tag``'s output (dashboard).
    orders : Path, optional
        Orders per day, market and category (dashboard CPO).
    events : Path, optional
        Order events (the events contract): the dashboard's operations panel and each pain point's
        operational link.
    catalogue : str, optional
        Label catalogue URL or SQLite file (default ``<workspace>/labels.db``).
    taxonomy : Path, optional
        A taxonomy file; default the workspace's current version (bundled plus accepted proposals).
    who : str
        Recorded as the author of saves when the browser has not told its user's name.
    token : str, optional
        When set, every request must carry it (once as ``?token=``, then as a cookie).
    """

    workspace: Workspace
    themes: Path | None = None
    tagged: Path | None = None
    orders: Path | None = None
    events: Path | None = None
    catalogue: str | None = None
    taxonomy: Path | None = None
    who: str = "unknown"
    token: str | None = None

    @property
    def catalogue_url(self) -> str:
        return self.catalogue or str(self.workspace.root / "labels.db")


@dataclass
class _Entry:
    stamp: tuple[Any, ...]
    value: Any


@dataclass
class AppState:
    """Lazily loaded, change-aware views of the app's inputs (thread-safe)."""

    config: AppConfig
    _cache: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _taxonomy_file: Path | None = None

    # -- loading ------------------------------------------------------------------------------

    def _cached(self, key: str, files: list[Path], load: Callable[[], T]) -> T:
        stamp = tuple((str(f), f.stat().st_mtime_ns if f.exists() else None) for f in files)
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and entry.stamp == stamp:
                return entry.value
        value = load()
        with self._lock:
            self._cache[key] = _Entry(stamp, value)
        return value

    def use_taxonomy(self, path: Path) -> None:
        """Switch to ``path`` (a version just written by an accepted proposal)."""
        self._taxonomy_file = path

    def taxonomy(self) -> Taxonomy:
        path = self._taxonomy_file or self.config.taxonomy or self.config.workspace.taxonomy_file
        return self._cached("taxonomy", [path], lambda: load_taxonomy(path))

    def catalogue(self) -> Catalogue:
        return self._cached("catalogue", [], lambda: Catalogue(self.config.catalogue_url))

    def proposals(self) -> Proposals:
        return self._cached("proposals", [], lambda: Proposals(self.config.catalogue_url))

    def themes_folder(self) -> Path:
        if self.config.themes is None:
            raise InputError(
                "no discovery folder: start the app with --themes DIR (`voc discover --out DIR`)"
            )
        return self.config.themes

    def themes(self) -> pd.DataFrame:
        folder = self.themes_folder()
        return self._cached("themes", [folder / "themes.parquet"], lambda: read_themes(folder))

    def assignments(self) -> pd.DataFrame:
        folder = self.themes_folder()
        return self._cached("assignments", [folder / "assignments.parquet"], lambda: read_assignments(folder))

    def members(self) -> pd.DataFrame:
        """Assigned contacts with their theme and redacted text, indexed by nothing in particular."""
        folder = self.themes_folder()

        def load() -> pd.DataFrame:
            members = read_members(folder)
            merged = self.assignments().merge(members, on="contact_id", how="left")
            merged["clean_text"] = merged["clean_text"].fillna("").astype(str)
            merged["_lower"] = merged["clean_text"].str.lower()
            return merged

        return self._cached("members", [folder / "assignments.parquet", folder / "members.parquet"], load)

    def suggestions(self) -> pd.DataFrame:
        folder = self.themes_folder()
        return self._cached("suggestions", [folder / "suggestions.parquet"], lambda: read_suggestions(folder))

    def dashboard(self) -> Dashboard:
        tagged, orders = self.config.tagged, self.config.orders
        if tagged is None or orders is None:
            raise InputError(
                "the dashboard needs tagged contacts and orders: start the app with --tagged FILE "
                "(`voc tag --out`) and --orders FILE"
            )
        files = [tagged, orders]
        if self.config.themes is not None:
            files += [self.config.themes / "themes.parquet", self.config.themes / "assignments.parquet"]

        def load() -> Dashboard:
            from reports.dashboard import Dashboard  # pandas-heavy; only the dashboard pages need it

            themes = assignments = None
            if self.config.themes is not None and (self.config.themes / "themes.parquet").is_file():
                themes, assignments = self.themes(), self.assignments()
            return Dashboard.from_frames(
                read_tagged(tagged),
                read_orders(orders),
                self.taxonomy(),
                themes=themes,
                assignments=assignments,
                verdicts=self.verdicts(),
            )

        # Verdicts change with every save: the catalogue's latest version is part of the key.
        return self._cached(f"dashboard:{self.catalogue_version()}", files, load)

    # -- order events ----------------------------------------------------------------------------

    def _operations_files(self) -> list[Path]:
        files = [self.config.events, self.config.tagged, self.config.orders]
        return [f for f in files if f is not None]

    def operations(self) -> OperationsView | None:
        """KPIs by market of the order events and the links of the tagged contacts to them (None
        without an events file); read once per change of the events, tagged or orders file."""
        events = self.config.events
        if events is None:
            return None
        tagged, orders = self.config.tagged, self.config.orders

        def load() -> OperationsView:
            from reports.operations_report import linkable, operations_view

            contacts = read_tagged(tagged) if tagged is not None else None
            keyed = contacts is not None and linkable(contacts) == "order_key"
            return operations_view(
                events,
                read_orders(orders) if orders is not None else None,
                contacts,
                self.taxonomy(),
                order_key_secret=self.config.workspace.order_key_secret() if keyed else None,
            )

        return self._cached("operations", self._operations_files(), load)

    def operations_links(self, weeks: tuple[str, ...], market: str | None) -> pd.DataFrame:
        """The links of the contacts of ``weeks`` (in ``market`` when given) to their orders' events,
        from the view of :meth:`operations` (empty without events or order keys); cached likewise."""
        view = self.operations()
        if view is None or not view.linked:
            from reports.operations_links import LINK_COLUMNS

            return pd.DataFrame(columns=list(LINK_COLUMNS))

        def load() -> pd.DataFrame:
            from reports.operations_report import week_links

            return week_links(view, self.taxonomy(), weeks, market).links

        return self._cached(f"operations_links:{weeks}:{market}", self._operations_files(), load)

    # -- the analysts' verdicts ------------------------------------------------------------------

    def catalogue_version(self) -> int:
        history = self.catalogue().history()
        return int(history["version"].max()) if len(history) else 0

    def verdicts(self) -> pd.DataFrame:
        """Latest decision per theme, with the name of a pending taxonomy proposal where there is one:
        ``theme_id, action, label, proposed``."""
        decisions = self.catalogue().theme_decisions()[["theme_id", "action", "label"]].copy()
        pending = self.proposals().table(status="pending")
        proposed = pending.dropna(subset=["theme_id"]).drop_duplicates("theme_id")
        names = dict(zip(proposed["theme_id"].astype(int), proposed["name"], strict=True))
        extra = [t for t in names if t not in set(decisions["theme_id"])]
        if extra:
            decisions = pd.concat(
                [decisions, pd.DataFrame({"theme_id": extra, "action": None, "label": None})],
                ignore_index=True,
            )
        decisions["proposed"] = decisions["theme_id"].map(names)
        return decisions
