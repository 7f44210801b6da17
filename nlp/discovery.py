"""The discovery stage: contacts file -> themes with stable ids, assignments, and an MLflow run.

``run_discovery(input, out, workspace)`` validates the contacts (:mod:`voc.contracts.contacts`), prepares and
redacts them once (:mod:`nlp.prepare`), strips channel boilerplate from what is clustered
(:mod:`nlp.boilerplate`: greetings, "calling about my order", fillers, sign-offs; a contact that
is nothing else stays unassigned), embeds that through the workspace's cache (:mod:`nlp.embed`),
fits a :class:`~nlp.themes.ThemeModel` (names, groups, keywords from the stripped text; exemplars
are the whole redacted contacts); above ``DiscoveryConfig.sample_size`` contacts only a seeded
sample is embedded with MiniLM (onnx-int8 by default) and fitted on, and the others join its themes
through static embeddings (:mod:`nlp.sampled`). It gives its themes the ids and labels of ``previous_themes``
they match (:func:`~nlp.themes.match_previous`). It suggests a root cause for each theme from the
taxonomy and from ``previous_themes``' labels (:mod:`nlp.suggest`). It writes, into ``out``:

- ``assignments.parquet``: ``contact_id, theme_id, probability`` (unassigned: ``theme_id = -1``),
  ``themes.parquet``: one row per theme, with its name, group and centroid, and
  ``suggestions.parquet``: the taxonomy's and the catalogue's suggestions (all three
  :mod:`voc.contracts.themes`);
- ``members.parquet``: the contacts' redacted ``clean_text`` and segments, what the app shows and
  searches of a theme's members (``voc.contracts.themes.MEMBER_COLUMNS``);
- ``themes.csv``: the same for spreadsheets (:func:`themes_sheet`: lists joined, no centroid);
- ``languages.csv``: contacts per language (``language, contacts, clustered``: in a language the
  encoder understands, boilerplate-only ones included). Contacts in a
  language the encoder does not understand (``EmbedConfig.languages``; :mod:`nlp.language`) are
  kept out of the themes: English MiniLM would group them by their foreign look, not their
  meaning. They are in ``assignments.parquet`` with ``theme_id = -1`` and counted here;
- ``quarantine.parquet`` / ``.csv``: rejected rows with ids, reasons and redacted text only
  (:func:`nlp.quarantine.redacted_quarantine`).

Only redacted text reaches these files and the MLflow run (experiment ``voc-themes``, named
``discover-<last week>``, tag ``voc.stage=discover``: settings, metrics and ``themes.csv``, and a
description of what was found). The run starts before the embedding, so its duration is the
stage's, and its id is stored in the Parquet metadata of both tables (``attrs["voc"]
["discovery_run_id"]``): the training set made from them carries it on to the model. The caller
resolves ``--previous`` (a previous run or the label catalogue) into a frame: this module reads no
catalogue. The encoder is ``embed_config.model`` (default the installed MiniLM; ``voc discover
--encoder`` passes a registered model's fine-tuned folder): its name (``encoder_name``) and
fingerprint are logged as params and stored in ``themes.parquet``'s metadata, and previous themes
whose centroids another encoder computed are brought into this run's space before matching
(:mod:`nlp.encoder_space`). ``progress`` wraps the long steps that draw no bar of their own
(``voc discover`` shows a spinner with the elapsed time).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from nlp.boilerplate import is_empty, strip_many
from nlp.embed import Backend, EmbedConfig, Embedder, default_model_path
from nlp.encoder_space import Alignment, in_encoder_space
from nlp.language import LanguageDetector
from nlp.model_files import model_fingerprint
from nlp.prepare import prepare_contacts
from nlp.quarantine import redacted_quarantine
from nlp.sampled import fit_themes
from nlp.suggest import VOTERS, catalogue_suggestions, cause_profiles, taxonomy_suggestions
from nlp.themes import NO_THEME, ThemeModel, cluster_quality, match_previous, regroup, relabel
from voc.contracts.contacts import validate_contacts
from voc.contracts.reading import ContractConfig, Counts
from voc.contracts.themes import (
    ENCODER_FINGERPRINT,
    SUGGESTION_COLUMNS,
    write_assignments,
    write_members,
    write_suggestions,
    write_themes,
)
from voc.errors import InputError
from voc.files import write_table
from voc.taxonomy import Taxonomy, load_taxonomy
from voc.tracking import use_experiment
from voc.weeks import iso_week
from voc.workspace import Workspace

EXPERIMENT = "voc-themes"
EXPERIMENT_DESCRIPTION = (
    "Theme discovery (voc discover): contacts prepared and PII-redacted, embedded with MiniLM, "
    "clustered (UMAP + HDBSCAN) into friction themes with stable ids. One run per discovery; "
    "its themes.csv is what analysts label, and training sets name the run they came from."
)
Progress = Callable[[str], AbstractContextManager[Any]]
BASE_ENCODER = "base"  # the `encoder` param of a run embedded with the installed MiniLM
BACKENDS = ("auto", "torch", "onnx", "onnx-int8")


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
        The theme model fits on at most this many of the contacts it is given; the rest are
        assigned by nearest MiniLM centroid.
    sample_size : int
        Inputs of more clustered contacts embed only a seeded sample of this many with MiniLM,
        cluster it, and assign the others to its themes by static embeddings
        (:mod:`nlp.sampled`); at or below it every contact is embedded and fitted on.
    backend : {"auto", "torch", "onnx", "onnx-int8"}
        MiniLM's runtime; ``auto``: ``onnx-int8``, x2.7 torch's speed on realistic contacts on a
        CPU with themes within noise of torch's (``python -m benchmarks --only themes
        --theme-backends torch onnx-int8``); on a GPU the ONNX backends run MiniLM in torch on CUDA.
    match_threshold : float
        Centroid cosine similarity above which a theme keeps a previous theme's id.
    seed : int
        Random seed; the same seed and input give the same themes.
    """

    min_theme_size: int = 15
    outlier_threshold: float = 0.5
    fit_sample: int = 20_000
    sample_size: int = 10_000
    backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    match_threshold: float = 0.8
    seed: int = 0

    def __post_init__(self) -> None:
        if not -1.0 <= self.match_threshold <= 1.0:
            raise ValueError(f"match_threshold must be in [-1, 1], got {self.match_threshold}")
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {self.backend!r}")
        if self.sample_size < 2 * self.min_theme_size:
            raise ValueError(
                f"sample_size must be >= 2 * min_theme_size ({2 * self.min_theme_size}), "
                f"got {self.sample_size}"
            )
        self.model()._validate_params()  # the one place the model's settings are checked

    def model(self) -> ThemeModel:
        """An unfitted :class:`ThemeModel` with these settings and default sub-models."""
        return ThemeModel(
            min_theme_size=self.min_theme_size,
            outlier_threshold=self.outlier_threshold,
            fit_sample=self.fit_sample,
            random_state=self.seed,
        )

    @property
    def runtime(self) -> Backend:
        """MiniLM's runtime: ``backend``, with ``auto`` made ``onnx-int8``."""
        return "onnx-int8" if self.backend == "auto" else self.backend


