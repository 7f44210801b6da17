"""A tiny workspace for the app's tests: a discovery run a person can check by eye.

Five themes in two groups: group 0 holds three cancellation themes (two near-duplicates about the
greyed-out cancel button, one about a stuck request) that the taxonomy suggests confidently as
``cannot_cancel``; group 3 holds a gift-card theme (off-taxonomy) and a warranty theme whose
members say "gift" and "card" apart but never "gift card". One member pastes a ``<script>``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from voc.contracts.themes import write_assignments, write_members, write_themes

THEMES = [
    # theme_id, parent_id, name, keywords, member texts
    (0, 0, "Cancel button greyed out", ["cancel button", "greyed"], [
        "the cancel button is greyed out on my order",
        "cannot press cancel, the button is greyed out",
        "cancel button grey, order still processing <script>alert('x')</script>",
    ]),
    (1, 0, "Cancel option missing in app", ["cancel option", "app"], [
        "no cancel option in the app for my order",
        "the app has no cancel option anymore",
    ]),
    (2, 0, "Cancellation request stuck pending", ["pending", "cancellation request"], [
        "my cancellation request is stuck pending for days",
        "cancellation still pending, please help",
    ]),
    (3, 3, "Gift card balance missing", ["gift card", "balance"], [
        "my gift card balance disappeared",
        "gift card balance shows zero after the order",
        "where is the balance of my gift card",
    ]),
    (4, 3, "Warranty claim for broken kettle", ["warranty", "kettle"], [
        "the kettle broke, a gift from my aunt; is the warranty card enough",
        "warranty claim for the kettle, the card in the box says two years",
    ]),
]


def write_run(folder: Path, suggestions: bool = True) -> Path:
    """Write the discovery run (themes, assignments, members, suggestions) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    rows, members = [], []
    n = 0
    for theme_id, parent, name, keywords, texts in THEMES:
        centroid = rng.normal(size=8).astype(np.float32)
        rows.append(
            {
                "theme_id": theme_id,
                "parent_id": parent,
                "name": name,
                "parent_name": "Cannot cancel an order" if parent == 0 else "Gift cards and warranty",
                "size": len(texts),
                "keywords": keywords,
                "exemplars": texts[:2],
                "is_new": theme_id == 3,
                "label": None,
                "centroid": centroid / np.linalg.norm(centroid),
            }
        )
        for text in texts:
            n += 1
            members.append(
                {
                    "contact_id": f"C{n:03d}",
                    "theme_id": theme_id,
                    "clean_text": text,
                    "created_at": pd.Timestamp("2026-11-17", tz="UTC"),
                    "channel": "chat",
                    "market": "UK",
                    "category": "home",
                    "order_stage": "processing",
                }
            )
    write_themes(pd.DataFrame(rows), folder)
    frame = pd.DataFrame(members)
    write_assignments(frame.assign(probability=0.9)[["contact_id", "theme_id", "probability"]], folder)
    write_members(frame.drop(columns=["theme_id"]), folder)
    if suggestions:
        pd.DataFrame(
            {
                "theme_id": [0, 1, 2, 4],
                "suggested_root_cause": ["cannot_cancel", "cannot_cancel", "cannot_cancel", "warranty_claim"],
                "suggested_confidence": [0.93, 0.91, 0.88, 0.55],
                "suggestion_source": ["taxonomy"] * 4,
                "confident": [True, True, True, False],
            }
        ).to_parquet(folder / "suggestions.parquet")
    return folder
