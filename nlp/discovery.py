"""The discovery stage: contacts file -> themes with stable ids, assignments, and an MLflow run.

``run_discovery(input, out, workspace)`` validates the contacts (:mod:`voc.contracts.contacts`), prepares and
redacts them once (:mod:`nlp.prepare`), embeds them through the workspace's cache
(:mod:`nlp.embed`), fits a :class:`~nlp.themes.ThemeModel` and gives its themes the ids and labels
of ``previous_themes`` they match (:func:`~nlp.themes.match_previous`). It writes, into ``out``:

- ``assignments.parquet``: ``contact_id, theme_id, probability`` (unassigned: ``theme_id = -1``)
  and ``themes.parquet``: one row per theme, with its centroid (both :mod:`voc.contracts.themes`);
- ``themes.csv``: the same for spreadsheets (:func:`themes_sheet`: lists joined, no centroid);
- ``languages.csv``: contacts per language (``language, contacts, clustered``). Contacts in a
  language the encoder does not understand (``EmbedConfig.languages``; :mod:`nlp.language`) are
  kept out of the themes: English MiniLM would group them by their foreign look, not their
  meaning. They are in ``assignments.parquet`` with ``theme_id = -1`` and counted here;
- ``quarantine.parquet`` / ``.csv``: rejected rows with ids, reasons and redacted text only
  (:func:`nlp.quarantine.redacted_quarantine`).

Only redacted text reaches these files and the MLflow run (experiment ``voc-themes``, tag
``voc.stage=discover``: settings, metrics and ``themes.csv``). The caller resolves ``--previous``
(a previous run or the label catalogue) into a frame: this module reads no catalogue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from nlp.embed import EmbedConfig, Embedder
from nlp.language import LanguageDetector
from nlp.prepare import prepare_contacts
from nlp.quarantine import redacted_quarantine
from nlp.themes import ThemeModel, cluster_quality, match_previous, relabel
from voc.contracts.contacts import validate_contacts
from voc.contracts.reading import ContractConfig, Counts
from voc.contracts.themes import UNASSIGNED, write_assignments, write_themes
from voc.errors import InputError
from voc.files import write_table
from voc.tracking import use_experiment
from voc.workspace import Workspace

EXPERIMENT = "voc-themes"


@dataclass(frozen=True)
class DiscoveryConfig:
    """Settings of the discovery stage (what ``voc discover`` exposes).

    The theme model's settings are checked by the model itself (:class:`~nlp.themes.ThemeModel`),
    here at construction so that a bad value fails before any contact is read.

    Parameters
    ----------
    min_theme_size : int
        Smallest group of contacts that makes a theme (HDBSCAN ``min_cluster_size``).
    outlier_threshold : float
        Cosine similarity to a theme centroid above which a noise contact joins that theme.
    fit_sample : int
        Fit on at most this many contacts; the rest are assigned by nearest centroid.
    match_threshold : float
        Centroid cosine similarity above which a theme keeps a previous theme's id.
    seed : int
        Random seed; the same seed and input give the same themes.
    """

    min_theme_size: int = 15
    outlier_threshold: float = 0.5
    fit_sample: int = 20_000
    match_threshold: float = 0.8
    seed: int = 0

    def __post_init__(self) -> None:
        if not -1.0 <= self.match_threshold <= 1.0:
            raise ValueError(f"match_threshold must be in [-1, 1], got {self.match_threshold}")
        self.model()._validate_params()  # the one place the model's settings are checked

    def model(self) -> ThemeModel:
        """An unfitted :class:`ThemeModel` with these settings and default sub-models."""
        return ThemeModel(
            min_theme_size=self.min_theme_size,
            outlier_threshold=self.outlier_threshold,
            fit_sample=self.fit_sample,
            random_state=self.seed,
        )


@dataclass(frozen=True)
class DiscoveryResult:
    """What one discovery run did.

    Attributes
    ----------
    counts : Counts
        What the contract did with the input rows (read = accepted + quarantined).
    n_contacts, n_themes, n_new : int
        Contacts clustered, themes found, and themes that matched no previous theme.
    coverage : float
        Share of the clustered contacts assigned to a theme.
    silhouette : float
        Cosine silhouette of the assigned contacts (NaN with fewer than two themes).
    seconds : float
        Wall time of the stage, MLflow logging excluded.
    themes_csv : Path
        The spreadsheet of themes.
    run_id : str
        The MLflow run.
    other_languages : dict of str to int
        Contacts kept out of the themes per language they are written in (ISO 639-1 code).
    """

    counts: Counts
    n_contacts: int
    n_themes: int
    n_new: int
    coverage: float
    silhouette: float
    seconds: float
    themes_csv: Path
    run_id: str
    other_languages: dict[str, int] = field(default_factory=dict)

    @property
    def n_other_language(self) -> int:
        """Contacts kept out of the themes because of their language."""
        return sum(self.other_languages.values())

    def metrics(self) -> dict[str, float]:
        """The numbers logged to MLflow (NaN ones left out by the logger)."""
        return {
            "n_contacts": float(self.n_contacts),
            "n_themes": float(self.n_themes),
            "n_new": float(self.n_new),
            "coverage": self.coverage,
            "silhouette": self.silhouette,
            "seconds": self.seconds,
            "n_other_language": float(self.n_other_language),
        }


def run_discovery(
    input: Path,
    out: Path,
    workspace: Workspace,
    config: DiscoveryConfig | None = None,
    *,
    text_column: str = "text",
    id_column: str = "contact_id",
    previous_themes: pd.DataFrame | None = None,
    experiment: str = EXPERIMENT,
    dayfirst: bool | None = None,
    embed_config: EmbedConfig | None = None,
) -> DiscoveryResult:
    """The whole discovery stage, from a contacts file to the files in ``out`` and an MLflow run.

    Parameters
    ----------
    input : Path
        Contacts file (.csv, .parquet or .jsonl); a file without ``id_column`` gets ``row-<n>`` ids.
    out : Path
        Folder for the outputs (see the module docstring).
    workspace : Workspace
        Provides the embedding cache and the MLflow store.
    config : DiscoveryConfig, optional
    text_column, id_column : str
        Columns holding the contact text and id.
    previous_themes : DataFrame, optional
        ``theme_id``, ``centroid`` and optionally ``label`` of themes to keep ids and labels of.
    experiment : str
        MLflow experiment name.
    dayfirst : bool, optional
        Read ``03/04/2026`` as 3 April (``True``) or 4 March (``False``); ``None``: decided from
        the file's own dates.
    embed_config : EmbedConfig, optional
        The encoder and the languages it understands (default: MiniLM, English); its cache folder
        is the workspace's.

    Raises
    ------
    InputError
        When the file fails the contract, or fewer than ``2 * min_theme_size`` contacts are accepted.
    """
    config = config or DiscoveryConfig()
    started = time.perf_counter()
    contract = ContractConfig(text_column=text_column, id_column=id_column, row_ids=True, dayfirst=dayfirst)
    validated = validate_contacts(input, contract)
    quarantine = redacted_quarantine(validated.quarantine)
    write_table(quarantine, out / "quarantine.parquet")
    write_table(quarantine, out / "quarantine.csv")
    contacts = prepare_contacts(validated.accepted)
    all_texts = contacts["clean_text"].fillna("").astype(str).tolist()
    embed_config = replace(embed_config or EmbedConfig(), cache_dir=workspace.embedding_cache)
    language = LanguageDetector().detect(all_texts, prefer=embed_config.languages)
    readable = np.asarray([code in ("", *embed_config.languages) for code in language], dtype=bool)
    texts = [t for t, keep in zip(all_texts, readable, strict=True) if keep]
    if len(texts) < 2 * config.min_theme_size:
        raise InputError(
            f"{input}: only {len(texts)} accepted contacts in {', '.join(embed_config.languages)} "
            f"({validated.counts.summary()}; {int((~readable).sum())} in other languages); discovery "
            f"needs at least {2 * config.min_theme_size} (lower --min-theme-size or add contacts)"
        )
    workspace.ensure()
    embedder = Embedder(embed_config)
    embeddings = embedder.encode(texts)

    model = config.model().fit(embeddings, texts)
    matched = match_previous(model.themes_, previous_themes, config.match_threshold)
    labels = relabel(model.labels_, matched.id_map)
    themes = matched.themes.drop(columns=["match_similarity"])
    theme_ids = np.full(len(all_texts), UNASSIGNED, dtype="int64")
    theme_ids[readable] = labels
    probability = np.zeros(len(all_texts), dtype="float32")
    probability[readable] = model.probabilities_
    assignments = pd.DataFrame(
        {
            "contact_id": contacts["contact_id"].astype(str).to_numpy(),
            "theme_id": theme_ids,
            "probability": probability,
        }
    )
    write_assignments(assignments, out)
    write_table(language_counts(language, readable), out / "languages.csv")
    write_themes(themes, out)
    csv_path = write_table(themes_sheet(themes), out / "themes.csv")
    result = DiscoveryResult(
        counts=validated.counts,
        n_contacts=len(texts),
        n_themes=len(themes),
        n_new=int(themes["is_new"].sum()),
        coverage=float((labels >= 0).mean()),
        silhouette=cluster_quality(embeddings, labels, random_state=config.seed),
        seconds=time.perf_counter() - started,
        themes_csv=csv_path,
        run_id="",
        other_languages={str(k): int(v) for k, v in pd.Series(language[~readable]).value_counts().items()},
    )
    run_id = _log_run(workspace, experiment, config, embedder.model_id, embed_config.languages, input, result)
    return replace(result, run_id=run_id)


def language_counts(language: np.ndarray, clustered: np.ndarray) -> pd.DataFrame:
    """Contacts per language (``""``: no letters to tell), and whether they were clustered."""
    frame = pd.DataFrame({"language": language.astype(str), "clustered": clustered})
    counts = frame.groupby(["language", "clustered"]).size().rename("contacts").reset_index()
    counts = counts.sort_values("contacts", ascending=False, kind="stable")
    return counts[["language", "contacts", "clustered"]].reset_index(drop=True)


def themes_sheet(themes: pd.DataFrame) -> pd.DataFrame:
    """The themes table for spreadsheets: keywords and exemplars joined into text, no centroids."""
    sheet = themes.drop(columns=["centroid"], errors="ignore").copy()
    sheet["keywords"] = sheet["keywords"].map(lambda v: ", ".join(v))
    sheet["exemplars"] = sheet["exemplars"].map(lambda v: " | ".join(v))
    return sheet


def _log_run(
    workspace: Workspace,
    experiment: str,
    config: DiscoveryConfig,
    embedding_model: str,
    languages: tuple[str, ...],
    input: Path,
    result: DiscoveryResult,
) -> str:
    import mlflow

    use_experiment(experiment, workspace)
    with mlflow.start_run(run_name=f"discover {input.name}", tags={"voc.stage": "discover"}) as run:
        mlflow.log_params(
            {
                "input": input.name,
                "min_theme_size": config.min_theme_size,
                "outlier_threshold": config.outlier_threshold,
                "fit_sample": config.fit_sample,
                "match_threshold": config.match_threshold,
                "seed": config.seed,
                "embedding_model": embedding_model,
                "languages": ",".join(languages),
            }
        )
        mlflow.log_metrics({k: v for k, v in result.metrics().items() if np.isfinite(v)})
        mlflow.log_artifact(str(result.themes_csv))
        return str(run.info.run_id)
