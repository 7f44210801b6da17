"""What the operational KPIs need from the order events, gathered one chunk at a time.

:class:`OperationsState` takes validated event chunks (:mod:`voc.contracts.events`) with
:meth:`~OperationsState.add` and keeps, whatever the file's length:

* ``counts``: events per week x market x category x channel x event x failure reason;
* ``durations``: finished clocks per week (of their end) x segment x kind x whole hours, for the
  two clocks of the KPIs: ``return_receipt`` (first ``return_requested`` to ``return_received``)
  and ``refund_cycle`` (first of ``refund_requested``, ``cancel_succeeded``, ``return_received`` to
  ``refund_paid``). A clock waits in a small open table until its end comes (in any chunk, in any
  order) and leaves it then, so memory follows the clocks open at a time, not the events read;
* ``contact_events``: the events of the orders that contacts are about (when contacts are given),
  keyed by the order's pseudonym, for the per-contact KPIs and the links.

Contacts and events meet on ``join_key``: the keyed pseudonym of the order id
(:func:`voc.contracts.tagged.order_keys`). Tagged contacts carry it as ``order_key`` (made with the
workspace's secret, which must then be passed); raw contacts carry ``order_id``, hashed here with
the secret given or a one-off random one. Raw order ids are dropped at once and never leave this
object; the pairing of clocks uses a 64-bit hash of the id in memory only.
"""

from __future__ import annotations

import secrets as secrets_module
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from voc.contracts.tagged import order_keys
from voc.errors import InputError

SEGMENT_COLUMNS = ("market", "category", "channel")
CLOCKS = {
    "return_receipt": (("return_requested",), "return_received"),
    "refund_cycle": (("refund_requested", "cancel_succeeded", "return_received"), "refund_paid"),
}
_CLOCK_EVENTS = {e for starts, end in CLOCKS.values() for e in (*starts, end)}
# partial rows (a chunk's counts and durations) kept before they are summed into one table
_COMPACT_ROWS = 100_000


