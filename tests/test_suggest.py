"""Root-cause suggestions before any model: zero-shot from the taxonomy, and from labelled themes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nlp.embed import Embedder
from nlp.suggest import (
    CATALOGUE_THRESHOLD,
    TAXONOMY_THRESHOLD,
    catalogue_suggestions,
    cause_profiles,
    taxonomy_suggestions,
)
from voc.contracts.themes import SUGGESTION_COLUMNS
from voc.taxonomy import load_taxonomy

# Written for this test: none of it is in the taxonomy's examples or the generator's phrase tables.
THEMES = {
    1: [
        "the app says my parcel arrived on tuesday but there was nothing on the doorstep",
        "courier app shows handed to resident, nobody here got anything",
        "status is delivered, I have checked with every neighbour, no box anywhere",
        "marked as delivered at 2pm while I was home all afternoon, no parcel",
        "delivery confirmation with a photo of a door that isn't mine",
    ],
    2: [
        "the boots pinch my toes, I need them a size bigger",
        "trousers are far too long in the leg even though I picked my usual size",
        "this coat is tiny across the shoulders, please swap for a large",
        "the dress is so loose it slides off, want the smaller one",
    ],
}


def _theme_vectors(embedder: Embedder) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    members = {t: embedder.encode(texts) for t, texts in THEMES.items()}
    centroids = {t: m.mean(axis=0) / np.linalg.norm(m.mean(axis=0)) for t, m in members.items()}
    return centroids, members


def test_zero_shot_names_the_cause_of_a_clear_theme_confidently(embedder: Embedder) -> None:
    taxonomy = load_taxonomy()
    centroids, members = _theme_vectors(embedder)
    profiles = cause_profiles(centroids, members, taxonomy, embedder.encode)
    for profile in profiles.values():
        assert profile.shape == (len(taxonomy.ids),) and np.isclose(profile.sum(), 1.0)
    suggestions = taxonomy_suggestions(profiles, taxonomy).set_index("theme_id")
    assert list(suggestions.reset_index().columns) == list(SUGGESTION_COLUMNS)
    assert suggestions.loc[1, "suggested_root_cause"] == "lost_parcel"
    assert suggestions.loc[2, "suggested_root_cause"] == "wrong_size_fit"
    assert (suggestions["suggested_confidence"] >= TAXONOMY_THRESHOLD).all()
    assert suggestions["confident"].all() and set(suggestions["suggestion_source"]) == {"taxonomy"}


def test_without_examples_the_descriptions_alone_still_rank_the_cause_first(embedder: Embedder) -> None:
    from dataclasses import replace

    taxonomy = load_taxonomy()
    bare = replace(taxonomy, root_causes=tuple(replace(rc, examples=()) for rc in taxonomy.root_causes))
    centroids, members = _theme_vectors(embedder)
    suggestions = taxonomy_suggestions(cause_profiles(centroids, members, bare, embedder.encode), bare)
    assert suggestions.set_index("theme_id").loc[1, "suggested_root_cause"] == "lost_parcel"


def test_catalogue_suggests_the_label_of_the_most_similar_labelled_theme() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=16), rng.normal(size=16)
    labelled = pd.DataFrame(
        {"theme_id": [10, 11, 12], "centroid": [a, b, -a], "label": ["lost_parcel", "charged_twice", None]}
    )
    near_a = a + 0.1 * rng.normal(size=16)
    elsewhere = b + 1.5 * rng.normal(size=16)  # like nothing labelled, closest to b
    suggestions = catalogue_suggestions({1: near_a, 2: elsewhere}, labelled).set_index("theme_id")
    assert suggestions["suggested_root_cause"].to_dict() == {1: "lost_parcel", 2: "charged_twice"}
    assert suggestions.loc[1, "suggested_confidence"] > 0.95 and suggestions.loc[1, "confident"]
    assert suggestions.loc[2, "suggested_confidence"] < CATALOGUE_THRESHOLD
    assert not suggestions.loc[2, "confident"]
    assert catalogue_suggestions({1: near_a}, None).empty
    assert catalogue_suggestions({1: near_a}, labelled.assign(label=None)).empty
