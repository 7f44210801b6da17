"""``voc train``: labelled contacts -> root-cause model, tracked in MLflow, registered and gated."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.options import Backend, DayFirst
from voc.workspace import Workspace

EPILOG = (
    "Examples:\n\n"
    "  voc train workspace/data/processed/labelled.parquet --register-as root-cause\n\n"
    "  voc train labelled.parquet --taxonomy data/taxonomy.yaml --register-as root-cause\n\n"
    "  voc train tickets.csv --text-column body --label-column intent --precision-target 0.95\n\n"
    "  voc train labelled.parquet --features both --model svm --backend torch\n\n"
    "  voc train labelled.parquet --label-column label --cascade --register-as root-cause\n\n"
    "  voc train labelled.parquet --fine-tune --fine-tune-max-seconds 600 --register-as root-cause\n\n"
    "  voc train contacts.parquet --self-train --register-as root-cause\n\n"
    "The test metrics are computed with the embedding --backend the model is logged with, the one "
    "voc tag serves it with (onnx-int8: about 3x faster on CPU than torch)."
)


class Features(enum.StrEnum):
    auto = "auto"
    embedding = "embedding"
    tfidf = "tfidf"
    both = "both"


class Model(enum.StrEnum):
    auto = "auto"
    svm = "svm"
    logreg = "logreg"


class RefitEncoderChoice(enum.StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


class ClassesEncoderChoice(enum.StrEnum):
    auto = "auto"
    fine_tuned = "fine-tuned"
    base = "base"


def train(
    ctx: typer.Context,
    input: Annotated[Path, typer.Argument(help="Labelled contacts: .csv, .parquet or .jsonl.")],
    label_column: Annotated[
        str, typer.Option(help="Column holding the root-cause label (voc label dataset writes label).")
    ] = "label",
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
    features: Annotated[
        Features, typer.Option(help="Embeddings, TF-IDF n-grams or both; auto: best on validation.")
    ] = Features.auto,
    model: Annotated[
        Model, typer.Option(help="Linear SVM (Platt-calibrated) or logistic regression; auto: by data size.")
    ] = Model.auto,
    backend: Annotated[
        Backend, typer.Option(help="Embedding backend to train, evaluate and serve the model with.")
    ] = Backend.onnx_int8,
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
    refit: Annotated[
        bool,
        typer.Option(
            help="After the held-out evaluation, fit the chosen model again on every labelled row "
            "(the registered model); the metrics and the gate are the held-out ones."
        ),
    ] = True,
    fine_tune: Annotated[
        bool,
        typer.Option(
            help="Fine-tune the MiniLM encoder on the training split's labels first (contrastive; "
            "minutes on CPU); the fine-tuned encoder is logged with the model and used by voc tag."
        ),
    ] = False,
    fine_tune_epochs: Annotated[
        int | None,
        typer.Option(
            help="Passes over the labelled rows when fine-tuning (by default 3 when causes have a "
            "median of under 30 labelled rows, else 1).",
            show_default=False,
        ),
    ] = None,
    fine_tune_max_seconds: Annotated[
        float | None,
        typer.Option(help="Stop each fine-tune after this many seconds (keeps what it learned so far)."),
    ] = None,
    refit_encoder: Annotated[
        RefitEncoderChoice,
        typer.Option(
            help="With --fine-tune and --refit, tune a fresh encoder copy on every labelled row for the "
            "registered model (a second fine-tune): always, never (keep the train split's copy), or "
            "auto: when causes have a median of under 30 labelled rows (where it gains most, cheaply).",
        ),
    ] = RefitEncoderChoice.auto,
    classes_encoder: Annotated[
        ClassesEncoderChoice,
        typer.Option(
            help="With --fine-tune, the encoder the classifier reads: auto (the better on validation), "
            "fine-tuned, or base (a second MiniLM pass per contact when tagging); the fine-tuned one "
            "always checks novelty.",
        ),
    ] = ClassesEncoderChoice.auto,
    self_train: Annotated[
        bool,
        typer.Option(
            help="Rows without a label teach the model too: its surest guesses of their causes join "
            "the training rows, in rounds, kept unless validation finds them clearly worse."
        ),
    ] = False,
    dayfirst: DayFirst = None,
) -> None:
    """Train a root-cause classifier on labelled contacts and log it to MLflow.

    Rows without a label are skipped (counted). A `weight` column (theme membership, written by
    `voc label dataset`) weighs each row in training. The data is split (stratified) into train,
    validation and test; features and C are chosen on validation (by macro-F1; with few
    validation contacts per cause, another candidate must get clearly more of them right than the
    first), and so is the confidence threshold below which predictions are flagged needs_review.
    The test metrics are computed with the embedding backend the model is logged with. Then the
    chosen model is fitted again on every labelled row, test rows included (--no-refit: keep the
    one fitted on train + validation; with --fine-tune, see --refit-encoder for its encoder); the
    reported metrics and the gate are those of the held-out evaluation. With --register-as the
    model becomes a new version with alias challenger, and alias champion moves to it only when its
    macro-F1 on the test set is at least the current champion's on the same set. The run, the
    registered model and the version get a description and lineage tags (discovery run, catalogue
    and taxonomy versions).
    With --fine-tune the encoder is first fine-tuned on the train split only (not validation or
    test), and the fine-tuned weights are logged with the model. With --self-train the rows without
    a label are prepared too, and the model's surest guesses of their causes become training rows
    unless validation finds them clearly worse (a sign test on its contacts; they never count in the
    test metrics).
    """
    import tempfile

    from cli.progress import counted, step
    from nlp.boilerplate import content_many
    from nlp.embed import EmbedConfig, Embedder
    from nlp.static_encoder import StaticConfig, StaticEncoder
    from training.config import TrainConfig
    from training.dataset import load_training_set
    from training.evaluate import evaluate
    from training.finetune import FineTuneConfig
    from training.registry import configure, log_and_register, training_run
    from training.train import refit_on_all, train_classifier
    from voc.errors import InputError
    from voc.taxonomy import load_taxonomy

    workspace: Workspace = ctx.obj if isinstance(ctx.obj, Workspace) else Workspace.resolve()
    try:
        config = TrainConfig(
            features=Features(features).value,
            model=Model(model).value,
            precision_target=precision_target,
            random_state=seed,
            cascade=cascade,
            self_train=self_train,
            fine_tune=FineTuneConfig(epochs=fine_tune_epochs, max_seconds=fine_tune_max_seconds, seed=seed)
            if fine_tune
            else None,
            classes_encoder=ClassesEncoderChoice(classes_encoder).value,
        )
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    try:
        tax = load_taxonomy(taxonomy) if taxonomy is not None else None
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    with step(f"reading and preparing {input.name} (PII redacted)"):
        training = load_training_set(
            input,
            label_column=label_column,
            text_column=text_column,
            id_column=id_column,
            taxonomy=tax,
            weight_column=weight_column or None,
            dayfirst=dayfirst,
            keep_unlabelled=self_train,
        )
    typer.echo(f"{input}: {training.summary()}")
    embedder = Embedder(
        EmbedConfig(
            cache_dir=workspace.embedding_cache,
            backend=Backend(backend).value,
            onnx_cache_dir=workspace.onnx_cache,
        )
    )
    configure(workspace, experiment)
    # The run spans the fit: its duration in MLflow is the training's.
    # The fine-tuned encoder lives here until it is logged with the model.
    with (
        tempfile.TemporaryDirectory(prefix="voc-encoder-") as encoder_dir,
        training_run(training, source=str(input), embed_backend=embedder.config.backend),
    ):
        if config.features != "tfidf" and config.fine_tune is None:
            # Once, with its own bar, into the cache: every candidate below reads them back. The
            # classifier embeds the contacts' content, as discovery does: mostly cache hits already.
            embedder.encode(content_many(training.frame["clean_text"].tolist() + training.unlabelled_text))
        with counted("training (features, C and threshold chosen on validation)") as advance:
            static = StaticEncoder(config=StaticConfig(cache_dir=workspace.static_cache)) if cascade else None
            result = train_classifier(
                training,
                config,
                embedder=embedder,
                static_encoder=static,
                progress=lambda note, total: advance(note, total=total),
                encoder_dir=Path(encoder_dir),
            )
        with step(f"scoring the {len(result.test):,} held-out contacts"):
            evaluation = evaluate(result.model, result.test, training.families)
        _print_scores(result.selection, evaluation.metrics, result.params, embedder.config.backend)
        result.params["refit_rows"] = len(result.train) + len(result.validation) + len(result.pseudo)
        if refit:
            with step(f"refitting the chosen model on all {len(training.frame):,} labelled contacts"):
                result.model = refit_on_all(
                    result,
                    training,
                    encoder_dir=Path(encoder_dir) / "refit",
                    refit_encoder=refit_encoder.value,
                )
            result.params["refit_rows"] = len(training.frame) + len(result.pseudo)
            _print_encoder_refit(result.params, refit_encoder, training.frame["label"])
        with step("logging and registering in MLflow"):
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


def _passes(epochs: int) -> str:
    return "1 pass" if epochs == 1 else f"{epochs} passes"


def _print_encoder_refit(params: dict, setting: RefitEncoderChoice, labels: Any) -> None:
    """Whether the refit tuned the encoder again (``params["fine_tune_refit"]``; none without --fine-tune)."""
    if "fine_tune_refit" not in params:
        return
    if params["fine_tune_refit"]:
        stopped = " (stopped by --fine-tune-max-seconds)" if params["fine_tune_refit_timed_out"] else ""
        typer.echo(
            f"encoder fine-tuned again on all {params['fine_tune_refit_rows']:,} labelled rows: "
            f"{_passes(params['fine_tune_refit_epochs'])}, {params['fine_tune_refit_steps']} steps in "
            f"{params['fine_tune_refit_seconds']:.0f} s{stopped}; "
            "this copy is logged with the registered model"
        )
        return
    median = labels.value_counts().median()
    why = "never" if setting == "never" else f"auto: {median:g} labelled rows a cause (median)"
    typer.echo(
        "the registered model keeps the encoder tuned on the train split "
        f"(--refit-encoder {why}; `always` tunes a copy on every labelled row)"
    )


def _print_scores(selection: list[dict], metrics: dict[str, float], params: dict, backend: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="validation macro-F1 per candidate")
    encoders = any("encoder" in row for row in selection)
    paired = any("p_vs_first" in row for row in selection)
    columns = ("encoder",) * encoders + ("features", "C", "macro-F1") + ("won/lost vs first", "p") * paired
    for col in columns:
        table.add_column(col)
    for row in selection:
        cells = [str(row["features"]), f"{row['C']:g}", f"{row['validation_macro_f1']:.4f}"]
        if paired:
            cells += [f"{row['wins_vs_first']}/{row['losses_vs_first']}", f"{row['p_vs_first']:.3f}"]
        table.add_row(*([str(row.get("encoder", ""))] * encoders + cells))
    Console(stderr=True).print(table)
    typer.echo(
        f"chosen: features={params['features']} C={params['C']:g}; threshold {params['threshold']:.3f} "
        f"(precision target {params['precision_target']:.2f})"
    )
    if paired:
        from training.selftrain import ALPHA

        typer.echo(
            f"validation holds few contacts per cause ({params['n_validation']:,} in all): a candidate "
            f"replaces the first only where it gets significantly more of them right (sign test p < {ALPHA})"
        )
    if params.get("fine_tune"):
        stopped = " (stopped by --fine-tune-max-seconds)" if params["fine_tune_timed_out"] else ""
        typer.echo(
            f"encoder fine-tuned on the {params['n_train']:,} train rows: "
            f"{_passes(params['fine_tune_epochs'])}, {params['fine_tune_steps']} of "
            f"{params['fine_tune_planned_steps']} steps in {params['fine_tune_seconds']:.0f} s{stopped} "
            "(the held-out scores below are this copy's)"
        )
        classes = {
            "base": "the base MiniLM reads the causes (it won on validation); the fine-tuned encoder "
            "checks novelty",
            "fine-tuned": "the fine-tuned encoder reads the causes and checks novelty",
            "none": "TF-IDF reads the causes, the fine-tuned encoder checks novelty",
        }
        typer.echo(classes[params["classifier_encoder"]])
    if "similarity_floor_rule" in params:
        from training.abstention import MATCHED_RULE

        rule = params["similarity_floor_rule"]
        aside = f" ({params['floor_share']:.1%} of validation set aside)" if rule == MATCHED_RULE else ""
        typer.echo(f"novelty floor {params['similarity_floor']:.3f}: {rule}{aside}")
    if "self_train_rounds" in params:
        rounds = sum(k.startswith("self_train_f1_") for k in params)
        scores = ", ".join(f"{params[f'self_train_f1_{r}']:.3f}" for r in range(rounds))
        changed = ", ".join(
            f"{params[f'self_train_worse_{r}']}/{params[f'self_train_better_{r}']}" for r in range(1, rounds)
        )
        typer.echo(
            f"self-training on {params['self_train_unlabelled']:,} unlabelled contacts: validation macro-F1 "
            f"by round {scores}"
            + (f"; contacts worse/better than round 0: {changed}" if changed else "")
            + f"; kept round {params['self_train_rounds']}, the last not clearly worse "
            f"({params['self_train_pseudo_rows']:,} pseudo-labels)"
        )
    served = "" if params["features"] == "tfidf" else f" ({backend} embeddings, as served)"
    m = metrics
    if "cascade_coverage" in m:
        served = f" (through the cascade, {m['cascade_coverage']:.0%} decided by the fast model; {backend})"
    typer.echo(
        f"test{served}: accuracy {m['accuracy']:.4f}, macro-F1 {m['macro_f1']:.4f}, coverage "
        f"{m['coverage']:.3f} at precision {m['precision_at_threshold']:.3f}, ECE {m['ece']:.4f}"
    )