@dataclass
class OperationsState:
    """Partial aggregates of an event stream (see the module docstring).

    Parameters
    ----------
    contacts : contacts with ``contact_id``, ``created_at`` and ``order_key`` or ``order_id``
        (plus ``root_cause``, ``market``, ``category`` when known); None for event KPIs only.
    order_key_secret : the workspace's key; needed when contacts carry ``order_key``.
    """

    contacts: pd.DataFrame | None = None
    order_key_secret: bytes | None = field(default=None, repr=False)
    counts: pd.DataFrame = field(init=False)
    durations: pd.DataFrame = field(init=False)
    contact_events: pd.DataFrame = field(init=False)
    peak_open: int = 0
    _parts: dict[str, list[pd.DataFrame]] = field(init=False, repr=False)
    _open_starts: pd.DataFrame = field(init=False, repr=False)
    _open_ends: pd.DataFrame = field(init=False, repr=False)
    _settled: int = 0  # partial rows already summed

    def __post_init__(self) -> None:
        self._parts = {"counts": [], "durations": [], "contact_events": []}
        self._open_starts = pd.DataFrame(
            {
                "okey": pd.Series(dtype="uint64"),
                "clock": pd.Series(dtype=object),
                "t": pd.Series(dtype="int64"),
            }
        ).assign(market=None, category=None, channel=None)
        self._open_ends = self._open_starts[["okey", "clock", "t"]].copy()
        self.contacts = (
            prepare_contacts(self.contacts, self.order_key_secret) if self.contacts is not None else None
        )
        if self.contacts is not None and self.order_key_secret is None:
            self.order_key_secret = self.contacts.attrs["secret"]
        self._contact_keys = set(self.contacts["join_key"].dropna()) if self.contacts is not None else set()

    def add(self, events: pd.DataFrame) -> None:
        """Fold one chunk of accepted events (the events contract) into the state."""
        if events.empty:
            return
        ev = events[["order_id", "event", "at", "market", "category", "failure_reason", "channel"]]
        week = week_names(ev["at"])
        self._parts["counts"].append(
            ev[["market", "category", "channel", "event", "failure_reason"]]
            .assign(week=week)
            .groupby(["week", *SEGMENT_COLUMNS, "event", "failure_reason"], dropna=False, observed=True)
            .size()
            .rename("n")
            .reset_index()
        )
        self._add_clocks(ev)
        if self._contact_keys:
            self._add_contact_events(ev)
        if self._rows("counts") + self._rows("durations") - self._settled > _COMPACT_ROWS:
            self._compact()
            self._settled = self._rows("counts") + self._rows("durations")

    def finish(self) -> OperationsState:
        """Gather the partial tables into ``counts``, ``durations`` and ``contact_events``."""
        self._compact()
        self.counts = self._parts["counts"][0] if self._parts["counts"] else _empty_counts()
        self.durations = self._parts["durations"][0] if self._parts["durations"] else _empty_durations()
        self.contact_events = (
            self._parts["contact_events"][0] if self._parts["contact_events"] else _empty_contact_events()
        )
        return self

    # -- clocks ----------------------------------------------------------------------------

    def _add_clocks(self, ev: pd.DataFrame) -> None:
        clock_rows = ev[ev["event"].isin(_CLOCK_EVENTS)]
        if clock_rows.empty:
            return
        okey = pd.util.hash_array(clock_rows["order_id"].to_numpy(dtype=object))
        t = _naive(clock_rows["at"]).astype("datetime64[s]").astype("int64")
        starts, ends = [self._open_starts], [self._open_ends]
        for clock, (start_events, end_event) in CLOCKS.items():
            is_start = clock_rows["event"].isin(start_events).to_numpy()
            is_end = (clock_rows["event"] == end_event).to_numpy()
            starts.append(
                pd.DataFrame(
                    {
                        "okey": okey[is_start],
                        "clock": clock,
                        "t": t[is_start],
                        **{c: clock_rows[c].to_numpy(dtype=object)[is_start] for c in SEGMENT_COLUMNS},
                    }
                )
            )
            ends.append(pd.DataFrame({"okey": okey[is_end], "clock": clock, "t": t[is_end]}))
        start = pd.concat(starts, ignore_index=True).sort_values("t", kind="stable")
        start = start.drop_duplicates(["okey", "clock"], keep="first")
        end = pd.concat(ends, ignore_index=True).sort_values("t", kind="stable")
        end = end.drop_duplicates(["okey", "clock"], keep="first")
        pairs = start.merge(end, on=["okey", "clock"], how="inner", suffixes=("", "_end"))
        done = pairs[pairs["t_end"] >= pairs["t"]]
        stale = pairs.loc[
            pairs["t_end"] < pairs["t"], ["okey", "clock"]
        ]  # an end before its start: no start seen
        if len(done):
            hours = np.round((done["t_end"].to_numpy() - done["t"].to_numpy()) / 3600).astype("int64")
            ended = pd.to_datetime(done["t_end"].to_numpy(), unit="s", utc=True)
            self._parts["durations"].append(
                done[list(SEGMENT_COLUMNS)]
                .assign(
                    week=week_names(pd.Series(ended)).to_numpy(), clock=done["clock"].to_numpy(), hours=hours
                )
                .groupby(["week", *SEGMENT_COLUMNS, "clock", "hours"], dropna=False)
                .size()
                .rename("n")
                .reset_index()
            )
        closed = pd.concat([done[["okey", "clock"]], stale], ignore_index=True)
        self._open_starts = _anti_join(start, done[["okey", "clock"]])
        self._open_ends = _anti_join(end, closed)
        self.peak_open = max(self.peak_open, len(self._open_starts) + len(self._open_ends))

    # -- contacts ----------------------------------------------------------------------------

    def _add_contact_events(self, ev: pd.DataFrame) -> None:
        ids = ev["order_id"].to_numpy(dtype=object)
        unique, inverse = np.unique(ids.astype(str), return_inverse=True)
        keys = order_keys(pd.Series(unique, dtype=object), self.order_key_secret).to_numpy(dtype=object)
        wanted = np.fromiter((k in self._contact_keys for k in keys), dtype=bool, count=len(keys))
        rows = wanted[inverse]
        if rows.any():
            self._parts["contact_events"].append(
                ev.loc[rows, ["event", "at", "market", "category", "failure_reason", "channel"]]
                .assign(join_key=keys[inverse][rows])
                .reset_index(drop=True)
            )

    def _rows(self, name: str) -> int:
        return sum(len(p) for p in self._parts[name])

    def _compact(self) -> None:
        for name, keys in (
            ("counts", ["week", *SEGMENT_COLUMNS, "event", "failure_reason"]),
            ("durations", ["week", *SEGMENT_COLUMNS, "clock", "hours"]),
        ):
            if len(self._parts[name]) > 1:
                merged = pd.concat(self._parts[name], ignore_index=True)
                self._parts[name] = [merged.groupby(keys, dropna=False).agg(n=("n", "sum")).reset_index()]
        if len(self._parts["contact_events"]) > 1:
            self._parts["contact_events"] = [pd.concat(self._parts["contact_events"], ignore_index=True)]


