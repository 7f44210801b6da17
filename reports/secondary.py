"""Second reasons: the causes contacts mention besides the one they are counted for.

In: :class:`reports.facts.ContactFacts` (its contacts carry ``secondary_root_cause``, null when the
tagger found none or the file predates it) and the report week's index. Out:
:func:`second_reasons`, one row per cause named as a second reason that week: ``key``, ``name``,
``contacts`` (contacts naming it second) and ``most_with`` (the primary cause it most often came
with). A contact counts once in the ranking, for its primary cause; this table is only beside it.
"""

from __future__ import annotations

import pandas as pd

from reports.facts import ContactFacts

COLUMNS = ("key", "name", "contacts", "most_with")


def second_reasons(facts: ContactFacts, t: int) -> pd.DataFrame:
    """Causes named as second reasons in week ``t``, most mentioned first (see the module docstring)."""
    contacts = facts.contacts
    if "secondary_root_cause" not in contacts:
        return pd.DataFrame(columns=list(COLUMNS))
    week = contacts[(contacts["week"] == t) & contacts["secondary_root_cause"].notna()]
    if week.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    names = dict(zip(facts.keys["key"], facts.keys["name"], strict=True))
    pairs = pd.DataFrame(
        {"key": week["secondary_root_cause"].astype(str), "primary": week["root_cause"].astype(str)}
    )
    counts = pairs.groupby("key").size().rename("contacts")
    most_with = pairs.groupby("key")["primary"].agg(lambda p: p.value_counts().index[0])
    out = pd.concat([counts, most_with.rename("most_with")], axis=1).reset_index()
    out["name"] = [names.get(k, k.replace("_", " ").capitalize()) for k in out["key"]]
    out["most_with"] = [names.get(k, k) for k in out["most_with"]]
    out = out.sort_values(["contacts", "key"], ascending=[False, True], kind="stable")
    return out[list(COLUMNS)].reset_index(drop=True)
