"""``voc discover``: find friction themes in contacts, with stable ids across runs."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer

from voc.errors import InputError

log = logging.getLogger(__name__)

EXPERIMENT = "voc-themes"
EPILOG = (
    "Examples:\n\n  voc discover workspace/data/raw/contacts.parquet --out workspace/data/processed/t\n\n"
    "  voc discover week2.csv --out themes/week2 --previous themes/week1\n\n"
    "  voc discover week2.csv --out themes/week2 --previous workspace/labels.db   (keep analysts' labels)\n\n"
    "  voc discover export.jsonl --text-column body --id-column ticket_id --min-theme-size 20 --out t/"
)


def discover(
    ctx: typer.Context,
    input: Annotated[Path, typer.Argument(help="Contacts file: .csv, .parquet or .jsonl.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for assignments and themes.")],
    text_column: Annotated[str, typer.Option(help="Column holding the contact text.")] = "text",
    id_column: Annotated[
        str, typer.Option(help="Column holding the contact id; a file without contact_id gets row-<n>.")
    ] = "contact_id",
    previous: Annotated[
        str | None,
        typer.Option(
            help="A previous run's folder, a themes .parquet (theme_id, centroid, label), or the label "
            "catalogue (labels.db or a SQLAlchemy URL): matching themes keep their ids and labels."
        ),
    ] = None,
    min_theme_size: Annotated[int, typer.Option(help="Smallest group of contacts that makes a theme.")] = 15,
    seed: Annotated[int, typer.Option(help="Random seed; same seed and input give the same themes.")] = 0,
    experiment: Annotated[str, typer.Option(help="MLflow experiment name.")] = EXPERIMENT,
) -> None:
    """Discover themes: validate, prepare (PII-redacted), embed (cached), cluster, describe.

    Writes OUT/assignments.parquet (contact_id, theme_id, probability; unassigned = -1),
    OUT/themes.parquet (with centroids) and a spreadsheet-safe OUT/themes.csv (theme_id, parent_id,
    size, keywords, exemplars, is_new, label), OUT/quarantine.parquet/.csv, and logs an MLflow run.
    Only redacted text reaches the outputs.
    """
    from nlp.themes import ThemeConfig

    workspace = ctx.obj
    try:
        config = ThemeConfig(min_theme_size=min_theme_size, seed=seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    previous_themes = load_previous(previous) if previous is not None else None
    result = run_discovery(input, out, config, workspace, text_column, id_column, previous_themes, experiment)
    typer.echo(
        f"{int(result['n_themes'])} themes ({int(result['n_new'])} new), coverage {result['coverage']:.1%} "
        f"-> {out / 'themes.csv'}; MLflow run {result['run_id']}"
    )


def run_discovery(
    input: Path,
    out: Path,
    config: Any,
    workspace: Any,
    text_column: str = "text",
    id_column: str = "contact_id",
    previous_themes: pd.DataFrame | None = None,
    experiment: str = EXPERIMENT,
) -> dict[str, Any]:
    """The whole ``voc discover`` stage; returns the metrics it logged plus ``run_id``."""
    from nlp.embed import EmbedConfig, Embedder
    from nlp.prepare import prepare_contacts
    from nlp.themes import cluster_quality, match_previous, relabel
    from voc.contracts.contacts import validate_contacts
    from voc.contracts.reading import ContractConfig
    from voc.files import write_table

    started = time.perf_counter()
    contract = ContractConfig(text_column=text_column, id_column=id_column, row_ids=True)
    validated = validate_contacts(input, contract)
    typer.echo(f"{input}: {validated.counts.summary()}", err=True)
    quarantine = quarantine_summary(validated.quarantine, id_column)
    write_table(quarantine, out / "quarantine.parquet")
    write_table(quarantine, out / "quarantine.csv")
    contacts = prepare_contacts(validated.accepted)
    texts = contacts["clean_text"].fillna("").astype(str).tolist()
    if len(texts) < 2 * config.min_theme_size:
        raise InputError(
            f"{input}: only {len(texts)} accepted contacts; discovery needs at least "
            f"{2 * config.min_theme_size} (lower --min-theme-size or add contacts)"
        )
    workspace.ensure()
    embedder = Embedder(EmbedConfig(cache_dir=workspace.embedding_cache))
    embeddings = embedder.encode(texts)

    model = config.model().fit(embeddings, texts)
    matched = match_previous(model.themes_, previous_themes, config.match_threshold)
    labels = relabel(model.labels_, matched.id_map)
    themes = matched.themes.drop(columns=["match_similarity"])
    assignments = pd.DataFrame(
        {
            "contact_id": contacts["contact_id"].astype(str).to_numpy(),
            "theme_id": labels.astype("int64"),
            "probability": model.probabilities_.astype("float32"),
        }
    )
    write_table(assignments, out / "assignments.parquet")
    write_table(themes, out / "themes.parquet")
    csv_path = write_table(themes_sheet(themes), out / "themes.csv")
    metrics = {
        "n_contacts": float(len(texts)),
        "n_themes": float(len(themes)),
        "n_new": float(themes["is_new"].sum()),
        "coverage": float((labels >= 0).mean()),
        "silhouette": cluster_quality(embeddings, labels, random_state=config.seed),
        "seconds": time.perf_counter() - started,
    }
    run_id = _log_mlflow(workspace, experiment, config, embedder, input, metrics, csv_path)
    return {**metrics, "run_id": run_id}


def quarantine_summary(quarantine: pd.DataFrame, id_column: str = "contact_id") -> pd.DataFrame:
    """Quarantined rows without their text: id, ``source_row``, ``reason`` and a redacted ``detail``.

    Discovery outputs hold redacted text only; ``voc data validate`` writes the full rows.
    """
    from nlp.prepare import prepare_contacts

    keep = [c for c in (id_column, "source_row", "reason") if c in quarantine]
    out = quarantine[keep].copy()
    details = quarantine.get("detail", pd.Series([""] * len(quarantine), index=quarantine.index))
    if len(out):
        redacted = prepare_contacts(pd.DataFrame({"text": details.fillna("").astype(str).to_numpy()}))
        out["detail"] = redacted["clean_text"].to_numpy()
    else:
        out["detail"] = pd.Series(dtype=object)
    return out


def themes_sheet(themes: pd.DataFrame) -> pd.DataFrame:
    """The themes table for spreadsheets: lists joined into text, no centroids."""
    sheet = themes.drop(columns=["centroid"], errors="ignore").copy()
    sheet["keywords"] = sheet["keywords"].map(lambda v: ", ".join(v))
    sheet["exemplars"] = sheet["exemplars"].map(lambda v: " | ".join(v))
    return sheet


def load_previous(target: str | Path) -> pd.DataFrame:
    """Themes to match against: ``theme_id``, ``centroid``, ``label``.

    ``target`` is a previous run's folder, a themes ``.parquet``, or a label catalogue (a ``.db``
    file or a SQLAlchemy URL, whose labelled themes then keep their labels next week).
    """
    text = str(target)
    path = Path(text)
    if "://" in text or path.is_dir() or path.suffix == ".db":
        from training.labelling.catalogue import previous_themes

        try:
            previous = previous_themes(text)
        except (FileNotFoundError, ValueError) as exc:
            raise InputError(f"--previous {text}: {exc}") from exc
    else:
        if not path.is_file():
            raise InputError(f"{path}: no previous themes (expected a run folder, .parquet or catalogue)")
        try:
            previous = pd.read_parquet(path)
        except Exception as exc:
            raise InputError(f"{path}: cannot read previous themes: {exc}") from exc
    missing = [c for c in ("theme_id", "centroid") if c not in previous]
    if missing:
        raise InputError(f"{text}: missing column(s) {', '.join(missing)}; need theme_id and centroid")
    bad = [i for i, c in enumerate(previous["centroid"]) if c is None or len(c) == 0]
    if bad:
        raise InputError(f"{text}: row {bad[0] + 1}: empty centroid")
    return previous


def _log_mlflow(
    workspace: Any,
    experiment: str,
    config: Any,
    embedder: Any,
    input: Path,
    metrics: dict[str, float],
    csv_path: Path,
) -> str:
    import mlflow

    mlflow.set_tracking_uri(workspace.tracking_uri)
    if mlflow.get_experiment_by_name(experiment) is None:
        workspace.mlflow_artifacts.mkdir(parents=True, exist_ok=True)
        mlflow.create_experiment(experiment, artifact_location=workspace.mlflow_artifacts.as_uri())
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=f"discover {input.name}") as run:
        mlflow.log_params(
            {
                "input": input.name,
                "min_theme_size": config.min_theme_size,
                "outlier_threshold": config.outlier_threshold,
                "fit_sample": config.fit_sample,
                "match_threshold": config.match_threshold,
                "seed": config.seed,
                "embedding_model": embedder.model_id,
            }
        )
        mlflow.log_metrics({k: v for k, v in metrics.items() if np.isfinite(v)})
        mlflow.log_artifact(str(csv_path))
        return str(run.info.run_id)