def prepare_contacts(contacts: pd.DataFrame, secret: bytes | None) -> pd.DataFrame:
    """Contacts with ``join_key`` (the order's pseudonym) and ``week``, without any ``order_id``.

    ``order_key`` (tagged contacts) is used as it is, and needs the ``secret`` that made it to key
    the events the same way; ``order_id`` (raw contacts) is hashed with ``secret`` or, without one,
    a one-off random key (kept in ``attrs["secret"]`` for the events of this run only).
    """
    if "created_at" not in contacts or "contact_id" not in contacts:
        raise InputError("contacts need contact_id and created_at to be linked to order events")
    has_key = "order_key" in contacts and contacts["order_key"].notna().any()
    if has_key and secret is None:
        raise InputError(
            "the contacts carry order_key: pass the workspace's order-key secret that made it, so the "
            "order events are keyed the same way"
        )
    if not has_key and "order_id" not in contacts:
        raise InputError(
            "contacts carry neither order_key nor order_id: they cannot be linked to order events"
        )
    secret = secret or secrets_module.token_bytes(32)
    out = pd.DataFrame(
        {
            "contact_id": contacts["contact_id"].astype(str).to_numpy(),
            "created_at": pd.to_datetime(contacts["created_at"], utc=True).to_numpy(),
        }
    )
    out["created_at"] = pd.to_datetime(out["created_at"], utc=True)
    for col in ("root_cause", "market", "category", "channel"):
        out[col] = contacts[col].to_numpy(dtype=object) if col in contacts else None
    out["root_cause"] = out["root_cause"].fillna("unknown")
    keys = contacts["order_key"] if has_key else order_keys(contacts["order_id"], secret)
    out["join_key"] = keys.to_numpy(dtype=object)
    out["week"] = week_names(out["created_at"]).to_numpy()
    out.attrs["secret"] = secret
    return out


def week_names(at: pd.Series) -> pd.Series:
    """ISO week names (``2026-W47``) of UTC timestamps; each distinct Monday is formatted once."""
    days = _naive(at).astype("datetime64[D]")
    monday = days - ((days.astype("int64") + 3) % 7)  # 1970-01-01 was a Thursday
    unique, inverse = np.unique(monday, return_inverse=True)
    names = np.array([_iso(pd.Timestamp(d)) for d in unique], dtype=object)
    return pd.Series(names[inverse] if len(unique) else np.array([], dtype=object), index=at.index)


def _naive(at: pd.Series) -> np.ndarray:
    """UTC timestamps as a naive datetime64 array (``to_numpy`` of tz-aware values gives slow objects)."""
    values = pd.to_datetime(at, utc=True) if not isinstance(at.dtype, pd.DatetimeTZDtype) else at
    return values.dt.tz_localize(None).to_numpy()


def _iso(day: pd.Timestamp) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _anti_join(frame: pd.DataFrame, remove: pd.DataFrame) -> pd.DataFrame:
    if remove.empty:
        return frame.reset_index(drop=True)
    marked = frame.merge(remove.drop_duplicates().assign(_gone=True), on=["okey", "clock"], how="left")
    return marked[marked["_gone"].isna()].drop(columns="_gone").reset_index(drop=True)


def _empty_counts() -> pd.DataFrame:
    cols = ["week", *SEGMENT_COLUMNS, "event", "failure_reason"]
    return pd.DataFrame({**{c: pd.Series(dtype=object) for c in cols}, "n": pd.Series(dtype="int64")})


def _empty_durations() -> pd.DataFrame:
    cols = ["week", *SEGMENT_COLUMNS, "clock"]
    return pd.DataFrame(
        {
            **{c: pd.Series(dtype=object) for c in cols},
            "hours": pd.Series(dtype="int64"),
            "n": pd.Series(dtype="int64"),
        }
    )


def _empty_contact_events() -> pd.DataFrame:
    cols = ["event", "market", "category", "failure_reason", "channel", "join_key"]
    return pd.DataFrame(
        {**{c: pd.Series(dtype=object) for c in cols}, "at": pd.Series(dtype="datetime64[us, UTC]")}
    )
