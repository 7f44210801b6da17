"""Previous themes' centroids in this run's embedding space, so that theme ids survive a new encoder.

Centroids are comparable only when one encoder computed both: after ``voc discover --encoder``
switches to a fine-tuned MiniLM (or back), last week's centroids live in another space, and their
cosine similarity to this week's says nothing. Every stored centroid carries the fingerprint of its
encoder (:func:`nlp.model_files.model_fingerprint`: in a run's ``themes.parquet`` metadata and in
the label catalogue), so :func:`in_encoder_space` can tell, theme by theme, which centroids must be
computed again: as the mean of the theme's redacted exemplars, stripped of boilerplate as
discovery strips what it clusters (:mod:`nlp.boilerplate`), embedded with this run's encoder.

A centroid stored before fingerprints were recorded is taken to be the installed MiniLM's, the
only encoder discovery used until then. A theme in another space with no exemplar to re-embed
cannot be matched: it is left out (its id is never reused: ``attrs["next_theme_id"]``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from nlp.boilerplate import is_empty, strip_many


@dataclass(frozen=True)
class Alignment:
    """What :func:`in_encoder_space` did: themes whose centroid was recomputed, and left out."""

    reembedded: int = 0
    dropped: int = 0

    def summary(self) -> str:
        """One line for the CLI, empty when every centroid was already in this run's space."""
        if not self.reembedded and not self.dropped:
            return ""
        text = f"{self.reembedded} previous themes made with another encoder re-embedded from their exemplars"
        if self.dropped:
            text += f"; {self.dropped} without exemplars left out of matching"
        return text


def in_encoder_space(
    previous: pd.DataFrame,
    fingerprint: str,
    encode: Callable[[Sequence[str]], np.ndarray],
    legacy_fingerprint: str,
) -> tuple[pd.DataFrame, Alignment]:
    """``previous`` with every centroid in the space of the encoder ``fingerprint``.

    Parameters
    ----------
    previous : DataFrame
        ``theme_id``, ``centroid`` and optionally ``label``, ``encoder`` (fingerprint of each
        centroid's encoder; missing or None: ``legacy_fingerprint``) and ``exemplars`` (lists of
        redacted texts), as :func:`training.labelling.catalogue.previous_themes` gives them.
    fingerprint : str
        The fingerprint of this run's encoder.
    encode : callable
        This run's encoder: texts (n,) -> unit vectors of shape (n, dim).
    legacy_fingerprint : str
        The encoder of centroids stored before fingerprints were recorded (the installed MiniLM).

    Returns
    -------
    (DataFrame, Alignment)
        The themes to match (``encoder`` now ``fingerprint`` on every row; ``attrs`` kept, with
        ``next_theme_id`` past every previous id), and the counts.
    """
    encoders = (
        previous["encoder"].where(previous["encoder"].notna(), None)
        if "encoder" in previous
        else pd.Series([None] * len(previous), index=previous.index, dtype=object)
    )
    stale = np.asarray([(e or legacy_fingerprint) != fingerprint for e in encoders], dtype=bool)
    if not stale.any():
        out = previous.copy()
        out["encoder"] = fingerprint
        return out, Alignment()
    exemplars = previous["exemplars"] if "exemplars" in previous else pd.Series([[]] * len(previous))
    texts = [_content(v) for v in exemplars]
    redo = [i for i in np.flatnonzero(stale) if texts[i]]
    centroids = list(previous["centroid"])
    if redo:
        flat = [t for i in redo for t in texts[i]]
        vectors = np.asarray(encode(flat), dtype=np.float32)
        start = 0
        for i in redo:
            mean = vectors[start : start + len(texts[i])].mean(axis=0)
            start += len(texts[i])
            centroids[i] = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
    keep = ~stale | np.isin(np.arange(len(previous)), redo)
    recomputed = pd.Series(centroids, index=previous.index, dtype=object)
    out = previous.assign(centroid=recomputed, encoder=fingerprint)
    ids = previous["theme_id"].astype(int)
    next_id = max(int(ids.max()) + 1 if len(ids) else 0, int(previous.attrs.get("next_theme_id", 0)))
    out = out[keep].reset_index(drop=True)
    out.attrs = {**previous.attrs, "next_theme_id": next_id}
    return out, Alignment(reembedded=len(redo), dropped=int((~keep).sum()))


def _content(value: object) -> list[str]:
    """A theme's exemplars as discovery clusters text: boilerplate stripped, empty ones dropped."""
    if value is None or isinstance(value, float):
        return []
    items = [value] if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    return [t for t in strip_many([str(v) for v in items if v]) if not is_empty(t)]
