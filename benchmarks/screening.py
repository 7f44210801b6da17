"""Uninformative contacts: how the content-word threshold is chosen, and what it flags.

The threshold is chosen on synthetic contacts, all of which name a cause: the largest
``min_content_words`` that flags at most 0.5% of them (:data:`FALSE_FLAG_BUDGET`). It is then
scored on what it was not chosen on: hand-written survey remarks (:data:`REMARKS`, the kind
"Very good", "Ok" and "Issue not resolved pathetic service" that real post-contact surveys hold)
and the Bitext customer-service utterances (each names an intent, so each flag is a false one).
The peer, in the same run: a length rule (fewer than N words), N chosen the same way.

Run alone: ``python -m benchmarks --only screening [--bitext DIR]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FALSE_FLAG_BUDGET = 0.005
DEFAULT_BITEXT = Path("../shared/data/bitext")

# Hand-written for this benchmark, in the style of free-text answers to a post-contact survey.
REMARKS = (
    "Very good",
    "Ok",
    "ok",
    "Good",
    "Excellent",
    "Excellent service",
    "Great service, thanks",
    "Thanks!",
    "Thank you very much",
    "Fine",
    "Bad",
    "Terrible",
    "Very bad service",
    "Poor",
    "Pathetic",
    "Issue not resolved pathetic service",
    "Problem not solved",
    "Not happy",
    "Not resolved",
    "Useless",
    "Rubbish service",
    "Quick and easy",
    "Fast response",
    "Slow response",
    "Very helpful",
    "Not helpful at all",
    "Agent was rude",
    "Friendly staff",
    "Good experience overall",
    "Worst experience ever",
    "N/A",
    "na",
    "-",
    "...",
    "no",
    "yes",
    "Nothing",
    "none",
    "5 stars",
    "10/10",
    "Satisfied",
    "Disappointed",
    "Could be better",
    "All good",
    "Perfect, thank you",
    "Nice",
    "Awesome",
    "Meh",
    "Really poor support",
    "Absolutely shocking",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("screening")
    group.add_argument(
        "--screening-contacts", type=int, default=4000, help="screening: synthetic contacts to choose on"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from nlp.prepare import prepare_contacts
    from nlp.screen import MIN_CONTENT_WORDS, content_words
    from voc.synth.generate import SynthConfig, generate

    n = int(getattr(args, "screening_contacts", 4000))
    data = generate(SynthConfig(contacts=n, seed=29, foreign_share=0.0))
    informative = prepare_contacts(data.contacts)["clean_text"].astype(str).tolist()
    bitext = _bitext(Path(getattr(args, "bitext", DEFAULT_BITEXT)))
    remarks = prepare_contacts(pd.DataFrame({"text": list(REMARKS), "channel": "review"}))
    remark_texts = remarks["clean_text"].astype(str).tolist()

    def words(text: str) -> int:
        return len(text.split())

    rules: dict[str, Callable[[str], int]] = {"ours: content words": content_words, "peer: words": words}
    rows = []
    for name, count in rules.items():
        counts = np.array([count(t) for t in informative])
        chosen = _choose(counts)
        row = {"rule": name, f"chosen N (flag if < N, <= {FALSE_FLAG_BUDGET:.1%} of synthetic)": chosen}
        row["synthetic flagged"] = float((counts < chosen).mean())
        row["remarks flagged"] = float(np.mean([count(t) < chosen for t in remark_texts]))
        if bitext is not None:
            row["Bitext flagged"] = float(np.mean([count(t) < chosen for t in bitext]))
        rows.append(row)
    missed = [t for t in remark_texts if content_words(t) >= MIN_CONTENT_WORDS]
    notes = [
        f"{len(informative):,} synthetic contacts (seed 29, English), {len(REMARKS)} hand-written "
        f"remarks, {len(bitext) if bitext is not None else 0:,} Bitext utterances",
        f"nlp.screen.MIN_CONTENT_WORDS = {MIN_CONTENT_WORDS}; ours chose {rows[0][list(rows[0])[1]]} here",
        f"remarks ours leaves to the classifier: {missed}",
    ]
    if bitext is None:
        notes.append("Bitext not found: pass --bitext DIR (read in place)")
    return {"title": "Uninformative contacts", "rows": rows, "notes": notes}


def _choose(counts: np.ndarray) -> int:
    """Largest N such that at most FALSE_FLAG_BUDGET of ``counts`` are below N."""
    chosen = 0
    for n in range(1, int(counts.max()) + 1):
        if (counts < n).mean() > FALSE_FLAG_BUDGET:
            break
        chosen = n
    return chosen


def _bitext(folder: Path) -> list[str] | None:
    path = folder / "bitext_customer_service_8k.csv"
    if not path.is_file():
        return None
    return pd.read_csv(path, encoding="utf-8-sig")["utterance"].astype(str).tolist()
