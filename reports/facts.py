"""The contacts, their pain points and the orders, indexed once for fast weekly sums.

What the weekly report (:mod:`reports.ranking`) and the dashboard (:mod:`reports.dashboard`) share,
so that they never disagree about a week. In: tagged contacts (``contact_id``, ``root_cause``,
``created_at``, ``clean_text``; optional ``family``, ``confidence``, ``needs_review``, ``channel``,
``market``, ``category``, ``order_stage``, ``csat``, ``nps``, ``escalated``, ``order_key``), orders
(``date``, ``market``, ``category``, ``orders``), the taxonomy, and optionally a discovery run's
themes and assignments and the analysts' verdicts on themes. Out: :class:`ContactFacts`:

* ``contacts``: one row per contact with its week index, segments (a missing value is
  ``"unknown"``), scores, flags and ``repeat`` (1 when an earlier contact about the same order,
  any reason, came at most ``repeat_days`` before; NaN without an ``order_key``);
* ``keys``: the possible pain points, every root cause and every theme that analysts have not
  labelled or dismissed, with name, kind, family, owner and next step;
* ``orders``: orders per market, category and week; a week without a single contact is missing
  data (before the export began), so its orders are left out;
* ``emerging``: which themes are emerging pain points in which week (on all contacts).

Verdicts (``verdicts``: ``theme_id``, ``action``, ``label``, optional ``proposed``)
---------------------------------------------------------------------------------------
An analyst's decision on a theme wins over the ``label`` column of the themes table:

* ``noise``: the theme is no pain point; its contacts count for the causes the model gave them;
* a ``label`` (``accept``, ``merge_into``): the theme is that root cause, and its contacts that the
  model was unsure about (``needs_review``) count for that cause instead of the model's guess;
* a ``proposed`` name (a new cause outside the taxonomy): the theme is a pain point in every week
  under that name, as a root cause is;
* no label (``split``, no decision): the theme is a pain point in the weeks it is emerging.

Emerging themes and memberships
-------------------------------
An unlabelled theme is emerging in a week when it has at least ``min_count`` contacts that week
and either at least ``review_share`` of them need review, or it is new (``is_new``, or a rise from
nothing) or rising significantly (overall or in one market) while no single root cause holds
``explained_share`` of them. A contact counts for the root cause the model gave it; a contact of a
theme that is a pain point counts for the theme too, and for the theme only when the model was
unsure about it (counting it twice would also make the guessed cause look like it grows).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reports.config import ReportConfig
from reports.significance import market_tests, weekly_tests
from voc.errors import InputError
from voc.taxonomy import Taxonomy
from voc.weeks import week_start as week_start_of

SEGMENTS = ("market", "channel", "category", "order_stage")
UNKNOWN = "unknown"
UNASSIGNED_OWNER = "Unassigned (triage)"
THEME_NEXT_STEP = "Review the theme in the app: label it, propose a new cause or mark it noise."
PROPOSED_NEXT_STEP = "Agree an owner for the proposed cause and add it to the taxonomy."


@dataclass(frozen=True)
class Filters:
    """A selection of weeks, segments and families (the dashboard's filters).

    ``first_week``/``last_week`` are ISO weeks (``"2026-W36"``), inclusive; ``None`` means the
    earliest week with data and the last complete week. ``market``, ``channel``, ``category`` and
    ``order_stage`` select contacts; ``family`` selects pain points (a root cause's family, a
    theme's most common family).
    """

    first_week: str | None = None
    last_week: str | None = None
    market: str | None = None
    channel: str | None = None
    category: str | None = None
    order_stage: str | None = None
    family: str | None = None

    @property
    def segments(self) -> dict[str, str]:
        """The contact filters that are set: dimension -> value."""
        return {d: v for d in SEGMENTS if (v := getattr(self, d)) is not None}


@dataclass(frozen=True)
class Membership:
    """One row per (contact, pain point) it counts for; ``pain_points`` marks the keys in play."""

    contact: np.ndarray
    key: np.ndarray
    weight: np.ndarray
    pain_points: np.ndarray


class ContactFacts:
    """Contacts, pain points and orders of a workspace, indexed for weekly sums (see the module).

    Raises :class:`~voc.errors.InputError` when ``tagged`` holds no contact, ``KeyError`` when it
    lacks ``contact_id``, ``root_cause`` or ``created_at``.
    """

    def __init__(
        self,
        tagged: pd.DataFrame,
        orders: pd.DataFrame,
        taxonomy: Taxonomy,
        themes: pd.DataFrame | None = None,
        assignments: pd.DataFrame | None = None,
        verdicts: pd.DataFrame | None = None,
        config: ReportConfig | None = None,
    ) -> None:
        self.config = config = config or ReportConfig()
        self.taxonomy = taxonomy
        if tagged.empty:
            raise InputError("tagged contacts: the file holds no contact")
        contacts = _contacts(tagged, taxonomy)
        first = contacts["week_start"].min() - pd.Timedelta(weeks=config.history_weeks - 1)
        self.weeks = pd.date_range(first, contacts["week_start"].max(), freq="7D")
        n_weeks = len(self.weeks)
        contacts["week"] = ((contacts["week_start"] - first).dt.days // 7).astype(np.int64)
        self.has_data = np.bincount(contacts["week"], minlength=n_weeks) > 0
        self.first_data_week = int(np.argmax(self.has_data))
        contacts["repeat"] = _repeats(contacts, config.repeat_days)
        self._week = contacts["week"].to_numpy()
        self._fields = _contact_fields(contacts)

        states = _theme_states(themes, verdicts)
        theme_of, weight_of = _theme_members(contacts, assignments, states)
        # The unsure contacts of a labelled theme count for its label (the analyst's verdict).
        labelled = states.loc[states["state"] == "labelled", "label"]
        label = theme_of.map(labelled)
        relabel = (label.notna() & contacts["needs_review"]).to_numpy()
        cause = contacts["root_cause"].astype(object).to_numpy().copy()
        cause[relabel] = label.to_numpy()[relabel]
        family = contacts["family"].astype(object).to_numpy().copy()
        family[relabel] = _per_value(cause[relabel], taxonomy.family_of)
        contacts["family"] = pd.Categorical(family)
        cause_codes, causes = pd.factorize(cause)
        self.keys = _keys(taxonomy, pd.Index(causes), cause_codes, contacts["family"], states, theme_of)
        key_index = pd.Index(self.keys["key"])
        self.cause_code = key_index.get_indexer(causes)[cause_codes].astype(np.int64)
        theme_keys = self.keys["theme_id"].dropna().astype(int)
        self.theme_code = np.full(len(contacts), -1, dtype=np.int64)
        member = theme_of.notna().to_numpy()
        found = pd.Index(theme_keys.to_numpy()).get_indexer(pd.Index(theme_of.to_numpy()[member].astype(int)))
        rows = np.r_[theme_keys.index.to_numpy(), -1]  # found == -1 (labelled or noise) takes the -1
        self.theme_code[member] = rows[found]
        self.theme_weight = weight_of.fillna(1.0).to_numpy(dtype=float)

        for dim in SEGMENTS:
            column = contacts[dim].cat
            extra = set(orders[dim].astype(str).str.strip()) if dim in ("market", "category") else set()
            contacts[dim] = column.set_categories(sorted(set(column.categories) | extra))
        self.contacts = contacts
        self.orders = self._orders(orders)
        self.emerging = self._emerging(contacts["root_cause"].cat.codes.to_numpy())
        self._memberships: dict[bytes, Membership] = {}

    # -- selections ------------------------------------------------------------------------------

    @property
    def n_keys(self) -> int:
        return len(self.keys)

    def values(self, dim: str) -> list[str]:
        """The values of a segment dimension or of ``family`` that contacts or orders hold."""
        if dim == "family":
            return sorted(set(self.keys["family"].dropna()))
        return [str(v) for v in self.contacts[dim].cat.categories]

    def contact_mask(self, filters: Filters) -> np.ndarray | None:
        """Contacts in the segments that ``filters`` selects (None: all); an unknown value selects none."""
        mask = None
        for dim, value in filters.segments.items():
            column = self.contacts[dim]
            code = column.cat.categories.get_indexer(pd.Index([value]))[0]
            hit = column.cat.codes.to_numpy() == code if code >= 0 else np.zeros(len(column), bool)
            mask = hit if mask is None else mask & hit
        return mask

    def key_mask(self, filters: Filters) -> np.ndarray | None:
        """Pain points of the family that ``filters`` selects (None: all)."""
        if filters.family is None:
            return None
        return (self.keys["family"] == filters.family).to_numpy()

    def order_series(self, filters: Filters) -> np.ndarray:
        """Orders per week, shape (n_weeks,), of the market and category that ``filters`` selects.

        Orders cannot be split by channel, order stage or family: those filters keep all orders of
        the market/category selection, so CPO is then those contacts per all its orders.
        """
        orders = self.orders
        for axis, dim in enumerate(("market", "category")):
            value = getattr(filters, dim)
            if value is not None:
                code = self.contacts[dim].cat.categories.get_indexer(pd.Index([value]))[0]
                if code < 0:
                    return np.zeros(len(self.weeks))
                orders = np.take(orders, [code], axis=axis)
        return orders.sum(axis=(0, 1))

    def segment_orders(self, dim: str, filters: Filters) -> np.ndarray | None:
        """Orders per value of ``dim`` and week, shape (n_values, n_weeks), under the other filters.

        None for a dimension orders cannot be split by (channel, order stage).
        """
        if dim not in ("market", "category"):
            return None
        other = "category" if dim == "market" else "market"
        orders = self.orders
        value = getattr(filters, other)
        other_axis = 1 if dim == "market" else 0
        if value is not None:
            code = self.contacts[other].cat.categories.get_indexer(pd.Index([value]))[0]
            if code < 0:
                return np.zeros((len(self.values(dim)), len(self.weeks)))
            orders = np.take(orders, [code], axis=other_axis)
        return orders.sum(axis=other_axis)

    def membership(self, pain_points: np.ndarray) -> Membership:
        """Who counts for what when the themes marked in ``pain_points`` (bool, n_keys) are pain points."""
        cache_key = np.packbits(pain_points).tobytes()
        if cache_key in self._memberships:
            return self._memberships[cache_key]
        theme = self.theme_code
        in_theme = theme >= 0
        in_theme[in_theme] = pain_points[theme[in_theme]]
        moved = in_theme & self.contacts["needs_review"].to_numpy()
        causes = np.flatnonzero(~moved)
        members = np.flatnonzero(in_theme)
        confidence = self.contacts["confidence"].to_numpy(dtype=float)
        result = Membership(
            contact=np.concatenate([causes, members]),
            key=np.concatenate([self.cause_code[causes], theme[members]]),
            weight=np.concatenate([confidence[causes], self.theme_weight[members]]),
            pain_points=pain_points,
        )
        if len(self._memberships) > 32:
            self._memberships.clear()
        self._memberships[cache_key] = result
        return result

    def clear_cache(self) -> None:
        """Forget the memberships computed so far."""
        self._memberships.clear()

    def pain_points(self, first: int, last: int) -> np.ndarray:
        """Pain points of weeks ``first..last`` (indices): every root cause and proposed theme, and
        the themes emerging in at least one of those weeks. Bool, shape (n_keys,)."""
        fixed = (self.keys["kind"] == "root_cause") | self.keys["proposed"]
        return fixed.to_numpy() | self.emerging[:, first : last + 1].any(axis=1)

    def week_index(self, monday: pd.Timestamp) -> int | None:
        """Index of the week starting ``monday`` in :attr:`weeks`, or None outside them."""
        if monday < self.weeks[0] or monday > self.weeks[-1]:
            return None
        return int((monday - self.weeks[0]).days // 7)

    # -- sums ----------------------------------------------------------------------------------

    def key_sums(
        self, membership: Membership, contacts: np.ndarray | None, keys: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """Per pain point and week sums, arrays of shape (n_keys, n_weeks) (see :func:`_sum_fields`)."""
        rows = self._rows(membership, contacts, keys)
        flat = membership.key[rows] * len(self.weeks) + self._week[membership.contact[rows]]
        shape = (self.n_keys, len(self.weeks))
        return _sum_fields(self._fields, membership.contact[rows], flat, shape)

    def overall_sums(
        self, membership: Membership, contacts: np.ndarray | None, keys: np.ndarray | None
    ) -> dict[str, np.ndarray]:
        """The same sums over the distinct contacts of the selection, arrays of shape (n_weeks,)."""
        if keys is None:
            selected = np.flatnonzero(contacts) if contacts is not None else np.arange(len(self.contacts))
        else:
            selected = np.unique(membership.contact[self._rows(membership, contacts, keys)])
        sums = _sum_fields(self._fields, selected, self._week[selected], (1, len(self.weeks)))
        return {name: values[0] for name, values in sums.items()}

    def market_counts(self, membership: Membership, keys: np.ndarray | None) -> np.ndarray:
        """Contacts per pain point, market and week, shape (n_keys, n_markets, n_weeks)."""
        rows = self._rows(membership, None, keys)
        contact = membership.contact[rows]
        n_markets, n_weeks = self.orders.shape[0], len(self.weeks)
        market = self.contacts["market"].cat.codes.to_numpy()[contact]
        flat = (membership.key[rows] * n_markets + market) * n_weeks + self._week[contact]
        counts = np.bincount(flat, minlength=self.n_keys * n_markets * n_weeks)
        return counts.reshape(self.n_keys, n_markets, n_weeks).astype(float)

    def _rows(self, membership: Membership, contacts: np.ndarray | None, keys: np.ndarray | None) -> Any:
        rows = np.ones(len(membership.contact), dtype=bool)
        if contacts is not None:
            rows &= contacts[membership.contact]
        if keys is not None:
            rows &= keys[membership.key]
        return rows

    # -- building --------------------------------------------------------------------------------

    def _orders(self, orders: pd.DataFrame) -> np.ndarray:
        """Orders of shape (n_markets, n_categories, n_weeks); none in weeks without data."""
        weeks = week_start_of(pd.to_datetime(orders["date"]))
        week = ((weeks - self.weeks[0]).dt.days // 7).to_numpy()
        market = self.contacts["market"].cat.categories.get_indexer(
            pd.Index(orders["market"].astype(str).str.strip())
        )
        category = self.contacts["category"].cat.categories.get_indexer(
            pd.Index(orders["category"].astype(str).str.strip())
        )
        keep = (week >= 0) & (week < len(self.weeks))
        shape = (len(self.values("market")), len(self.values("category")), len(self.weeks))
        out = np.zeros(shape)
        count = orders["orders"].to_numpy(dtype=float)
        np.add.at(out, (market[keep], category[keep], week[keep]), count[keep])
        out[:, :, ~self.has_data] = 0
        return out

    def _emerging(self, model_cause: np.ndarray) -> np.ndarray:
        """Bool (n_keys, n_weeks): unlabelled themes that are emerging pain points in each week."""
        config, n_weeks = self.config, len(self.weeks)
        c = self.contacts
        emerging = np.zeros((self.n_keys, n_weeks), dtype=bool)
        candidates = (self.keys["kind"] == "theme") & ~self.keys["proposed"]
        if not candidates.any():
            return emerging
        members = np.flatnonzero(self.theme_code >= 0)
        theme, week = self.theme_code[members], self._week[members]
        flat = theme * n_weeks + week
        counts = np.bincount(flat, minlength=self.n_keys * n_weeks).reshape(self.n_keys, n_weeks)
        review = np.bincount(flat, c["needs_review"].to_numpy()[members], minlength=counts.size)
        n_causes = int(model_cause.max()) + 1
        by_cause = np.bincount(flat * n_causes + model_cause[members], minlength=counts.size * n_causes)
        with np.errstate(divide="ignore", invalid="ignore"):
            top = by_cause.reshape(self.n_keys, n_weeks, n_causes).max(axis=2) / counts
            review_share = review.reshape(counts.shape) / counts
        membership = Membership(members, theme, self.theme_weight[members], np.ones(self.n_keys, bool))
        orders = self.orders.sum(axis=(0, 1))
        args = (config.baseline_weeks, config.alpha, config.min_count, config.sustained_weeks)
        tests = weekly_tests(counts, orders, *args)
        in_markets = market_tests(self.market_counts(membership, None), self.orders.sum(axis=1), *args)
        up = tests.rising | in_markets.rising.any(axis=1)
        is_new = self.keys["is_new"].to_numpy()[:, None] | ((tests.baseline_contacts == 0) & tests.rising)
        unsure = np.nan_to_num(review_share) >= config.review_share
        unexplained = (is_new | up) & (np.nan_to_num(top) < config.explained_share)
        emerging = (counts >= config.min_count) & (unsure | unexplained)
        return emerging & candidates.to_numpy()[:, None]


def _contacts(tagged: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """The columns the report needs, typed; missing optional columns get their empty value.

    ``root_cause``, ``family`` and the segments are categoricals (a missing or blank value is
    ``unknown``; a missing family is the root cause's); every conversion works on the distinct
    values, so 10^6 contacts take seconds, not minutes.
    """
    n = len(tagged)

    def column(name: str, default: object = None) -> pd.Series:
        return tagged[name] if name in tagged else pd.Series([default] * n, index=tagged.index, dtype=object)

    df = pd.DataFrame({"contact_id": tagged["contact_id"].astype(str)})
    df["root_cause"] = _categorical(tagged["root_cause"])
    df["created_at"] = pd.to_datetime(tagged["created_at"], utc=True)
    df["week_start"] = week_start_of(df["created_at"].dt.tz_convert(None))
    family = column("family").astype(object).to_numpy().copy()
    missing = pd.isna(family)
    family[missing] = _per_value(df["root_cause"].astype(object).to_numpy()[missing], taxonomy.family_of)
    df["family"] = family
    df["confidence"] = pd.to_numeric(column("confidence", 1.0), errors="coerce").fillna(0.0).astype(float)
    for col in ("needs_review", "escalated"):
        df[col] = column(col, False).astype("boolean").fillna(False).astype(bool)
    for col in ("csat", "nps"):
        df[col] = pd.to_numeric(column(col, np.nan), errors="coerce").astype("float64")
    for col in SEGMENTS:
        df[col] = _categorical(column(col))
    key = column("order_key")
    df["order_key"] = key.astype(object).where(key.notna(), None)
    df["clean_text"] = tagged["clean_text"].fillna("").astype(str)
    # why a contact needs review, and its language (voc tag since issue 17; "" before)
    for col in ("review_reason", "language"):
        df[col] = pd.Categorical(column(col, "").fillna("").astype(str).str.strip())
    second = column("secondary_root_cause").astype(object)  # reports.secondary: beside the ranking
    df["secondary_root_cause"] = second.where(second.notna() & (second.astype(str).str.strip() != ""), None)
    for col in ("model_name", "model_version"):
        if col in tagged:
            df[col] = tagged[col]
    return df.reset_index(drop=True)


def _categorical(values: pd.Series) -> pd.Categorical[str]:
    """``values`` stripped, a missing or blank value ``unknown``, as a categorical of sorted values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = [str(u).strip() or UNKNOWN for u in uniques]
    missing = bool((codes < 0).any())
    categories = sorted(set(names) | ({UNKNOWN} if missing else set()))
    lookup = pd.Index(categories).get_indexer(pd.Index([*names, UNKNOWN]))  # code -1: the last, unknown
    return pd.Categorical.from_codes(lookup[codes], categories=pd.Index(categories))


def _per_value(values: np.ndarray, function: Any) -> np.ndarray:
    """``function`` of each value, called once per distinct value."""
    codes, uniques = pd.factorize(values)
    return np.array([function(str(u)) for u in uniques], dtype=object)[codes] if len(values) else values


def _repeats(contacts: pd.DataFrame, days: int) -> np.ndarray:
    """1.0 for a contact whose order had another contact in the ``days`` before, 0.0 if not, NaN
    without an order key. Contacts at the same instant are ordered by their row."""
    out = np.full(len(contacts), np.nan)
    has = contacts["order_key"].notna().to_numpy()
    if not has.any():
        return out
    idx = np.flatnonzero(has)
    keys, _ = pd.factorize(contacts["order_key"].to_numpy()[idx])
    times = _nanoseconds(contacts["created_at"])[idx]
    order = np.lexsort((idx, times, keys))
    same = np.r_[False, keys[order][1:] == keys[order][:-1]]
    gap = np.r_[0, np.diff(times[order])]
    out[idx[order]] = (same & (gap <= days * 86_400 * 10**9)).astype(float)
    return out


def _nanoseconds(created_at: pd.Series) -> np.ndarray:
    """UTC timestamps as int64 nanoseconds since the epoch."""
    return created_at.dt.tz_convert(None).to_numpy().astype("datetime64[ns]").astype(np.int64)


def _theme_states(themes: pd.DataFrame | None, verdicts: pd.DataFrame | None) -> pd.DataFrame:
    """One row per theme: ``state`` (labelled, proposed, candidate or noise), ``label``, ``name``,
    ``is_new``, ``keywords``; indexed by ``theme_id``."""
    if themes is None or themes.empty:
        return pd.DataFrame(columns=["state", "label", "name", "is_new", "keywords"])
    t = themes[themes["theme_id"] >= 0].drop_duplicates("theme_id").set_index("theme_id")
    label = t["label"].astype(object).where(t["label"].notna(), None) if "label" in t else None
    out = pd.DataFrame(index=t.index)
    out["label"] = label if label is not None else None
    out["state"] = np.where(out["label"].notna(), "labelled", "candidate")
    out["name"] = t.get("name")
    out["is_new"] = t["is_new"].fillna(False).astype(bool) if "is_new" in t else False
    out["keywords"] = t.get("keywords")
    if verdicts is not None and not verdicts.empty:
        v = verdicts.drop_duplicates("theme_id", keep="last").set_index("theme_id").reindex(out.index)
        decided = v["action"].notna()
        labels = v.get("label", pd.Series(None, index=v.index, dtype=object))
        v_label = labels.where(labels.notna() & (labels.astype(str).str.strip() != ""))
        proposed = v.get("proposed", pd.Series(None, index=v.index))
        proposed = proposed.where(proposed.notna() & (proposed.astype(str).str.strip() != ""))
        out.loc[decided, "label"] = v_label[decided]
        out.loc[decided, "state"] = np.where(v_label[decided].notna(), "labelled", "candidate")
        has_proposal = proposed.notna() & (v["action"] != "noise")
        out.loc[has_proposal, "state"] = "proposed"
        out.loc[has_proposal, "name"] = proposed[has_proposal].astype(str).str.strip()
        out.loc[has_proposal, "label"] = None
        out.loc[decided & (v["action"] == "noise"), "state"] = "noise"
    return out


def _theme_members(
    contacts: pd.DataFrame, assignments: pd.DataFrame | None, states: pd.DataFrame
) -> tuple[pd.Series, pd.Series]:
    """Each contact's theme (float, NaN when none is known) and membership probability."""
    empty = pd.Series(np.nan, index=contacts.index)
    if assignments is None or states.empty:
        return empty, empty
    a = assignments[assignments["theme_id"].isin(states.index)].drop_duplicates("contact_id")
    position = pd.Index(contacts["contact_id"]).get_indexer(a["contact_id"].astype(str))
    found = position >= 0
    theme, weight = empty.copy(), empty.copy()
    theme.iloc[position[found]] = a["theme_id"].to_numpy(dtype=float)[found]
    if "probability" in a:
        weight.iloc[position[found]] = pd.to_numeric(a["probability"], errors="coerce").to_numpy()[found]
    return theme, weight


def _keys(
    taxonomy: Taxonomy,
    causes: pd.Index,
    cause_codes: np.ndarray,
    family: pd.Series,
    states: pd.DataFrame,
    theme_of: pd.Series,
) -> pd.DataFrame:
    """The possible pain points: taxonomy causes, other causes seen, then unlabelled/proposed themes."""
    rows: list[dict[str, Any]] = []
    other_causes = sorted(set(causes) - set(taxonomy.ids))
    families = family.cat.categories.to_numpy()
    cause_family = families[_most_common(family.cat.codes.to_numpy(), cause_codes, len(causes))]
    family_of = dict(zip(causes, cause_family, strict=True))
    themes = theme_of.fillna(-1).to_numpy(dtype=np.int64)
    n_themes = int(themes.max()) + 1 if len(themes) else 0
    theme_family = _most_common(family.cat.codes.to_numpy(), themes, n_themes)
    for rc in taxonomy.root_causes:
        rows.append({"key": rc.id, "name": rc.name, "kind": "root_cause", "family": rc.family,
                     "owner": rc.owner, "next_step": rc.next_step})  # fmt: skip
    for other in other_causes:
        name = other.replace("_", " ").capitalize()
        rows.append({"key": other, "name": name, "kind": "root_cause", "family": str(family_of[other]),
                     "owner": UNASSIGNED_OWNER, "next_step": ""})  # fmt: skip
    candidates = states[states["state"].isin(["candidate", "proposed"])].sort_index()
    for theme_id, info in candidates.iterrows():
        tid = int(theme_id)  # type: ignore[call-overload]
        proposed = info["state"] == "proposed"
        code = theme_family[tid] if tid < n_themes else -1
        rows.append(
            {
                "key": f"theme:{tid}",
                "name": str(info["name"]) if proposed else _theme_name(tid, info),
                "kind": "theme",
                "family": str(families[code]) if code >= 0 else "other",
                "owner": UNASSIGNED_OWNER,
                "next_step": PROPOSED_NEXT_STEP if proposed else THEME_NEXT_STEP,
                "proposed": proposed,
                "is_new": bool(info["is_new"]),
                "theme_id": tid,
            }
        )
    keys = pd.DataFrame(rows, columns=[*rows[0], "proposed", "is_new", "theme_id"])
    keys["proposed"] = keys["proposed"].astype("boolean").fillna(False).astype(bool)
    keys["is_new"] = keys["is_new"].astype("boolean").fillna(False).astype(bool)
    keys["theme_id"] = keys["theme_id"].astype("Int64")
    return keys


def _most_common(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """The most common of ``values`` (codes >= 0) per group ``0..n_groups-1``; -1 for an empty group.

    Groups below 0 are ignored; a tie goes to the smaller code.
    """
    keep = (groups >= 0) & (values >= 0)
    n_values = int(values.max()) + 1 if len(values) else 0
    if n_groups == 0 or n_values == 0:
        return np.full(n_groups, -1)
    counts = np.bincount(groups[keep] * n_values + values[keep], minlength=n_groups * n_values)
    counts = counts.reshape(n_groups, n_values)
    return np.where(counts.max(axis=1) > 0, counts.argmax(axis=1), -1)


def _theme_name(theme_id: int, info: pd.Series) -> str:
    """``New theme: <name>`` (the theme's readable name, else its first keywords, else its id)."""
    name = info.get("name")
    if isinstance(name, str) and name.strip():
        return f"New theme: {name.strip()}"
    keywords = info.get("keywords")
    if isinstance(keywords, str):
        words = [w.strip() for w in keywords.replace(";", ",").split(",") if w.strip()]
    elif keywords is None or (isinstance(keywords, float) and np.isnan(keywords)):
        words = []
    else:
        words = [str(w) for w in list(keywords)]
    return "New theme: " + (", ".join(words[:4]) if words else f"#{theme_id}")


def _contact_fields(contacts: pd.DataFrame) -> dict[str, np.ndarray | None]:
    """Per-contact weights summed per cell: None counts contacts."""
    csat = contacts["csat"].to_numpy(dtype=float)
    nps = contacts["nps"].to_numpy(dtype=float)
    repeat = contacts["repeat"].to_numpy(dtype=float)
    return {
        "contacts": None,
        "review": contacts["needs_review"].to_numpy(dtype=float),
        "escalated": contacts["escalated"].to_numpy(dtype=float),
        "csat_sum": np.nan_to_num(csat),
        "csat_n": (~np.isnan(csat)).astype(float),
        "nps_n": (~np.isnan(nps)).astype(float),
        "promoters": (nps >= 9).astype(float),
        "detractors": (nps <= 6).astype(float),
        "repeat": np.nan_to_num(repeat),
        "repeat_n": (~np.isnan(repeat)).astype(float),
    }


def _sum_fields(
    fields: dict[str, np.ndarray | None], contact: np.ndarray, flat: np.ndarray, shape: tuple[int, int]
) -> dict[str, np.ndarray]:
    size = shape[0] * shape[1]
    out = {}
    for name, weights in fields.items():
        sums = np.bincount(flat, None if weights is None else weights[contact], minlength=size)
        out[name] = sums.reshape(shape).astype(float)
    return out
