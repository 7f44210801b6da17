"""Labelling effort on synthetic weeks with ground truth: analyst decisions and the labels they give.

Two weeks of ``voc data synth`` contacts (``--labelling-contacts`` each, 6,000 by default, seeds
``--labelling-seeds``, 21 and 22: weeks no setting was chosen on) go through ``voc discover``
(:func:`nlp.discovery.run_discovery`: boilerplate stripped, themes named and grouped, taxonomy and
catalogue suggestions). The analyst is simulated from the ground truth: a theme's true label is what
``voc data demo-label`` writes (the majority true root cause of its members, ``noise`` when none
holds 40% or most members are off the taxonomy).

**Decisions** (what an analyst must decide, per 6,000 contacts):

* ours: every confident suggestion is accepted a group at a time with the sheet's ``group_action =
  accept_suggestions``; that is one decision per group *and* suggested root cause (an analyst
  checking a group whose confident suggestions name two causes judges two things). Each theme
  without a confident suggestion is one decision (answered from the ground truth).
* peers: one decision per theme, every theme answered from the ground truth, on our themes and
  on the themes discovery made before this change (boilerplate kept, themes of at least 0.25% of
  the contacts; no suggestion existed in week 1 and the sheet had no group action).

**Accuracy** of the contact labels that result: each contact in a theme gets its theme's label
(accepted suggestion, or the ground-truth answer; noise = no label); it is right when it equals
the contact's true root cause, or when it has no label and the contact is off the taxonomy.
Contacts in no theme are left out of both (coverage is printed).

* **week 1** (no model yet): suggestions from the taxonomy only (zero-shot: descriptions and
  ``examples`` phrasings of ``data/taxonomy.yaml``, written by hand, not from the generator's
  phrase tables).
* **week 2**: discovery with ``--previous`` = week 1's labelled themes (carried labels and
  catalogue suggestions), plus the suggestions of a champion trained on week 1's resulting labels
  (as ``voc label dataset`` + ``voc train`` would: members weighted by membership probability).

``--labelling-tune`` runs two other weeks (seeds 11 and 12) and prints, per source, the lowest
confidence at which 90% of the suggestions name the theme's true label: the thresholds in
:mod:`nlp.suggest` and :mod:`training.labelling.active_learning` were chosen that way. The other
settings (themes of at least 0.5% of the contacts, groups of about 4 themes, the profile's
temperature) were explored on the ``make demo`` data (seed 7). Neither seed is measured here.
Embeddings are cached (``--cache``, default the workspace's), so a second run takes minutes, not
the first run's embedding time (about 20 minutes per week on 2 busy cores).
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PRECISION_TARGET = 0.90
TUNE_SEEDS = (11, 12)
MEMBERS_PER_THEME = 200  # members the model looks at per theme, as `voc label export`


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("labelling")
    group.add_argument("--labelling-contacts", type=int, default=6000, help="labelling: contacts per week")
    group.add_argument(
        "--labelling-seeds", type=int, nargs=2, default=(21, 22), help="labelling: synth seeds of weeks 1, 2"
    )
    group.add_argument(
        "--labelling-tune", action="store_true", help="labelling: choose thresholds on seeds 11, 12"
    )


@dataclass
class Week:
    """One week through discovery, with its ground truth."""

    seed: int
    contacts: pd.DataFrame
    themes: pd.DataFrame
    suggestions: pd.DataFrame
    assignments: pd.DataFrame
    truth: pd.Series  # contact_id -> true root cause (None off the taxonomy)
    theme_truth: dict[int, str | None]  # theme id -> what the analyst answers (None = noise)
    clean: pd.Series | None = None  # contact_id -> redacted clean_text, once prepared


def run(args: argparse.Namespace) -> dict[str, Any]:
    n = args.labelling_contacts
    seeds = TUNE_SEEDS if args.labelling_tune else tuple(args.labelling_seeds)
    with tempfile.TemporaryDirectory(prefix="voc-bench-labelling-") as tmp:
        root = Path(tmp)
        workspace = _workspace(root, getattr(args, "cache", None))
        week1 = _week(seeds[0], n, root, workspace, previous=None)
        labels1 = _final_labels(week1, _best(week1.suggestions))
        previous = week1.themes.assign(label=week1.themes["theme_id"].map(labels1))
        week2 = _week(seeds[1], n, root, workspace, previous=previous[previous["label"].notna()])
        model = _train(week1, labels1, workspace)
        from_model = _model_suggestions(model, week2)
        if not args.labelling_tune:
            before = [_today(name, week, workspace) for name, week in (("week 1", week1), ("week 2", week2))]
    suggestions2 = pd.concat([week2.suggestions, from_model[week2.suggestions.columns]], ignore_index=True)
    if args.labelling_tune:
        return _tune(week1, week2, suggestions2)
    rows = []
    for name, week, best, previous_run in (
        ("week 1", week1, _best(week1.suggestions), before[0]),
        ("week 2", week2, _best(suggestions2), before[1]),
    ):
        method = "zero-shot taxonomy" if name == "week 1" else "catalogue + model + taxonomy"
        ours = _measure(name, f"ours: {method}, by group", week, best, n)
        peers = [_measure(name, "peer: one decision per theme", week, {}, n), previous_run]
        for peer in peers:
            peer["decisions / peer"] = ours["decisions_per_6000"] / peer["decisions_per_6000"]
            peer["accuracy: ours - peer"] = ours["accuracy"] - peer["accuracy"]
        rows += [ours, *peers]
    by_source = _by_source(week1, week1.suggestions, "week 1") + _by_source(week2, suggestions2, "week 2")
    return {
        "title": f"labelling: analyst decisions and label accuracy, synthetic weeks (seeds {seeds})",
        "rows": rows,
        "extra_tables": {"confident suggestions by source (theme-level precision)": by_source},
        "notes": [
            "decisions: a group's confident suggestions naming one root cause = 1 decision; "
            "each theme without a confident suggestion = 1 decision (see benchmarks/labelling.py)",
            "accuracy over the contacts in themes: label = accepted suggestion or ground-truth answer; "
            "noise counts right for off-taxonomy contacts",
            "goal: at most 44 decisions per 6,000 contacts (a third of the 133 themes of issue 13)",
            "ratios on each peer's row: ours / that peer (decisions), ours - that peer (accuracy)",
        ],
    }


# -------------------------------------------------------------------------------------------
def _workspace(root: Path, cache: Path | None) -> Any:
    """A scratch workspace (MLflow runs of the benchmark stay out of the user's) with a lasting cache."""
    from voc.workspace import Workspace

    lasting = Path(cache) if cache else Workspace.resolve().embedding_cache
    lasting.mkdir(parents=True, exist_ok=True)
    workspace = Workspace(root / "ws")
    workspace.embedding_cache.parent.mkdir(parents=True, exist_ok=True)
    workspace.embedding_cache.symlink_to(lasting.resolve(), target_is_directory=True)
    return workspace


def _week(seed: int, n: int, root: Path, workspace: Any, previous: pd.DataFrame | None) -> Week:
    from nlp.discovery import DiscoveryConfig, run_discovery
    from voc.contracts.themes import read_assignments
    from voc.synth.demo_labels import majority_labels
    from voc.synth.generate import SynthConfig, generate

    data = generate(SynthConfig(contacts=n, seed=seed))
    path = root / f"contacts-{seed}.parquet"
    data.contacts.to_parquet(path, index=False)
    out = root / f"themes-{seed}"
    result = run_discovery(
        path, out, workspace, DiscoveryConfig(seed=0), previous_themes=previous, experiment="bench-labelling"
    )
    truth = data.ground_truth.set_index("contact_id")["root_cause"]
    truth = truth.where(data.ground_truth.set_index("contact_id")["in_taxonomy"].astype(bool), None)
    assignments = read_assignments(out)
    return Week(
        seed=seed,
        contacts=data.contacts,
        themes=result.themes,
        suggestions=result.suggestions,
        assignments=assignments,
        truth=truth,
        theme_truth=majority_labels(assignments, truth),
    )


def _best(suggestions: pd.DataFrame) -> dict[int, str]:
    """Theme id -> its best confident suggestion (themes without one left out)."""
    from voc.contracts.themes import best_suggestions

    best = best_suggestions(suggestions)
    best = best[best["confident"]]
    return dict(zip(best["theme_id"].astype(int), best["suggested_root_cause"].astype(str), strict=True))


def _final_labels(week: Week, accepted: dict[int, str]) -> dict[int, str | None]:
    """Each theme's label once the analyst is done: the accepted suggestion, else their answer."""
    return {int(t): accepted.get(int(t), week.theme_truth.get(int(t))) for t in week.themes["theme_id"]}


def decisions(themes: pd.DataFrame, accepted: dict[int, str]) -> int:
    """Analyst decisions for ``themes`` when the confident suggestions ``accepted`` are taken by group.

    One per (group, suggested root cause) among the themes with a confident suggestion, plus one
    per theme without one.
    """
    total = 0
    for _, group in themes.groupby(themes["parent_id"].fillna(-1), sort=False):
        ids = [int(t) for t in group["theme_id"]]
        total += len({accepted[t] for t in ids if t in accepted})
        total += sum(1 for t in ids if t not in accepted)
    return total


def label_accuracy(week: Week, labels: dict[int, str | None]) -> float:
    """Share of the contacts in themes whose theme label is their true root cause (or both none)."""
    members = week.assignments[week.assignments["theme_id"] >= 0]
    predicted = members["theme_id"].map(labels)
    true = members["contact_id"].map(week.truth)
    right = (predicted.isna() & true.isna()) | (predicted == true)
    return float(right.mean())


def _measure(week_name: str, method: str, week: Week, accepted: dict[int, str], n: int) -> dict[str, Any]:
    made = decisions(week.themes, accepted)
    return {
        "week": week_name,
        "method": method,
        "themes": len(week.themes),
        "groups": int(week.themes["parent_id"].nunique()),
        "confident themes": len(accepted),
        "decisions": made,
        "decisions_per_6000": made * 6000 / n,
        "accuracy": label_accuracy(week, _final_labels(week, accepted)),
        "coverage": float((week.assignments["theme_id"] >= 0).mean()),
    }


def _by_source(week: Week, suggestions: pd.DataFrame, week_name: str) -> list[dict[str, Any]]:
    rows = []
    for source, group in suggestions.groupby("suggestion_source"):
        confident = group[group["confident"]]
        pairs = zip(confident["theme_id"], confident["suggested_root_cause"], strict=True)
        right = [week.theme_truth.get(int(t)) == c for t, c in pairs]
        rows.append(
            {
                "week": week_name,
                "source": str(source),
                "themes suggested": len(group),
                "confident": len(confident),
                "precision": float(np.mean(right)) if right else float("nan"),
            }
        )
    return rows


def _clean(week: Week) -> pd.Series:
    """contact_id -> redacted clean_text of every contact of ``week`` (prepared once)."""
    from nlp.prepare import prepare_contacts

    if week.clean is None:
        prepared = prepare_contacts(week.contacts)
        week.clean = pd.Series(prepared["clean_text"].to_numpy(), index=week.contacts["contact_id"])
    return week.clean


def _today(name: str, week: Week, workspace: Any) -> dict[str, Any]:
    """The peer before this change: themes of the whole clean_text (boilerplate kept), of at least
    0.25% of the contacts, one decision each, answered from the ground truth."""
    from nlp.embed import EmbedConfig, Embedder
    from nlp.themes import ThemeModel
    from voc.synth.demo_labels import majority_labels

    clean = _clean(week)
    embedder = Embedder(EmbedConfig(cache_dir=workspace.embedding_cache, show_progress=False))
    model = ThemeModel(min_theme_share=0.0025, random_state=0).fit(
        embedder.encode(clean.tolist()), clean.tolist()
    )
    assignments = pd.DataFrame({"contact_id": clean.index, "theme_id": model.labels_})
    before = Week(
        seed=week.seed,
        contacts=week.contacts,
        themes=model.themes_,
        suggestions=week.suggestions.iloc[0:0],
        assignments=assignments,
        truth=week.truth,
        theme_truth=majority_labels(assignments, week.truth),
    )
    measured = _measure(
        "", "peer: before (no boilerplate stripping, 0.25%), per theme", before, {}, len(clean)
    )
    measured["week"] = (
        "week 1" if week.suggestions["suggestion_source"].eq("catalogue").sum() == 0 else "week 2"
    )
    measured["groups"] = None
    return measured


def _train(week: Week, labels: dict[int, str | None], workspace: Any) -> Any:
    """The champion of week 1: trained on its contacts with their themes' final labels."""
    from nlp.embed import EmbedConfig, Embedder
    from training.config import TrainConfig
    from training.dataset import TrainingSet
    from training.train import train_classifier
    from voc.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    members = week.assignments[week.assignments["theme_id"] >= 0]
    members = members.assign(label=members["theme_id"].map(labels)).dropna(subset=["label"])
    contacts = week.contacts.set_index("contact_id").loc[members["contact_id"]].reset_index()
    clean = _clean(week).loc[members["contact_id"]].to_numpy()
    frame = pd.DataFrame(
        {
            "contact_id": members["contact_id"].to_numpy(),
            "clean_text": clean,
            "label": members["label"].to_numpy(),
            "family": [taxonomy.family_of(label) for label in members["label"]],
            "channel": contacts["channel"].to_numpy(),
            "weight": members["probability"].clip(lower=0.05).to_numpy(),
        }
    )
    counts = frame["label"].value_counts()
    frame = frame[frame["label"].isin(counts[counts >= 5].index)].reset_index(drop=True)
    embedder = Embedder(EmbedConfig(cache_dir=workspace.embedding_cache, show_progress=False))
    training = TrainingSet(frame=frame, families={rc.id: rc.family for rc in taxonomy.root_causes})
    return train_classifier(training, TrainConfig(), embedder=embedder).model


def _model_suggestions(model: Any, week: Week) -> pd.DataFrame:
    """The champion's suggestion per theme of ``week``, from up to 200 members each."""
    from training.labelling.active_learning import theme_suggestions
    from training.labelling.review import sample_members

    picked = sample_members(week.assignments, MEMBERS_PER_THEME, seed=0)
    decided = model.decide(_clean(week).loc[picked["contact_id"]].tolist())
    return theme_suggestions(decided.assign(theme_id=picked["theme_id"].to_numpy()))


def _tune(week1: Week, week2: Week, suggestions2: pd.DataFrame) -> dict[str, Any]:
    """Per source, the lowest confidence at which 90% of suggestions name the true label."""
    from training.abstention import choose_threshold

    pooled = []
    for week, suggestions in ((week1, week1.suggestions), (week2, suggestions2)):
        right = [
            week.theme_truth.get(int(t)) == c
            for t, c in zip(suggestions["theme_id"], suggestions["suggested_root_cause"], strict=True)
        ]
        pooled.append(suggestions.assign(right=right))
    table = pd.concat(pooled, ignore_index=True)
    rows = []
    for source, group in table.groupby("suggestion_source"):
        threshold = choose_threshold(
            group["suggested_confidence"].to_numpy(), group["right"].to_numpy(), PRECISION_TARGET
        )
        chosen = group[group["suggested_confidence"] >= threshold]
        rows.append(
            {
                "source": str(source),
                "themes": len(group),
                "threshold (90% precision)": threshold,
                "confident at it": len(chosen),
                "precision at it": float(chosen["right"].mean()) if len(chosen) else float("nan"),
                "precision of all": float(group["right"].mean()),
            }
        )
    return {
        "title": f"labelling --labelling-tune: thresholds on seeds {TUNE_SEEDS}",
        "rows": rows,
        "suggestions": table.to_dict("records"),  # kept by --json, to study other rules offline
    }
