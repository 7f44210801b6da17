"""A tiny workspace for the app's tests: a discovery run a person can check by eye.

Five themes in two groups: group 0 holds three cancellation themes (two near-duplicates about the
greyed-out cancel button, one about a stuck request) that the taxonomy suggests confidently as
``cannot_cancel``; group 3 holds a gift-card theme (off-taxonomy) and a warranty theme whose
members say "gift" and "card" apart but never "gift card". One member pastes a ``<script>``.

:func:`write_tagged` adds seven weeks of tagged contacts and orders for the dashboard, with counts
chosen to check by hand: per week and market, 10 ``refund_not_received`` and 5 ``cannot_cancel``,
except the last week in UK, where ``cannot_cancel`` jumps to 30; 100 orders a day per market.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from voc.contracts.themes import write_assignments, write_members, write_themes

# What a hostile customer pastes: it must show as text, never run.
PAYLOAD = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'
WEEKS = pd.date_range("2026-10-05", periods=7, freq="W-MON", tz="UTC")  # 2026-W41 .. 2026-W47

THEMES = [
    # theme_id, parent_id, name, keywords, member texts
    (
        0,
        0,
        "Cancel button greyed out",
        ["cancel button", "greyed"],
        [
            "the cancel button is greyed out on my order",
            "cannot press cancel, the button is greyed out",
            "cancel button grey, order still processing " + PAYLOAD,
        ],
    ),
    (
        1,
        0,
        "Cancel option missing in app",
        ["cancel option", "app"],
        [
            "no cancel option in the app for my order",
            "the app has no cancel option anymore",
        ],
    ),
    (
        2,
        0,
        "Cancellation request stuck pending",
        ["pending", "cancellation request"],
        [
            "my cancellation request is stuck pending for days",
            "cancellation still pending, please help",
        ],
    ),
    (
        3,
        3,
        "Gift card balance missing",
        ["gift card", "balance"],
        [
            "my gift card balance disappeared",
            "gift card balance shows zero after the order",
            "where is the balance of my gift card",
        ],
    ),
    (
        4,
        3,
        "Warranty claim for broken kettle",
        ["warranty", "kettle"],
        [
            "the kettle broke, a gift from my aunt; is the warranty card enough",
            "warranty claim for the kettle, the card in the box says two years",
        ],
    ),
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


def write_tagged(folder: Path) -> tuple[Path, Path]:
    """Tagged contacts and orders (see the module docstring); the two paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rows, n = [], 0
    for k, week in enumerate(WEEKS):
        for market in ("UK", "DE"):
            counts = {"refund_not_received": 10, "cannot_cancel": 30 if (k == 6 and market == "UK") else 5}
            for cause, count in counts.items():
                for i in range(count):
                    n += 1
                    text = f"{cause.replace('_', ' ')} for order {i}"
                    if n == 1 or (cause == "cannot_cancel" and k == 6 and i == 0 and market == "UK"):
                        text += " " + PAYLOAD
                    rows.append(
                        {
                            "contact_id": f"T{n:05d}",
                            "root_cause": cause,
                            "family": "cancellation" if cause == "cannot_cancel" else "refund",
                            "confidence": 0.9,
                            "needs_review": i % 5 == 0,
                            "model_name": "root-cause",
                            "model_version": "1",
                            "created_at": week + pd.Timedelta(days=i % 7, hours=10),
                            "channel": "chat" if i % 2 else "email",
                            "market": market,
                            "category": "home" if i % 3 else "fashion",
                            "order_stage": "processing" if cause == "cannot_cancel" else "returned",
                            "csat": 2 if cause == "cannot_cancel" else 3,
                            "nps": 2 if cause == "cannot_cancel" else 6,
                            "escalated": i % 4 == 0,
                            "clean_text": text,
                            "order_key": f"k{n // 2:05d}",  # every two contacts share an order
                        }
                    )
    tagged = folder / "tagged.parquet"
    pd.DataFrame(rows).to_parquet(tagged)
    days = pd.date_range(WEEKS[0], WEEKS[-1] + pd.Timedelta(days=6), freq="D")
    orders = pd.DataFrame(
        [
            {"date": d.tz_convert(None).normalize(), "market": m, "category": c, "orders": 50}
            for d in days
            for m in ("UK", "DE")
            for c in ("home", "fashion")
        ]
    )
    orders_path = folder / "orders.parquet"
    orders.to_parquet(orders_path)
    return tagged, orders_path