@dataclass(frozen=True)
class DiscoveryResult:
    """What one discovery run did.

    Attributes
    ----------
    counts : Counts
        What the contract did with the input rows (read = accepted + quarantined).
    n_contacts, n_themes, n_new : int
        Contacts in a language the encoder understands (those clustered, with ``n_boilerplate``),
        themes found, and themes that matched no previous theme.
    n_boilerplate : int
        Of those, contacts left unassigned because they held nothing but channel boilerplate.
    n_confident : int
        Themes with a confident suggestion (taxonomy or catalogue).
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
    encoder, encoder_fingerprint : str
        The encoder the contacts were embedded with (``base`` or a registered model's name and
        version) and :func:`~nlp.model_files.model_fingerprint` of its folder.
    alignment : Alignment
        Previous themes re-embedded because another encoder made them, and left out.
    n_embedded : int
        Contacts embedded with MiniLM: all clustered ones, or the sample of a large input.
    backend : str
        MiniLM's runtime.
    static_agreement : float
        Sampled input only (else NaN): the share of a held-out fifth of the sample whose theme from
        static embeddings equals its MiniLM one (:class:`nlp.sampled.SampleAssigner`).
    """

    counts: Counts
    n_contacts: int
    n_themes: int
    n_new: int
    n_boilerplate: int
    n_confident: int
    coverage: float
    silhouette: float
    seconds: float
    themes_csv: Path
    run_id: str
    themes: pd.DataFrame
    suggestions: pd.DataFrame
    other_languages: dict[str, int] = field(default_factory=dict)
    encoder: str = BASE_ENCODER
    encoder_fingerprint: str = ""
    alignment: Alignment = field(default_factory=Alignment)
    n_embedded: int = 0
    backend: str = "torch"
    static_agreement: float = float("nan")

    @property
    def sampled(self) -> bool:
        """Whether themes were fitted on a sample and the other contacts assigned by static embeddings."""
        return self.n_embedded < self.n_contacts - self.n_boilerplate

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
            "n_boilerplate": float(self.n_boilerplate),
            "n_confident": float(self.n_confident),
            "coverage": self.coverage,
            "silhouette": self.silhouette,
            "seconds": self.seconds,
            "n_other_language": float(self.n_other_language),
            "n_previous_reembedded": float(self.alignment.reembedded),
            "n_previous_dropped": float(self.alignment.dropped),
            "n_embedded": float(self.n_embedded),
            "static_agreement": self.static_agreement,
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
    taxonomy: Taxonomy | None = None,
    progress: Progress | None = None,
    embed_config: EmbedConfig | None = None,
    encoder_name: str = BASE_ENCODER,
    rest_encoder: Any = None,
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
    taxonomy : Taxonomy, optional
        Root causes the zero-shot suggestions choose from; default: the bundled taxonomy.
    progress : callable, optional
        ``progress(description)`` returns a context manager wrapped around each long step that
        draws no bar of its own (preparing, clustering, writing); ``None``: nothing shown.
    embed_config : EmbedConfig, optional
        The encoder and the languages it understands (default: MiniLM, English); its cache folders
        are the workspace's, its backend as ``config.backend`` says.
    encoder_name : str
        What the encoder is, for the MLflow run (``base``, or e.g. ``root-cause v3`` for a
        registered model's fine-tuned encoder); its fingerprint is computed here.
    rest_encoder : object with ``encode(texts)``, optional
        Encodes every contact of an input above ``config.sample_size`` for the assignment to the
        sample's themes; default: :class:`nlp.static_encoder.StaticEncoder` (distilled once into
        ``workspace.static_cache``).

    Raises
    ------
    InputError
        When the file fails the contract, or fewer than ``2 * min_theme_size`` contacts are accepted.
    """
    import mlflow

    config = config or DiscoveryConfig()
    step = progress or _silent
    started = time.perf_counter()
    contract = ContractConfig(text_column=text_column, id_column=id_column, row_ids=True, dayfirst=dayfirst)
    with step("validating and preparing contacts (PII redacted)"):
        validated = validate_contacts(input, contract)
        quarantine = redacted_quarantine(validated.quarantine)
        write_table(quarantine, out / "quarantine.parquet")
        write_table(quarantine, out / "quarantine.csv")
        contacts = prepare_contacts(validated.accepted)
    texts = contacts["clean_text"].fillna("").astype(str).tolist()
    embed_config = embed_config or EmbedConfig()
    embed_config = replace(
        embed_config,
        cache_dir=workspace.embedding_cache,
        onnx_cache_dir=embed_config.onnx_cache_dir or workspace.onnx_cache,
    )
    with step("identifying languages"):
        language = LanguageDetector().detect(texts, prefer=embed_config.languages)
    readable = np.asarray([code in ("", *embed_config.languages) for code in language], dtype=bool)
    # What is clustered: the customer's words without the channel's boilerplate, in a language the
    # encoder understands; a contact that is nothing but boilerplate ("hi yeah im calling about my
    # order ... no thats all bye") stays out, and so does one the encoder cannot read.
    content = strip_many(texts)
    keep = np.flatnonzero([ok and not is_empty(t) for ok, t in zip(readable, content, strict=True)])
    if len(keep) < 2 * config.min_theme_size:
        raise InputError(
            f"{input}: only {len(keep)} accepted contacts in {', '.join(embed_config.languages)} with "
            f"more than greetings and sign-offs ({validated.counts.summary()}; {int((~readable).sum())} "
            f"in other languages); discovery needs at least {2 * config.min_theme_size} "
            "(lower --min-theme-size or add contacts)"
        )
    embed_config = replace(embed_config, backend=config.runtime)
    if rest_encoder is None:
        from nlp.static_encoder import StaticConfig, StaticEncoder

        rest_encoder = StaticEncoder(config=StaticConfig(cache_dir=workspace.static_cache))
    workspace.ensure()
    use_experiment(experiment, workspace, EXPERIMENT_DESCRIPTION)
    fingerprint = model_fingerprint(embed_config.model or default_model_path())
    with mlflow.start_run(run_name=_run_name(input, contacts), tags={"voc.stage": "discover"}) as run:
        embedder = Embedder(embed_config)
        alignment = Alignment()
        if previous_themes is not None and len(previous_themes):
            base = model_fingerprint(default_model_path())
            previous_themes, alignment = in_encoder_space(previous_themes, fingerprint, embedder.encode, base)
        fitted = fit_themes(
            [content[i] for i in keep],
            [texts[i] for i in keep],
            config.model(),
            embedder.encode,
            rest_encoder,
            sample_size=config.sample_size,
            seed=config.seed,
            progress=step,
        )
        model, embeddings = fitted.model, fitted.embeddings
        matched = match_previous(fitted.themes, previous_themes, config.match_threshold)
        labels = np.full(len(texts), NO_THEME, dtype=np.int64)
        labels[keep] = relabel(fitted.labels, matched.id_map)
        probabilities = np.zeros(len(texts), dtype=np.float32)
        probabilities[keep] = fitted.probabilities
        embedded_labels = labels[keep][fitted.embedded]  # of the contacts MiniLM embedded
        themes = matched.themes.drop(columns=["match_similarity"])
        with step("suggesting root causes and grouping themes"):
            profiles, suggestions = suggest_root_causes(
                themes, embeddings, embedded_labels, embedder, taxonomy or load_taxonomy(), previous_themes
            )
            themes = regroup(themes, model.n_groups_for(len(themes)), profiles)
        assignments = pd.DataFrame(
            {
                "contact_id": contacts["contact_id"].astype(str).to_numpy(),
                "theme_id": labels,
                "probability": probabilities,
            }
        )
        # Parquet keeps DataFrame.attrs: the training set made from these files names this run.
        lineage = {"voc": {"discovery_run_id": run.info.run_id, "input": input.name}}
        assignments.attrs.update(lineage)
        # The centroids' space, so that a later run with another encoder recomputes them.
        themes.attrs["voc"] = {**lineage["voc"], "encoder": encoder_name, ENCODER_FINGERPRINT: fingerprint}
        with step("scoring and writing themes"):
            write_assignments(assignments, out)
            write_members(contacts, out)
            write_themes(themes, out)
            write_suggestions(suggestions, out)
            write_table(language_counts(language, readable), out / "languages.csv")
            csv_path = write_table(themes_sheet(themes), out / "themes.csv")
            silhouette = cluster_quality(embeddings, embedded_labels, random_state=config.seed)
        result = DiscoveryResult(
            counts=validated.counts,
            n_contacts=int(readable.sum()),
            n_themes=len(themes),
            n_new=int(themes["is_new"].sum()),
            n_boilerplate=int(readable.sum()) - len(keep),
            n_confident=int(suggestions.loc[suggestions["confident"], "theme_id"].nunique()),
            coverage=float((labels[readable] >= 0).mean()),
            silhouette=silhouette,
            seconds=time.perf_counter() - started,
            themes_csv=csv_path,
            run_id=run.info.run_id,
            themes=themes,
            suggestions=suggestions,
            other_languages={
                str(k): int(n) for k, n in pd.Series(language[~readable]).value_counts().items()
            },
            encoder=encoder_name,
            encoder_fingerprint=fingerprint,
            alignment=alignment,
            n_embedded=len(fitted.embedded),
            backend=embed_config.backend,
            static_agreement=fitted.assigner.agreement_ if fitted.assigner else float("nan"),
        )
        previous = previous_themes is not None
        _log_run(config, embedder.model_id, embed_config.languages, input, result, previous)
        if result.sampled:
            mlflow.log_param("rest_encoder", getattr(rest_encoder, "model_id", type(rest_encoder).__name__))
    return result


def suggest_root_causes(
    themes: pd.DataFrame,
    embeddings: np.ndarray,
    labels: np.ndarray,
    embedder: Embedder,
    taxonomy: Taxonomy,
    labelled: pd.DataFrame | None = None,
) -> tuple[dict[int, np.ndarray], pd.DataFrame]:
    """The themes' root-cause profiles, and the taxonomy's zero-shot and the catalogue's suggestions
    (:mod:`nlp.suggest`).

    Parameters
    ----------
    themes : DataFrame
        ``theme_id`` and ``centroid`` of the run's themes (stable ids).
    embeddings : ndarray of shape (n_contacts, dim)
        The clustered contacts' embeddings; ``labels`` (same length) their stable theme ids.
    embedder : Embedder
        Encodes the taxonomy's phrases, as it encoded the contacts.
    labelled : DataFrame, optional
        Labelled themes (``theme_id``, ``centroid``, ``label``), e.g. ``--previous``.

    Returns
    -------
    profiles : dict of int to ndarray of shape (n_causes,)
        :func:`nlp.suggest.cause_profiles` of each theme.
    suggestions : DataFrame
        :data:`~voc.contracts.themes.SUGGESTION_COLUMNS`, up to one row per theme and source.
    """
    centroids = {
        int(t): np.asarray(c, dtype=np.float32)
        for t, c in zip(themes["theme_id"], themes["centroid"], strict=True)
    }
    members = {}
    for theme_id, centroid in centroids.items():
        rows = np.flatnonzero(labels == theme_id)
        members[theme_id] = embeddings[
            rows[np.argsort(-(embeddings[rows] @ centroid), kind="stable")[:VOTERS]]
        ]
    profiles = cause_profiles(centroids, members, taxonomy, embedder.encode)
    frames = [taxonomy_suggestions(profiles, taxonomy), catalogue_suggestions(centroids, labelled)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return profiles, pd.DataFrame(columns=list(SUGGESTION_COLUMNS))
    return profiles, pd.concat(frames, ignore_index=True)


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


def _silent(description: str) -> AbstractContextManager[Any]:
    return contextlib.nullcontext()


def _run_name(input: Path, contacts: pd.DataFrame) -> str:
    """``discover-<ISO week of the latest contact>`` (the week the themes describe), else the file."""
    if "created_at" not in contacts:
        return f"discover-{input.stem}"
    created = pd.to_datetime(contacts["created_at"], utc=True, errors="coerce")
    if created.isna().all():
        return f"discover-{input.stem}"
    return f"discover-{iso_week(created.max())}"


def _log_run(
    config: DiscoveryConfig,
    embedding_model: str,
    languages: tuple[str, ...],
    input: Path,
    result: DiscoveryResult,
    previous: bool,
) -> None:
    """Settings, numbers, ``themes.csv`` and a one-paragraph description, into the active run."""
    import mlflow

    mlflow.log_params(
        {
            "input": input.name,
            "min_theme_size": config.min_theme_size,
            "outlier_threshold": config.outlier_threshold,
            "fit_sample": config.fit_sample,
            "sample_size": config.sample_size,
            "backend": result.backend,
            "match_threshold": config.match_threshold,
            "seed": config.seed,
            "embedding_model": embedding_model,
            "encoder": result.encoder,
            "encoder_fingerprint": result.encoder_fingerprint,
            "languages": ",".join(languages),
        }
    )
    mlflow.log_metrics({k: v for k, v in result.metrics().items() if np.isfinite(v)})
    mlflow.log_artifact(str(result.themes_csv))
    matched = "ids matched to the previous themes" if previous else "no previous themes given"
    if result.alignment.summary():
        matched += f" ({result.alignment.summary()})"
    mlflow.set_tag(
        "mlflow.note.content",
        f"{result.n_themes} themes ({result.n_new} new; {matched}) in {result.n_contacts:,} contacts "
        f"of {input.name}, {result.coverage:.0%} of them assigned to a theme "
        f"(silhouette {result.silhouette:.3f}); min theme size {config.min_theme_size}, seed "
        f"{config.seed}; encoder {result.encoder}; {result.n_other_language:,} contacts in other "
        "languages kept out. "
        "Label them from themes.csv (voc label export).",
    )
