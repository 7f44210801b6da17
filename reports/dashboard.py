"""The dashboard's data: what ``voc app`` shows, computed on demand from the pipeline's tables.

In: tagged contacts, orders, the taxonomy and optionally a discovery run's themes and assignments
and the analysts' verdicts (:meth:`Dashboard.from_frames`, or :meth:`Dashboard.load` from files).
Out: plain dicts and DataFrames per call, for any range of weeks and any :class:`Filters`:

* :meth:`Dashboard.options`: the weeks and the values of each filter;
* :meth:`Dashboard.range_weeks`: the weeks a selection covers;
* :meth:`Dashboard.overview`: headline numbers of the selection;
* :meth:`Dashboard.pain_points`: one row per pain point, most urgent first, with weekly series and
  significance marks;
* :meth:`Dashboard.weekly`: the tidy week x pain point table;
* :meth:`Dashboard.breakdown`: one pain point by market, channel, category and order stage;
* :meth:`Dashboard.contacts`: one pain point's redacted contacts, newest first, with phrase search.

The numbers are those of the weekly report (:mod:`reports.weekly` on :mod:`reports.facts`, the
same tests and thresholds, see there): for a one-week range without filters, ``pain_points`` has
the report's rows and numbers. Over a range, the pain points are the root causes, the proposed
causes and the themes emerging in at least one week of the range; ``status``, ``significant`` and
``change_pct`` are those of its last week. Rates and changes are fractions (``change_pct`` 0.79 =
+79%); CPO is contacts per 1,000 orders; a missing number is NaN (None in :meth:`overview`).

CPO under a channel, order-stage or family filter is those contacts per all orders of the market
and category selection: orders cannot be split by channel, order stage or cause. Everything is
indexed once when the dashboard is made (weeks, categorical segments, memberships); results are
cached per filters, so a repeated call costs nothing. Only redacted text (``clean_text``) is
returned; nothing is written.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from reports.config import ReportConfig
from reports.facts import SEGMENTS, ContactFacts, Filters, Membership
from reports.languages import review_reasons, unread_markets
from reports.significance import weekly_tests
from reports.weekly import WeeklyStats, weekly_stats
from voc.errors import InputError
from voc.taxonomy import Taxonomy
from voc.weeks import iso_week, last_complete_week, parse_iso_week

__all__ = ["CONTACT_COLUMNS", "Dashboard", "Filters"]

CONTACT_COLUMNS = (
    "contact_id", "created_at", "market", "channel", "category", "order_stage", "root_cause",
    "confidence", "needs_review", "review_reason", "secondary_root_cause", "csat", "nps", "escalated",
    "repeat_contact", "clean_text",
)  # fmt: skip
PAIN_POINT_COLUMNS = (
    "key", "name", "kind", "proposed", "family", "owner", "next_step", "score", "contacts", "share",
    "orders", "cpo", "baseline_cpo", "change_pct", "p_value", "status", "significant", "weeks",
    "weekly_contacts", "weekly_cpo", "weekly_marks", "csat", "csat_n", "csat_drag", "nps", "nps_n",
    "nps_drag", "escalation_rate", "repeat_contact_rate", "review_share",
)  # fmt: skip
CACHE_SIZE = 256
T = TypeVar("T")


class Dashboard:
    """The data API of ``voc app``'s dashboard (see the module docstring for the numbers).

    Make one with :meth:`from_frames` or :meth:`load`; it is read-only and safe to share between
    threads.
    """

    def __init__(self, facts: ContactFacts) -> None:
        self.facts = facts
        contacts = facts.contacts
        self._text = pa.array(contacts["clean_text"], type=pa.large_string())
        self._created = (
            contacts["created_at"].dt.tz_convert(None).to_numpy().astype("datetime64[ns]").astype(np.int64)
        )
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._by_key: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def from_frames(
        cls,
        tagged: pd.DataFrame,
        orders: pd.DataFrame,
        taxonomy: Taxonomy,
        themes: pd.DataFrame | None = None,
        assignments: pd.DataFrame | None = None,
        verdicts: pd.DataFrame | None = None,
        config: ReportConfig | None = None,
    ) -> Dashboard:
        """A dashboard over in-memory tables (the columns :func:`reports.ranking.build_report` takes)."""
        return cls(ContactFacts(tagged, orders, taxonomy, themes, assignments, verdicts, config))

    @classmethod
    def load(
        cls,
        tagged_path: str | Path,
        orders_path: str | Path,
        taxonomy: Taxonomy,
        themes_dir: str | Path | None = None,
        verdicts: pd.DataFrame | None = None,
        config: ReportConfig | None = None,
    ) -> Dashboard:
        """A dashboard over ``voc tag``'s output, an orders file and ``voc discover``'s folder.

        Raises :class:`~voc.errors.InputError` naming the file for a missing or bad input.
        """
        from voc.contracts.orders import read_orders
        from voc.contracts.tagged import read_tagged
        from voc.contracts.themes import read_assignments, read_themes

        themes = assignments = None
        if themes_dir is not None:
            themes, assignments = read_themes(themes_dir), read_assignments(themes_dir)
        return cls.from_frames(
            read_tagged(tagged_path),
            read_orders(orders_path),
            taxonomy,
            themes,
            assignments,
            verdicts,
            config,
        )

    # -- the API ---------------------------------------------------------------------------------

    def options(self) -> dict[str, list[str]]:
        """Choices for the filters: ``weeks`` (ISO weeks with data, oldest first), ``market``,
        ``channel``, ``category``, ``order_stage`` and ``family`` (sorted values)."""
        facts = self.facts
        weeks = [iso_week(w) for w in facts.weeks[facts.first_data_week :]]
        return {"weeks": weeks, **{dim: facts.values(dim) for dim in (*SEGMENTS, "family")}}

    def overview(self, f: Filters) -> dict[str, float | int | None]:
        """Headline numbers of the selection over its weeks: ``contacts``, ``orders``, ``cpo``,
        ``csat`` and ``csat_n``, ``nps`` and ``nps_n`` (None under ``min_responses`` answers),
        ``escalation_rate``, ``repeat_contact_rate``, ``review_share``, ``weeks`` (how many) and
        ``pain_points`` (with contacts in the range)."""
        return self._cached(("overview", f), lambda: self._overview(f))

    def pain_points(self, f: Filters) -> pd.DataFrame:
        """One row per pain point with contacts in the range (or in its last week's baseline), most
        urgent first (score, then contacts): :data:`PAIN_POINT_COLUMNS`. ``weeks``,
        ``weekly_contacts``, ``weekly_cpo`` and ``weekly_marks`` (``''``, ``'up'``, ``'down'``: the
        report's significance test of each week) are lists over the range."""
        return self._cached(("pain_points", f), lambda: self._pain_points(f)).copy()

    def weekly(self, f: Filters) -> pd.DataFrame:
        """Tidy table, one row per week of the range x pain point: ``week``, ``week_start``, ``key``,
        ``name``, ``kind``, ``family``, ``owner``, ``contacts``, ``orders``, ``cpo``,
        ``baseline_cpo``, ``expected``, ``change_pct``, ``p_value``, ``mark``, ``csat``, ``csat_n``,
        ``nps``, ``nps_n``, ``escalation_rate``, ``repeat_contact_rate``, ``review_share``."""

        def compute() -> pd.DataFrame:
            stats, first, last = self._stats(f)
            return stats.weekly(first, last, self._pain_points(f)["key"])

        return self._cached(("weekly", f), compute).copy()

    def reading(self, f: Filters) -> dict[str, pd.DataFrame]:
        """Why the selection's contacts need review (``reasons``) and the markets whose contacts
        were not understood (``unread``): :func:`reports.languages.review_reasons` and
        :func:`~reports.languages.unread_markets` over the range and segment filters."""

        def compute() -> dict[str, pd.DataFrame]:
            first, last = self._range(f)
            week = self.facts.contacts["week"].to_numpy()
            keep = (week >= first) & (week <= last)
            mask = self.facts.contact_mask(f)
            contacts = self.facts.contacts[keep if mask is None else keep & mask]
            return {"reasons": review_reasons(contacts), "unread": unread_markets(contacts)}

        return self._cached(("reading", f), compute)

    def range_weeks(self, f: Filters) -> list[str]:
        """The ISO weeks of ``f``'s range, clipped to the weeks with data, oldest first (as
        ``pain_points`` counts them). Raises :class:`~voc.errors.InputError` for a bad week."""
        first, last = self._range(f)
        return [iso_week(w) for w in self.facts.weeks[first : last + 1]]

    def breakdown(self, key: str, f: Filters) -> dict[str, pd.DataFrame]:
        """Pain point ``key`` by ``market``, ``channel``, ``category`` and ``order_stage``.

        Each frame has one row per segment value with contacts in the range, most contacts first:
        ``segment``, ``contacts``, ``share`` (of the pain point's contacts), ``orders`` and ``cpo``
        (NaN for channel and order stage: orders cannot be split that way), ``change_pct`` (the
        segment's last week against its baseline) and ``mark`` (its significance, at ``alpha``
        split over the segment values). The ``family`` filter does not apply (the key chooses).
        Raises ``KeyError`` for an unknown key.
        """
        self._key(key)
        result = self._cached(("breakdown", key, f), lambda: self._breakdown(key, f))
        return {dim: frame.copy() for dim, frame in result.items()}

    def contacts(
        self, key: str, f: Filters, query: str | None = None, offset: int = 0, limit: int = 50
    ) -> tuple[pd.DataFrame, int]:
        """A page of pain point ``key``'s contacts in the selection, newest first, and their total.

        ``query`` keeps contacts whose redacted text holds the whole phrase, case-insensitive,
        starting at a word (``"gift card"`` finds "Gift  cards", not "gift voucher for my card").
        Columns: :data:`CONTACT_COLUMNS`. Raises ``KeyError`` for an unknown key, ``ValueError``
        for a negative offset or a limit below 1.
        """
        if offset < 0 or limit < 1:
            raise ValueError(f"offset must be >= 0 and limit >= 1, got {offset} and {limit}")
        self._key(key)
        phrase = " ".join((query or "").split()).lower()
        found = self._cached(("contacts", key, f, phrase), lambda: self._contact_rows(key, f, phrase))
        page = found[offset : offset + limit]
        return self._contact_frame(page), len(found)

    def clear_cache(self) -> None:
        """Forget every computed result (benchmarks time cold calls with it)."""
        with self._lock:
            self._cache.clear()
            self._by_key.clear()
            self.facts.clear_cache()

    # -- computations ----------------------------------------------------------------------------

    def _overview(self, f: Filters) -> dict[str, float | int | None]:
        stats, first, last = self._stats(f)
        weeks = slice(first, last + 1)
        o = {name: float(values[weeks].sum()) for name, values in stats.overall.items()}
        orders = float(stats.orders[weeks].sum())
        n_min = self.facts.config.min_responses

        def ratio(num: float, den: float, least: float = 1) -> float | None:
            return num / den if den >= least and den > 0 else None

        nps = ratio(o["promoters"] - o["detractors"], o["nps_n"], n_min)
        return {
            "contacts": int(o["contacts"]),
            "orders": int(orders),
            "cpo": ratio(1000 * o["contacts"], orders),
            "csat": ratio(o["csat_sum"], o["csat_n"], n_min),
            "csat_n": int(o["csat_n"]),
            "nps": None if nps is None else 100 * nps,
            "nps_n": int(o["nps_n"]),
            "escalation_rate": ratio(o["escalated"], o["contacts"]),
            "repeat_contact_rate": ratio(o["repeat"], o["repeat_n"]),
            "review_share": ratio(o["review"], o["contacts"]),
            "weeks": last - first + 1,
            "pain_points": len(self._pain_points(f)),
        }

    def _pain_points(self, f: Filters) -> pd.DataFrame:
        def compute() -> pd.DataFrame:
            stats, first, last = self._stats(f)
            table = stats.summary(first, last)
            if table.empty:
                return pd.DataFrame(columns=list(PAIN_POINT_COLUMNS))
            rows = pd.Index(self.facts.keys["key"]).get_indexer(table["key"])
            span = slice(first, last + 1)
            counts, orders = stats.sums["contacts"][rows, span], stats.orders[span]
            with np.errstate(divide="ignore", invalid="ignore"):
                cpo = np.where(orders > 0, 1000 * counts / np.where(orders > 0, orders, 1), np.nan)
            marks = np.where(stats.up[rows, span], "up", np.where(stats.down[rows, span], "down", ""))
            table["weeks"] = [[iso_week(w) for w in self.facts.weeks[span]]] * len(table)
            table["weekly_contacts"] = [[int(c) for c in row] for row in counts]
            table["weekly_cpo"] = [[float(c) for c in row] for row in cpo]
            table["weekly_marks"] = [list(row) for row in marks]
            table = table.sort_values(["score", "contacts"], ascending=False, kind="stable")
            return table[list(PAIN_POINT_COLUMNS)].reset_index(drop=True)

        return self._cached(("_pain_points", f), compute)

    def _breakdown(self, key: str, f: Filters) -> dict[str, pd.DataFrame]:
        facts, config = self.facts, self.facts.config
        first, last = self._range(f)
        contacts = self._key_contacts(key, f)
        n_weeks = len(facts.weeks)
        week = facts.contacts["week"].to_numpy()[contacts]
        span = slice(first, last + 1)
        total = int(((week >= first) & (week <= last)).sum())
        out = {}
        for dim in SEGMENTS:
            values = facts.values(dim)
            code = facts.contacts[dim].cat.codes.to_numpy()[contacts]
            counts = np.bincount(code * n_weeks + week, minlength=len(values) * n_weeks)
            counts = counts.reshape(len(values), n_weeks).astype(float)
            orders = facts.segment_orders(dim, f)
            alpha = config.alpha / max(len(values), 1)
            args = (config.baseline_weeks, alpha, config.min_count, config.sustained_weeks)
            if orders is None:
                tests = [weekly_tests(counts, facts.order_series(f), *args)] * len(values)
            else:
                tests = [weekly_tests(counts[i : i + 1], orders[i], *args) for i in range(len(values))]
            rows = []
            for i, value in enumerate(values):
                n = int(counts[i, span].sum())
                if n == 0:
                    continue
                t = tests[i]
                r = i if orders is None else 0
                o = float(orders[i, span].sum()) if orders is not None else np.nan
                up = bool(t.rising[r, last])
                down = bool(t.down[r, last]) and not up
                rows.append(
                    {
                        "segment": value,
                        "contacts": n,
                        "share": n / max(total, 1),
                        "orders": o,
                        "cpo": 1000 * n / o if o > 0 else np.nan,
                        "change_pct": t.change_pct[r, last] / 100,
                        "mark": "up" if up else "down" if down else "",
                    }
                )
            columns = ["segment", "contacts", "share", "orders", "cpo", "change_pct", "mark"]
            frame = pd.DataFrame(rows, columns=columns)
            out[dim] = frame.sort_values(["contacts", "segment"], ascending=[False, True]).reset_index(
                drop=True
            )
        return out

    def _contact_rows(self, key: str, f: Filters, phrase: str) -> np.ndarray:
        first, last = self._range(f)
        contacts = self._key_contacts(key, f)
        week = self.facts.contacts["week"].to_numpy()[contacts]
        contacts = contacts[(week >= first) & (week <= last)]
        contacts = contacts[np.argsort(-self._created[contacts], kind="stable")]
        if phrase and len(contacts):
            words = [re.escape(w) for w in phrase.split()]
            start = r"(?:^|\W)" if re.match(r"\w", phrase) else ""
            hit = pc.match_substring_regex(
                self._text.take(contacts), start + r"\s+".join(words), ignore_case=True
            )
            contacts = contacts[np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)]
        return contacts

    def _contact_frame(self, rows: np.ndarray) -> pd.DataFrame:
        c = self.facts.contacts.iloc[rows]
        out = pd.DataFrame(
            {
                "contact_id": c["contact_id"].to_numpy(),
                "created_at": c["created_at"].to_numpy(),
                **{dim: c[dim].astype(str).to_numpy() for dim in SEGMENTS},
                "root_cause": c["root_cause"].to_numpy(),
                "confidence": c["confidence"].to_numpy(),
                "needs_review": c["needs_review"].to_numpy(),
                "review_reason": c["review_reason"].astype(str).to_numpy(),
                "secondary_root_cause": c["secondary_root_cause"].to_numpy(),
                "csat": c["csat"].astype("Int64").to_numpy(),
                "nps": c["nps"].astype("Int64").to_numpy(),
                "escalated": c["escalated"].to_numpy(),
                "repeat_contact": c["repeat"].map({1.0: True, 0.0: False}).astype("boolean").to_numpy(),
                "clean_text": c["clean_text"].to_numpy(),
            }
        )
        out["created_at"] = pd.to_datetime(out["created_at"], utc=True)
        return out[list(CONTACT_COLUMNS)]

    # -- plumbing --------------------------------------------------------------------------------

    def _range(self, f: Filters) -> tuple[int, int]:
        """Week indices of ``f``'s range, clipped to the weeks with data."""
        facts = self.facts
        first, end = facts.first_data_week, len(facts.weeks) - 1
        if f.last_week is None:
            monday = last_complete_week(facts.contacts["created_at"])
            last = facts.week_index(monday)
            last = end if last is None or last < first else last
        else:
            last = min(max(self._week(f.last_week, "last_week"), first), end)
        lo = first if f.first_week is None else min(max(self._week(f.first_week, "first_week"), first), end)
        if lo > last:
            raise InputError(f"first_week {f.first_week} is after last_week {iso_week(facts.weeks[last])}")
        return lo, last

    def _week(self, week: str, name: str) -> int:
        try:
            monday = pd.Timestamp(parse_iso_week(week))
        except ValueError as exc:
            raise InputError(f"{name} {exc}") from exc
        return int((monday - self.facts.weeks[0]).days // 7)

    def _membership(self, f: Filters) -> Membership:
        first, last = self._range(f)
        return self.facts.membership(self.facts.pain_points(first, last))

    def _stats(self, f: Filters) -> tuple[WeeklyStats, int, int]:
        first, last = self._range(f)
        membership = self._membership(f)
        selection = Filters(**{**f.segments, "family": f.family})
        key = ("_stats", np.packbits(membership.pain_points).tobytes(), selection)
        stats = self._cached(key, lambda: weekly_stats(self.facts, membership, selection))
        return stats, first, last

    def _key(self, key: str) -> int:
        found = pd.Index(self.facts.keys["key"]).get_indexer([key])[0]
        if found < 0:
            raise KeyError(f"unknown pain point {key!r}")
        return int(found)

    def _key_contacts(self, key: str, f: Filters) -> np.ndarray:
        """Contacts counting for ``key`` in the selection's segments (every week)."""
        membership = self._membership(f)
        cache_key = np.packbits(membership.pain_points).tobytes()
        if cache_key not in self._by_key:
            if len(self._by_key) > 32:
                self._by_key.clear()
            order = np.argsort(membership.key, kind="stable")
            bounds = np.searchsorted(membership.key[order], np.arange(self.facts.n_keys + 1))
            self._by_key[cache_key] = (order, bounds)
        order, bounds = self._by_key[cache_key]
        k = self._key(key)
        contacts = membership.contact[order[bounds[k] : bounds[k + 1]]]
        mask = self.facts.contact_mask(Filters(**f.segments))
        return contacts if mask is None else contacts[mask[contacts]]

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value
