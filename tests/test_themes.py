"""Theme discovery: themes found, described, deterministic, and stable ids across runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from nlp.themes import ThemeConfig, ThemeModel, match_previous, relabel

WORDS = ["refund", "parcel", "courier", "voucher", "password", "invoice"]


def blobs(n=300, centers=None, seed=0, dim=32):
    """Unit-normalised blobs and a templated text per point naming its blob's word."""
    centers = 6 if centers is None else centers
    X, y = make_blobs(n_samples=n, centers=centers, n_features=dim, cluster_std=0.6, random_state=seed)
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    texts = [f"problem with my {WORDS[k % len(WORDS)]} number {i % 7}" for i, k in enumerate(y)]
    return X, y, texts


def test_finds_the_blobs_with_keywords_exemplars_and_parents():
    X, _, texts = blobs()
    model = ThemeModel(reducer="none", min_theme_size=10).fit(X, texts)
    themes = model.themes_
    assert len(themes) == 6
    assert (model.labels_ >= 0).mean() >= 0.95
    assert list(themes["theme_id"]) == list(range(6)) and themes["size"].is_monotonic_decreasing
    for row in themes.itertuples():
        word = texts[np.flatnonzero(model.labels_ == row.theme_id)[0]].split()[3]
        assert any(word in k for k in row.keywords[:3])
        assert 1 <= len(row.exemplars) <= 5 and len(set(row.exemplars)) == len(row.exemplars)
        assert all(word in e for e in row.exemplars)
        assert np.isclose(np.linalg.norm(row.centroid), 1.0, atol=1e-4)
    assert 2 <= themes["parent_id"].nunique() < len(themes)


def test_same_seed_same_themes_with_the_default_umap_reducer():
    X, _, texts = blobs(n=200, centers=4, seed=3)
    a = ThemeModel(min_theme_size=10, random_state=7).fit(X, texts)
    b = ThemeModel(min_theme_size=10, random_state=7).fit(X, texts)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.themes_["keywords"].tolist() == b.themes_["keywords"].tolist()


def test_contacts_join_a_theme_only_when_similar_enough():
    X, _, _ = blobs()
    model = ThemeModel(reducer="none", min_theme_size=10, outlier_threshold=0.7).fit(X)
    far = np.random.default_rng(0).normal(size=(5, X.shape[1]))  # random directions: near no theme
    labels, sims = model.assign(np.vstack([X[:20], far]))
    np.testing.assert_array_equal(labels[:20], model.labels_[:20])
    assert (sims[:20] >= 0.7).all()
    assert (labels[20:] == -1).all() and (sims[20:] == 0).all()


def test_large_input_is_fitted_on_a_sample_and_fully_assigned():
    X, y, _ = blobs(n=1200, seed=1)
    model = ThemeModel(reducer="none", min_theme_size=10, fit_sample=300).fit(X)
    assert len(model.sample_index_) == 300
    assert len(model.labels_) == 1200 and (model.labels_ >= 0).mean() > 0.95
    assert pd.crosstab(model.labels_, y).gt(0).sum(axis=1).eq(1).all()  # each theme one blob


def test_config_is_validated():
    with pytest.raises(ValueError, match="min_theme_size"):
        ThemeConfig(min_theme_size=1)
    with pytest.raises(ValueError, match="selection"):
        ThemeModel(selection="best").fit(np.eye(40, dtype=np.float32))  # type: ignore[arg-type]


