"""Language mix per market and the share of contacts the model could not read, for the report.

In: tagged contacts (``voc tag`` output: ``market``, ``language``, ``review_reason``; files
tagged before these columns existed give an empty table). Out: one row per market and language
(:func:`language_mix`) and one per market (:func:`unread_by_market`). Contacts whose
``review_reason`` is ``language`` or ``uninformative`` were never understood: they carry no
confident root cause, so a market where many are unread is under-reported by the ranking.
"""

from __future__ import annotations

import pandas as pd

UNREAD_REASONS = ("language", "uninformative")
# review_reason values, as a person reads them, in the order the report lists them
REASON_NAMES = {
    "low_confidence": "model unsure",
    "out_of_scope": "outside the taxonomy",
    "language": "other language",
    "uninformative": "nothing to read",
}


def language_mix(tagged: pd.DataFrame) -> pd.DataFrame:
    """Contacts per market and language: ``market, language, contacts, share`` (of the market).

    ``language`` is ``"unknown"`` where the tagger could not tell (no letters, or an
    uninformative remark); ``market`` is ``"unknown"`` where the contact has none.
    """
    if "language" not in tagged:
        return pd.DataFrame(columns=["market", "language", "contacts", "share"])
    frame = pd.DataFrame(
        {
            "market": _filled(tagged.get("market"), len(tagged)),
            "language": _filled(tagged["language"], len(tagged)),
        }
    )
    counts = frame.groupby(["market", "language"]).size().rename("contacts").reset_index()
    counts["share"] = counts["contacts"] / counts.groupby("market")["contacts"].transform("sum")
    return counts.sort_values(["market", "contacts"], ascending=[True, False], kind="stable").reset_index(
        drop=True
    )


def unread_by_market(tagged: pd.DataFrame) -> pd.DataFrame:
    """Per market: ``contacts``, ``other_language``, ``uninformative`` and ``unread_share``."""
    if "review_reason" not in tagged:
        return pd.DataFrame(columns=["market", "contacts", "other_language", "uninformative", "unread_share"])
    reason = tagged["review_reason"].fillna("").astype(str)
    frame = pd.DataFrame(
        {
            "market": _filled(tagged.get("market"), len(tagged)),
            "other_language": (reason == "language").to_numpy(),
            "uninformative": (reason == "uninformative").to_numpy(),
        }
    )
    out = frame.groupby("market").agg(
        contacts=("market", "size"),
        other_language=("other_language", "sum"),
        uninformative=("uninformative", "sum"),
    )
    out["unread_share"] = (out["other_language"] + out["uninformative"]) / out["contacts"]
    return out.reset_index()


def _filled(values: pd.Series | None, n: int) -> list[str]:
    if values is None:
        return ["unknown"] * n
    return [str(v) if isinstance(v, str) and v.strip() else "unknown" for v in values]


def review_reasons(contacts: pd.DataFrame) -> pd.DataFrame:
    """Why contacts need review: ``reason, name, contacts, share`` (of all ``contacts``).

    One row per reason that occurs, known reasons first in :data:`REASON_NAMES` order; empty
    when ``contacts`` has no ``review_reason`` column or none needs review.
    """
    columns = ["reason", "name", "contacts", "share"]
    if "review_reason" not in contacts or not len(contacts):
        return pd.DataFrame(columns=columns)
    reason = contacts["review_reason"].astype(object).fillna("").astype(str).str.strip()
    counts = reason[reason != ""].value_counts()
    order = [r for r in REASON_NAMES if r in counts.index] + sorted(set(counts.index) - set(REASON_NAMES))
    name = {r: REASON_NAMES.get(r, r.replace("_", " ")) for r in order}
    rows = [(r, name[r], int(counts[r]), counts[r] / len(reason)) for r in order]
    return pd.DataFrame(rows, columns=columns)


def unread_markets(contacts: pd.DataFrame) -> pd.DataFrame:
    """:func:`unread_by_market` of the markets with unread contacts, most unread first, each with
    its ``languages`` (``"de 41, en 3"``: the languages of its contacts in another language)."""
    table = unread_by_market(contacts)
    table = table[(table["other_language"] + table["uninformative"]) > 0].copy()
    if table.empty:
        return table.assign(languages=pd.Series(dtype=object))
    other = contacts[contacts["review_reason"].astype(object).fillna("").astype(str) == "language"]
    mix = language_mix(other)
    table["languages"] = [
        ", ".join(f"{r.language} {r.contacts}" for r in mix[mix["market"] == m].itertuples())
        for m in table["market"]
    ]
    return table.sort_values(["unread_share", "market"], ascending=[False, True]).reset_index(drop=True)
