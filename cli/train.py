"""``voc train``: labelled contacts -> root-cause model, tracked in MLflow, registered and gated."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cli.options import DayFirst
from voc.workspace import Workspace

console = Console(stderr=True)

EPILOG = (
    "Examples:\n\n"
    "  voc train labelled.parquet --label-column label --register-as root-cause\n\n"
    "  voc train tickets.csv --text-column body --label-column intent --precision-target 0.95\n\n"
    "  voc train labelled.parquet --label-column label --features both --register-as root-cause\n\n"
    "  voc train labelled.parquet --label-column label --cascade --register-as root-cause"
)


def train(
    ctx: typer.Context,
    input: Annotated[Path, typer.Argument(help="Labelled contacts: .csv, .parquet or .jsonl.")],
    label_column: Annotated[str, typer.Option(help="Column holding the root-cause label.")],
    text_column: Annotated[str, typer.Option(help="Column holding the contact text.")] = "text",
    id_column: Annotated[
        str, typer.Option(help="Column holding the contact id; a file without contact_id gets row-<n>.")
    ] = "contact_id",
    taxonomy: Annotated[
        Path | None, typer.Option(help="Taxonomy YAML: labels are checked and get their family.")
    ] = None,
    experiment: Annotated[str, typer.Option(help="MLflow experiment.")] = "root-cause",
    register_as: Annotated[
        str | None, typer.Option(help="Register the model under this name (alias challenger; gate).")
    ] = None,
    precision_target: Annotated[
        float, typer.Option(help="Precision wanted on predictions not flagged needs_review.")
    ] = 0.90,
    features: Annotated[str, typer.Option(help="auto, embedding, tfidf or both.")] = "auto",
    model: Annotated[
        str, typer.Option(help="auto, svm (linear SVM, Platt-calibrated) or logreg (auto: by data size).")
    ] = "auto",
    seed: Annotated[int, typer.Option(help="Seed of the stratified splits.")] = 0,
    weight_column: Annotated[
        str,
        typer.Option(help="Sample weights, used when the column exists (voc label dataset writes it)."),
    ] = "weight",
    cascade: Annotated[
        bool,
        typer.Option(
            help="Also fit the tagging cascade: a static-embedding model decides the contacts it is "
            "sure of, MiniLM the rest (voc tag many times faster; distils once per workspace)."
        ),
    ] = False,
    dayfirst: DayFirst = None,
) -> None:
    """Train a root-cause classifier on labelled contacts and log it to MLflow.

    Rows without a label are skipped (counted). A `weight` column (theme membership, written by
    `voc label dataset`) weighs each row in training. The data is split (stratified) into train,
    validation and test; features and C are chosen on validation, and so is the confidence
    threshold below which predictions are flagged needs_review. With --register-as the model becomes
    a new version with alias challenger, and alias champion moves to it only when its macro-F1 on the
    test set is at least the current champion's on the same set.
    """
    from nlp.embed import EmbedConfig, Embedder
    from nlp.static_encoder import StaticConfig, StaticEncoder
    from training.classifier import TrainConfig, train_classifier
    from training.dataset import load_training_set
    from training.evaluate import evaluate
    from training.registry import configure, log_and_register
    from voc.errors import InputError
    from voc.taxonomy import load_taxonomy

    workspace: Workspace = ctx.obj if isinstance(ctx.obj, Workspace) else Workspace.resolve()
    try:
        config = TrainConfig(
            features=features,  # type: ignore[arg-type]
            model=model,  # type: ignore[arg-type]
            precision_target=precision_target,
            random_state=seed,
            cascade=cascade,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    try:
        tax = load_taxonomy(taxonomy) if taxonomy is not None else None
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    training = load_training_set(
        input,
        label_column=label_column,
        text_column=text_column,
        id_column=id_column,
        taxonomy=tax,
        weight_column=weight_column or None,
        dayfirst=dayfirst,
    )
    typer.echo(f"{input}: {training.summary()}")
    embedder = Embedder(EmbedConfig(cache_dir=workspace.embedding_cache))
    with console.status("training (features, C and threshold chosen on validation)..."):
        static = StaticEncoder(config=StaticConfig(cache_dir=workspace.static_cache)) if cascade else None
        result = train_classifier(training, config, embedder=embedder, static_encoder=static)
        evaluation = evaluate(result.model, result.test, training.families)
    _print_scores(result.selection, evaluation.metrics, result.params)
    configure(workspace, experiment)
    with console.status("logging to MLflow..."):
        registration = log_and_register(
            result, evaluation, training, register_as=register_as, source=str(input)
        )
    typer.echo(f"run {registration.run_id}: {registration.model_uri}")
    if registration.gate is not None:
        gate = registration.gate
        champion = "none" if gate.champion_macro_f1 is None else f"{gate.champion_macro_f1:.4f}"
        typer.echo(
            f"registered {registration.name} v{registration.version} (alias challenger); "
            f"held-out macro-F1 challenger {gate.challenger_macro_f1:.4f}, champion {champion}"
        )
        typer.echo(gate.reason)


def _print_scores(selection: list[dict], metrics: dict[str, float], params: dict) -> None:
    table = Table(title="validation macro-F1 per candidate")
    for col in ("features", "C", "macro-F1"):
        table.add_column(col)
    for row in selection:
        table.add_row(str(row["features"]), f"{row['C']:g}", f"{row['validation_macro_f1']:.4f}")
    console.print(table)
    typer.echo(
        f"chosen: features={params['features']} C={params['C']:g}; threshold {params['threshold']:.3f} "
        f"(precision target {params['precision_target']:.2f})"
    )
    typer.echo(
        "test: accuracy {accuracy:.4f}, macro-F1 {macro_f1:.4f}, coverage {coverage:.3f} at precision "
        "{precision_at_threshold:.3f}, ECE {ece:.4f}".format(**metrics)
    )