def test_match_previous_keeps_ids_and_labels_and_flags_the_new_theme():
    centers, _ = make_blobs(n_samples=7, centers=7, n_features=32, random_state=5, center_box=(-10, 10))
    X1, y1 = make_blobs(n_samples=300, centers=centers[:6], n_features=32, cluster_std=0.6, random_state=1)
    X2, y2 = make_blobs(n_samples=350, centers=centers, n_features=32, cluster_std=0.6, random_state=2)
    week1 = ThemeModel(reducer="none", min_theme_size=10).fit(X1)
    previous = week1.themes_.assign(theme_id=week1.themes_["theme_id"] + 100)
    previous["label"] = [f"cause {i}" for i in range(len(previous))]
    previous.attrs["next_theme_id"] = 200  # ids up to 199 were used once: never reuse them
    week2 = ThemeModel(reducer="none", min_theme_size=10).fit(X2)

    matched = match_previous(week2.themes_, previous, threshold=0.8)
    themes = matched.themes
    assert themes["is_new"].sum() == 1
    new = themes[themes["is_new"]].iloc[0]
    assert new["theme_id"] == 200 and new["label"] is None
    old = themes[~themes["is_new"]]
    assert set(old["theme_id"]) == set(previous["theme_id"])
    labels = relabel(week2.labels_, matched.id_map)
    for theme_id, label in zip(previous["theme_id"], previous["label"], strict=True):
        assert old.set_index("theme_id").loc[theme_id, "label"] == label
        blob1 = pd.Series(y1[week1.labels_ + 100 == theme_id]).mode()[0]
        blob2 = pd.Series(y2[labels == theme_id]).mode()[0]
        assert np.allclose(centers[:6][blob1], centers[blob2])  # same blob keeps the same id
    assert themes.attrs["next_theme_id"] == 201


def test_without_previous_every_theme_is_new():
    X, _, _ = blobs()
    themes = ThemeModel(reducer="none", min_theme_size=10).fit(X).themes_
    matched = match_previous(themes, None)
    assert matched.themes["is_new"].all() and sorted(matched.id_map.values()) == list(range(len(themes)))


WEEK_TEMPLATES = {
    "late": [
        "my parcel is {d} days late",
        "the delivery has not arrived after {d} days",
        "still waiting for my package, {d} days now",
    ],
    "refund": [
        "I returned the shoes {d} days ago and have no refund",
        "where is my refund, it has been {d} days",
        "refund not received {d} days after the return",
    ],
    "size": [
        "the jacket was too small so I sent it back",
        "wrong size, the dress is too big",
        "the trousers do not fit, size is off",
    ],
    "voucher": [
        "my discount code does not work at checkout",
        "the voucher was rejected when I paid",
        "promo code says invalid",
    ],
    "cancel": [
        "please cancel my order before it ships",
        "I want to cancel the order I placed today",
        "how do I cancel my purchase",
    ],
}
INCIDENT = [
    "the app crashes when I open my basket",
    "app keeps crashing on the basket page",
    "basket screen crashes the app every time",
]


def week(templates, n_per_theme, seed):
    rng = np.random.default_rng(seed)
    texts = []
    for options in templates.values():
        for _ in range(n_per_theme):
            texts.append(options[rng.integers(len(options))].format(d=rng.integers(2, 30)))
    return texts


@pytest.mark.slow
def test_two_weeks_share_theme_ids_and_the_incident_is_new(embedder):
    week1 = week(WEEK_TEMPLATES, 30, seed=1)
    week2 = week({**WEEK_TEMPLATES, "incident": INCIDENT}, 30, seed=2)
    m1 = ThemeModel(min_theme_size=8, random_state=0).fit(embedder.encode(week1), week1)
    first = match_previous(m1.themes_, None)
    m2 = ThemeModel(min_theme_size=8, random_state=0).fit(embedder.encode(week2), week2)
    second = match_previous(m2.themes_, first.themes, threshold=0.8)
    labels2 = relabel(m2.labels_, second.id_map)

    assert len(first.themes) >= 5
    new = second.themes[second.themes["is_new"]]
    assert len(new) == 1
    incident_rows = [i for i, t in enumerate(week2) if "app" in t]
    assert (labels2[incident_rows] == new["theme_id"].iloc[0]).mean() > 0.9
    assert "app" in " ".join(new["keywords"].iloc[0]) or "crash" in " ".join(new["keywords"].iloc[0])
    # every week-1 theme is found again under its id, holding the same kind of contact
    labels1 = relabel(m1.labels_, first.id_map)
    for theme_id in first.themes["theme_id"]:
        kind1 = pd.Series([t.split()[1] for t, lab in zip(week1, labels1, strict=True) if lab == theme_id])
        kind2 = pd.Series([t.split()[1] for t, lab in zip(week2, labels2, strict=True) if lab == theme_id])
        assert len(kind2) and kind1.mode()[0] == kind2.mode()[0]
