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
