"""What analysts review: a discovery run's themes, their change since the previous run, members.

Takes a discovery run's themes, suggestions and assignments as :mod:`voc.contracts.themes` reads
them, builds the review table behind both the review sheet and the theme browser (themes by group,
with names and each theme's best suggestion), and picks member samples. Only
redacted text (``clean_text``) ever goes into the review table or a sample.
"""

from __future__ import annotations

import pandas as pd

from voc.contracts.themes import UNASSIGNED, best_suggestions

SUGGESTION_FIELDS = ("suggested_root_cause", "suggestion_source", "suggested_confidence", "confident")


def review_table(
    themes: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    suggestions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per theme, by group (biggest group first), biggest theme first within its group.

    Parameters
    ----------
    themes : DataFrame
        From :func:`voc.contracts.themes.read_themes`.
    previous : DataFrame, optional
        The previous run's :func:`~voc.contracts.themes.read_themes`; gives ``previous_size`` and ``change``
        (``"up 12 (+15%)"``, ``"down 3 (-5%)"``, ``"same"``, or ``"new"`` for a theme that was
        not there). Without it ``change`` is ``"new"`` for themes discovery flagged new, else empty.
    suggestions : DataFrame, optional
        :data:`voc.contracts.themes.SUGGESTION_COLUMNS` rows (:func:`~voc.contracts.themes.read_suggestions`
        plus the model's, :func:`training.labelling.active_learning.theme_suggestions`); each
        theme shows its best one (:func:`~voc.contracts.themes.best_suggestions`).

    Returns
    -------
    DataFrame with ``theme_id, name, parent_id, parent_name, size, previous_size, change, is_new,
    current_label, suggested_root_cause, suggestion_source, suggested_confidence, confident,
    keywords, exemplars``.
    """
    out = themes.rename(columns={"label": "current_label"}).copy()
    group = out["parent_id"].fillna(-1).astype("int64")
    group_size = out.groupby(group)["size"].transform("sum")
    out = (
        out.assign(_group=group, _group_size=group_size)
        .sort_values(["_group_size", "_group", "size", "theme_id"], ascending=[False, True, False, True])
        .drop(columns=["_group", "_group_size"])
        .reset_index(drop=True)
    )
    if previous is not None:
        before = dict(zip(previous["theme_id"], previous["size"], strict=True))
        out["previous_size"] = [before.get(t) for t in out["theme_id"]]
        out["previous_size"] = out["previous_size"].astype("Int64")
        out["change"] = [_change(s, before.get(t)) for t, s in zip(out["theme_id"], out["size"], strict=True)]
    else:
        out["previous_size"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["change"] = ["new" if n else "" for n in out["is_new"]]
    for col in SUGGESTION_FIELDS:
        out[col] = None
    if suggestions is not None and len(suggestions):
        by_theme = best_suggestions(suggestions).set_index("theme_id")
        for col in SUGGESTION_FIELDS:
            out[col] = [by_theme[col].get(t) for t in out["theme_id"]]
        out["suggested_confidence"] = out["suggested_confidence"].astype(float).round(3)
    columns = [
        "theme_id",
        "name",
        "parent_id",
        "parent_name",
        "size",
        "previous_size",
        "change",
        "is_new",
        "current_label",
        *SUGGESTION_FIELDS,
        "keywords",
        "exemplars",
    ]
    return out[columns]


def sample_members(
    assignments: pd.DataFrame, per_theme: int, seed: int = 0, themes: set[int] | None = None
) -> pd.DataFrame:
    """Up to ``per_theme`` random members of each theme (unassigned contacts left out).

    Returns the matching rows of ``assignments`` (``contact_id, theme_id, probability``).
    """
    members = assignments[assignments["theme_id"] != UNASSIGNED]
    if themes is not None:
        members = members[members["theme_id"].isin(themes)]
    if per_theme <= 0 or members.empty:
        return members.iloc[0:0]
    shuffled = members.sample(frac=1.0, random_state=seed)
    return shuffled.groupby("theme_id", sort=False).head(per_theme).reset_index(drop=True)


def _change(size: int, before: int | None) -> str:
    if before is None:
        return "new"
    # Worded, not signed: a cell starting with + or - would need formula neutralising.
    delta = int(size) - int(before)
    if delta == 0:
        return "same"
    word = "up" if delta > 0 else "down"
    if before == 0:
        return f"{word} {abs(delta)}"
    return f"{word} {abs(delta)} ({delta / before:+.0%})"
