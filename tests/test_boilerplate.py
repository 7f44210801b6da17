"""Channel boilerplate (greetings, call openers, fillers, sign-offs) makes no theme of its own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import FunctionTransformer

from nlp.boilerplate import is_empty, strip_boilerplate
from nlp.embed import Embedder


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("hi yeah im calling about my order the lid is cracked no thats all bye", "the lid is cracked"),
        (
            "hiya my name is [NAME] i'm calling about my order yeah its [ORDER_ID] you know it never came",
            "it never came",
        ),
        ("Hi team, my refund never arrived. Thanks in advance!", "my refund never arrived."),
        ("Good morning, hope you're well. The zip broke. No, that's all, thanks.", "The zip broke."),
        (
            "Quick question. Does it come with a UK plug? Thanks for any info. No thanks.",
            "Does it come with a UK plug?",
        ),
        (
            "I'd like to return it, it's too big. Please send the next size up. no",
            "I'd like to return it, it's too big. Please send the next size up.",
        ),
    ],
)
def test_boilerplate_goes_and_the_cause_stays(text: str, kept: str) -> None:
    assert strip_boilerplate(text) == kept


def test_a_contact_of_nothing_but_boilerplate_is_empty() -> None:
    for text in (
        "hello im calling about my order no thank you",
        "oh hi its [NAME] here ive got a question yeah no thats it thanks bye",
        "Hi, thanks for contacting us. Kind regards",
    ):
        assert is_empty(strip_boilerplate(text)), strip_boilerplate(text)
    assert not is_empty(strip_boilerplate("hi yeah the parcel is late"))


CAUSES = [
    "my parcel is {d} days late and tracking has not moved",
    "I returned the shoes {d} days ago and still have no refund",
    "the kettle stopped working after {d} days",
]
OPENERS = [
    "hi yeah im calling about my order",
    "hiya im calling about my order",
    "hello im calling about my order",
]
CLOSERS = ["no thats all bye", "no thank you", "no thats it thanks bye"]


def calls(seed: int = 0) -> pd.DataFrame:
    """Call transcripts: 25 per cause, and 30 that say nothing beyond opener and sign-off."""
    rng = np.random.default_rng(seed)
    rows = []

    def call(words: str) -> str:
        opener, closer = OPENERS[rng.integers(3)], CLOSERS[rng.integers(3)]
        return f"agent: thank you for calling how can i help\ncustomer: {opener} {words} {closer}"

    for k, template in enumerate(CAUSES):
        for i in range(25):
            rows.append((f"c{k}-{i}", call(template.format(d=int(rng.integers(2, 30)))), f"cause{k}"))
    for i in range(30):
        rows.append((f"b{i}", call(["", "yeah", "you know", "um"][i % 4]), "boilerplate"))
    return pd.DataFrame(rows, columns=["contact_id", "text", "truth"]).assign(channel="call")


@pytest.mark.slow
def test_boilerplate_only_calls_form_no_theme(tmp_path, monkeypatch, embedder: Embedder) -> None:
    from nlp.discovery import DiscoveryConfig, run_discovery
    from voc.workspace import Workspace

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    loaded = embedder.model
    monkeypatch.setattr(Embedder, "model", property(lambda self: loaded))
    # No UMAP here (its first fit compiles for a minute): cluster the embeddings themselves.
    plain = DiscoveryConfig.model
    monkeypatch.setattr(
        DiscoveryConfig, "model", lambda self: plain(self).set_params(reducer=FunctionTransformer())
    )
    frame = calls()
    frame.drop(columns=["truth"]).to_parquet(tmp_path / "calls.parquet", index=False)
    result = run_discovery(
        tmp_path / "calls.parquet",
        tmp_path / "out",
        Workspace(tmp_path / "ws"),
        DiscoveryConfig(min_theme_size=10),
    )

    assignments = pd.read_parquet(tmp_path / "out" / "assignments.parquet").merge(frame, on="contact_id")
    assert result.n_boilerplate == 30
    assert (assignments.loc[assignments["truth"] == "boilerplate", "theme_id"] == -1).all()
    assert result.n_themes == 3
    for _, group in assignments[assignments["truth"] != "boilerplate"].groupby("truth"):
        assert (group["theme_id"] >= 0).mean() >= 0.9 and group["theme_id"].nunique() == 1
    # Keywords and names speak of the cause, not of the call.
    for row in result.themes.itertuples():
        said = " ".join([*row.keywords, row.name.lower()])
        assert not {"calling", "yeah", "im", "bye", "hiya"} & set(said.split()), said
        assert row.exemplars[0].startswith(("hi", "hello")), "exemplars stay the whole redacted contact"
