"""Theme discovery: themes found, described, deterministic, and stable ids across runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.preprocessing import FunctionTransformer

from nlp.discovery import DiscoveryConfig
from nlp.themes import ThemeModel, match_previous, relabel

IDENTITY = FunctionTransformer()  # no reduction: cluster the embeddings themselves
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
    model = ThemeModel(IDENTITY, min_theme_size=10).fit(X, texts)
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


@pytest.mark.slow  # UMAP compiles on its first fit
def test_same_seed_same_themes_with_the_default_umap_reducer():
    X, _, texts = blobs(n=200, centers=4, seed=3)
    a = ThemeModel(min_theme_size=10, random_state=7).fit(X, texts)
    b = ThemeModel(min_theme_size=10, random_state=7).fit(X, texts)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.themes_["keywords"].tolist() == b.themes_["keywords"].tolist()


def test_contacts_join_a_theme_only_when_similar_enough():
    X, _, _ = blobs()
    model = ThemeModel(IDENTITY, min_theme_size=10, outlier_threshold=0.7).fit(X)
    far = np.random.default_rng(0).normal(size=(5, X.shape[1]))  # random directions: near no theme
    labels, sims = model.assign(np.vstack([X[:20], far]))
    np.testing.assert_array_equal(labels[:20], model.labels_[:20])
    assert (sims[:20] >= 0.7).all()
    assert (labels[20:] == -1).all() and (sims[20:] == 0).all()


def test_large_input_is_fitted_on_a_sample_and_fully_assigned():
    X, y, _ = blobs(n=1200, seed=1)
    model = ThemeModel(IDENTITY, min_theme_size=10, fit_sample=300).fit(X)
    assert len(model.sample_index_) == 300
    assert len(model.labels_) == 1200 and (model.labels_ >= 0).mean() > 0.95
    assert pd.crosstab(model.labels_, y).gt(0).sum(axis=1).eq(1).all()  # each theme one blob


def test_config_is_validated():
    message = "ThemeModel: min_theme_size must be an int >= 2, got 1"
    with pytest.raises(ValueError, match=message):
        DiscoveryConfig(min_theme_size=1)
    with pytest.raises(ValueError, match=message):
        ThemeModel(min_theme_size=1).fit(np.eye(40, dtype=np.float32))
    with pytest.raises(ValueError, match="selection must be 'eom' or 'leaf', got 'best'"):
        ThemeModel(selection="best").fit(np.eye(40, dtype=np.float32))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="match_threshold"):
        DiscoveryConfig(match_threshold=2.0)


def test_theme_model_is_a_scikit_learn_estimator():
    X, _, texts = blobs()
    model = ThemeModel(IDENTITY, min_theme_size=10, n_groups=3, random_state=4)
    before = model.get_params()
    twin = clone(model)
    assert twin.get_params().keys() == before.keys()
    assert {k: v for k, v in twin.get_params().items() if k != "reducer"} == {
        k: v for k, v in before.items() if k != "reducer"
    }
    assert twin.reducer is not model.reducer and twin.reducer.get_params() == IDENTITY.get_params()
    model.fit(X, texts)
    assert model.get_params() == before  # fit learns into *_ attributes, never into its parameters
    assert model.reducer_ is not model.reducer and model.min_theme_size_ == 10
    np.testing.assert_array_equal(twin.fit(X, texts).labels_, model.labels_)
    assert ThemeModel().set_params(min_theme_size=30).min_theme_size == 30


def test_match_previous_keeps_ids_and_labels_and_flags_the_new_theme():
    centers, _ = make_blobs(n_samples=7, centers=7, n_features=32, random_state=5, center_box=(-10, 10))
    X1, y1 = make_blobs(n_samples=300, centers=centers[:6], n_features=32, cluster_std=0.6, random_state=1)
    X2, y2 = make_blobs(n_samples=350, centers=centers, n_features=32, cluster_std=0.6, random_state=2)
    week1 = ThemeModel(IDENTITY, min_theme_size=10).fit(X1)
    previous = week1.themes_.assign(theme_id=week1.themes_["theme_id"] + 100)
    previous["label"] = [f"cause {i}" for i in range(len(previous))]
    previous.attrs["next_theme_id"] = 200  # ids up to 199 were used once: never reuse them
    week2 = ThemeModel(IDENTITY, min_theme_size=10).fit(X2)

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
    themes = ThemeModel(IDENTITY, min_theme_size=10).fit(X).themes_
    matched = match_previous(themes, None)
    assert matched.themes["is_new"].all() and sorted(matched.id_map.values()) == list(range(len(themes)))


WEEK_TEMPLATES = {
    "late": [
        "where is my parcel, it is {d} days late",
        "my delivery is late by {d} days",
        "parcel still not delivered after {d} days",
        "the courier is {d} days late with my package",
    ],
    "refund": [
        "still waiting for my refund after {d} days",
        "refund not received {d} days after my return",
        "when will I get my money back, I returned it {d} days ago",
        "no refund yet for the return I sent",
    ],
    "size": [
        "wrong size, the shirt is too small",
        "the shoes are too big, I need a smaller size",
        "the size does not fit, far too tight",
        "ordered a medium but it fits like a small",
    ],
    "voucher": [
        "my discount code is rejected",
        "the voucher code does not work at checkout",
        "promo code says invalid",
        "coupon not applied to my basket total",
    ],
    "cancel": [
        "please cancel my order",
        "I want to cancel before it ships",
        "how do I cancel my purchase",
        "cancel the order I placed today",
    ],
}
INCIDENT = [
    "the app crashes when I open it",
    "app keeps crashing after the update",
    "the app closes itself on startup",
    "app crash every time I log in",
]
PREFIXES = ["", "hi, ", "hello, ", "urgent: "]
SUFFIXES = ["", " thanks", " please help", " this is annoying"]


def week(templates, n_per_theme, seed):
    """Texts of one week and the theme each was written from."""
    rng = np.random.default_rng(seed)
    texts, kinds = [], []
    for kind, options in templates.items():
        for _ in range(n_per_theme):
            text = options[rng.integers(len(options))].format(d=rng.integers(2, 30))
            texts.append(PREFIXES[rng.integers(4)] + text + SUFFIXES[rng.integers(4)])
            kinds.append(kind)
    return texts, np.array(kinds)


@pytest.mark.slow
def test_two_weeks_share_theme_ids_and_the_incident_is_new(embedder):
    week1, kinds1 = week(WEEK_TEMPLATES, 40, seed=1)
    week2, kinds2 = week({**WEEK_TEMPLATES, "incident": INCIDENT}, 40, seed=2)
    # 40 contacts per kind, themes of at least 25: a kind cannot split in two on any machine's BLAS.
    m1 = ThemeModel(min_theme_size=25, random_state=0).fit(embedder.encode(week1), week1)
    first = match_previous(m1.themes_, None)
    m2 = ThemeModel(min_theme_size=25, random_state=0).fit(embedder.encode(week2), week2)
    second = match_previous(m2.themes_, first.themes, threshold=0.7)
    labels1 = relabel(m1.labels_, first.id_map)
    labels2 = relabel(m2.labels_, second.id_map)

    assert len(first.themes) == 5
    new = second.themes[second.themes["is_new"]]
    assert len(new) == 1
    # The new theme is the incident, and holds most of it (as the weeks benchmark judges the planted
    # crash). On these few short templated texts, vectors that differ in the last float bits (batch
    # padding, cached or not, another CPU's kernels) move UMAP's layout: on some machines a third of
    # the incident folds into a returning theme beside voucher contacts it resembles.
    in_new = labels2 == new["theme_id"].iloc[0]
    assert (kinds2[in_new] == "incident").mean() > 0.9
    assert in_new[kinds2 == "incident"].mean() > 0.5
    assert {"app", "crash", "crashes", "crashing"} & set(" ".join(new["keywords"].iloc[0]).split())
    # week-1 themes are found again under their ids, holding the same kind of contact. MiniLM barely
    # separates the voucher phrasings from the others, so one theme may fold into a neighbour from
    # one machine's floating-point noise to another's; every other theme must come back.
    returned = [t for t in first.themes["theme_id"] if (labels2 == t).any()]
    assert len(returned) >= len(first.themes) - 1
    for theme_id in returned:
        kind1 = pd.Series(kinds1[labels1 == theme_id]).mode()[0]
        kind2 = pd.Series(kinds2[labels2 == theme_id]).mode()[0]
        assert kind1 == kind2


# --------------------------------------------------------------------------------------------
# Names and groups
# --------------------------------------------------------------------------------------------

PHRASES = [
    "parcel marked delivered but never received",
    "refund still not back on my card",
    "the jacket is far too small",
    "charged twice for one order",
    "return label will not print",
    "kettle stopped working after two days",
]
FILLERS = ["last week", "yesterday", "on monday", "again today", "this morning", "for my son"]


def test_every_theme_is_named_with_words_of_its_own_contacts():
    X, y, _ = blobs()
    rng = np.random.default_rng(0)
    texts = [f"{PHRASES[k]} {FILLERS[rng.integers(len(FILLERS))]}" for k in y]
    model = ThemeModel(IDENTITY, min_theme_size=10).fit(X, texts)
    names = model.themes_["name"].tolist()
    assert len(set(names)) == len(names) == 6
    for row in model.themes_.itertuples():
        members = " ".join(texts[i] for i in np.flatnonzero(model.labels_ == row.theme_id)).lower()
        words = row.name.lower().split()
        assert row.name[0].isupper() and 2 <= len(words) <= 8, row.name
        assert str(row.theme_id) not in words and not row.name.startswith("Theme")
        assert all(w in members for w in words), (row.name, members[:80])
        assert set(words) & set(" ".join(row.keywords[:3]).split()), (row.name, row.keywords)
    # Without texts there is nothing to name a theme with but its id.
    bare = ThemeModel(IDENTITY, min_theme_size=10).fit(X)
    assert bare.themes_["name"].tolist() == [f"Theme {t}" for t in bare.themes_["theme_id"]]


def test_groups_are_balanced_and_hold_near_duplicates_together():
    from nlp.themes import parent_groups

    rng = np.random.default_rng(1)
    families = rng.normal(size=(6, 48))
    # 6 families of 5 related themes, one theme with a near duplicate, and one loner.
    centroids = [families[f] + 0.6 * rng.normal(size=48) for f in range(6) for _ in range(5)]
    centroids.append(centroids[5] + 0.02 * rng.normal(size=48))
    centroids.append(rng.normal(size=48) * 1.5)
    X = np.stack(centroids)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    groups = np.array(parent_groups(X, n_groups=round(len(X) / 5)))
    sizes = np.bincount(groups)
    assert sizes.max() <= len(X) // 3  # no group holds most themes
    assert (sizes == 1).sum() <= 1  # no crowd of one-theme groups
    assert groups[5] == groups[30]  # near duplicates under one parent
    family = np.r_[np.repeat(np.arange(6), 5), 1, -1]
    together = [len(set(groups[family == f])) for f in range(6)]
    assert max(together) <= 2  # a family's themes stay in at most two groups
    assert groups[0] == 0  # numbered by their first (largest) theme


def test_theme_model_names_its_groups_after_a_member_theme():
    X, y, _ = blobs(n=400, centers=10, seed=2)
    texts = [f"{PHRASES[k % 6]} {FILLERS[k // 6]}" for k in y]
    themes = ThemeModel(IDENTITY, min_theme_size=10, group_size=3).fit(X, texts).themes_
    assert 2 <= themes["parent_id"].nunique() < len(themes)
    for _, group in themes.groupby("parent_id"):
        assert group["parent_name"].nunique() == 1
        assert group["parent_name"].iloc[0] in set(group["name"])
