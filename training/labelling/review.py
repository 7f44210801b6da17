"""What analysts review: a discovery run's themes, their change since the previous run, members.

Takes a discovery run's themes and assignments as :mod:`voc.contracts.themes` reads them, builds the
review table behind both the review sheet and the theme browser, and picks member samples. Only
redacted text (``clean_text``) ever goes into the review table or a sample.
"""

from __future__ import annotations

import pandas as pd

from voc.contracts.themes import UNASSIGNED


def review_table(
    themes: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    suggestions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per theme, biggest first, with what an analyst needs to name it.

    Parameters
    ----------
    themes : DataFrame
        From :func:`voc.contracts.themes.read_themes`.
    previous : DataFrame, optional
        The previous run's :func:`~voc.contracts.themes.read_themes`; gives ``previous_size`` and ``change``
        (``"up 12 (+15%)"``, ``"down 3 (-5%)"``, ``"same"``, or ``"new"`` for a theme that was
        not there). Without it ``change`` is ``"new"`` for themes discovery flagged new, else empty.
    suggestions : DataFrame, optional
        ``theme_id, suggested_root_cause, suggested_share, suggested_confidence`` from
        :func:`training.labelling.active_learning.theme_suggestions`.

    Returns
    -------
    DataFrame with ``theme_id, parent_id, size, previous_size, change, is_new, current_label,
    suggested_root_cause, suggested_share, suggested_confidence, keywords, exemplars``.
    """
    out = themes.sort_values(["size", "theme_id"], ascending=[False, True]).reset_index(drop=True)
    out = out.rename(columns={"label": "current_label"})
    if previous is not None:
        before = dict(zip(previous["theme_id"], previous["size"], strict=True))
        out["previous_size"] = [before.get(t) for t in out["theme_id"]]
        out["previous_size"] = out["previous_size"].astype("Int64")
        out["change"] = [_change(s, before.get(t)) for t, s in zip(out["theme_id"], out["size"], strict=True)]
    else:
        out["previous_size"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["change"] = ["new" if n else "" for n in out["is_new"]]
    for col in ("suggested_root_cause", "suggested_share", "suggested_confidence"):
        out[col] = None
    if suggestions is not None and len(suggestions):
        by_theme = suggestions.set_index("theme_id")
        for col in ("suggested_root_cause", "suggested_share", "suggested_confidence"):
            out[col] = [by_theme[col].get(t) for t in out["theme_id"]]
    columns = [
        "theme_id",
        "parent_id",
        "size",
        "previous_size",
        "change",
        "is_new",
        "current_label",
        "suggested_root_cause",
        "suggested_share",
        "suggested_confidence",
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
