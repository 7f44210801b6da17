"""``voc discover``: find friction themes in contacts, with stable ids across runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.options import DayFirst
from voc.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from nlp.embed import EmbedConfig
    from voc.workspace import Workspace

EXPERIMENT = "voc-themes"  # as nlp.discovery.EXPERIMENT; a literal keeps `voc --help` light
# What discovery writes into --out (see nlp.discovery): none of them may replace an input.
WRITTEN = (
    "assignments.parquet",
    "members.parquet",
    "themes.parquet",
    "suggestions.parquet",
    "themes.csv",
    "languages.csv",
    "quarantine.parquet",
    "quarantine.csv",
)
SHOWN = 10  # largest themes listed by name after a run
EPILOG = (
    "Examples:\n\n"
    "  voc discover workspace/data/interim/contacts.parquet --out workspace/themes --seed 7\n\n"
    "  voc discover week48.parquet --out workspace/themes-w48 --previous workspace/themes\n\n"
    "  voc discover week48.parquet --out workspace/themes-w48 --previous workspace/labels.db\n\n"
    "  voc discover export.jsonl --text-column body --id-column ticket_id --out themes/\n\n"
    "  voc discover week48.parquet --out workspace/themes-w48 --encoder champion\n\n"
    "--previous keeps the ids of matching themes (and, from the label catalogue workspace/labels.db, "
    "the analysts' labels). --encoder embeds with the fine-tuned encoder of a registered model "
    "(voc train --fine-tune); previous themes made with another encoder are re-embedded from their "
    "exemplars before matching."
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
    sample_size: Annotated[
        int,
        typer.Option(
            help="Above this many contacts, cluster a seeded sample of this many embedded with MiniLM and "
            "assign the others to its themes by static embeddings (much faster; see README)."
        ),
    ] = 10_000,
    backend: Annotated[
        str,
        typer.Option(
            help="MiniLM runtime: torch, onnx, onnx-int8, or auto (onnx-int8: x2.7 torch's speed on a CPU, "
            "themes within noise; the ONNX runtimes use CUDA when torch sees a GPU)."
        ),
    ] = "auto",
    taxonomy: Annotated[
        Path | None,
        typer.Option(help="Taxonomy YAML the suggestions choose from (default: the bundled one)."),
    ] = None,
    experiment: Annotated[str, typer.Option(help="MLflow experiment name.")] = EXPERIMENT,
    dayfirst: DayFirst = None,
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder",
            help="Embed with a registered model's fine-tuned encoder: an alias of root-cause "
            "(champion), NAME@ALIAS, models:/NAME@ALIAS or models:/NAME/VERSION. A model without "
            "one (not trained with --fine-tune) leaves the base MiniLM. Default: the base MiniLM.",
        ),
    ] = None,
) -> None:
    """Discover themes: validate, prepare (PII-redacted), drop channel boilerplate, embed (cached),
    cluster, name, group and suggest a root cause for each theme. Above --sample-size contacts only
    a seeded sample is embedded with MiniLM and clustered; the others join its themes through
    static embeddings (every contact still gets its row).

    Writes OUT/assignments.parquet (contact_id, theme_id, probability; unassigned = -1),
    OUT/themes.parquet (with centroids) and a spreadsheet-safe OUT/themes.csv (theme_id, name,
    parent_id, parent_name, size, keywords, exemplars, is_new, label), OUT/suggestions.parquet (the
    taxonomy's zero-shot and the catalogue's suggestions, with confidence), OUT/languages.csv
    (contacts per language; those in a language the encoder does not understand are kept out of
    the themes), OUT/quarantine.parquet/.csv, and logs an MLflow run. Only redacted text reaches
    the outputs. Prints the largest themes by name.
    """
    from cli.progress import step
    from nlp.discovery import DiscoveryConfig, run_discovery
    from voc.contracts.themes import best_suggestions
    from voc.outputs import Output, claim_outputs
    from voc.taxonomy import load_taxonomy

    try:
        config = DiscoveryConfig(
            min_theme_size=min_theme_size,
            seed=seed,
            sample_size=sample_size,
            backend=backend,  # type: ignore[arg-type]  # checked by DiscoveryConfig
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        tax = load_taxonomy(taxonomy)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    inputs = [input, *([taxonomy] if taxonomy else [])]
    if previous is not None and "://" not in previous:
        inputs.append(Path(previous))
    embed_config, encoder_name = resolve_encoder(encoder, ctx.obj)
    with claim_outputs([Output.dir(out, *WRITTEN)], inputs, command=f"voc discover {input}"):
        previous_themes = load_previous(previous) if previous is not None else None
        result = run_discovery(
            input,
            out,
            ctx.obj,
            config,
            text_column=text_column,
            id_column=id_column,
            previous_themes=previous_themes,
            experiment=experiment,
            dayfirst=dayfirst,
            taxonomy=tax,
            progress=step,
            embed_config=embed_config,
            encoder_name=encoder_name,
        )
    typer.echo(f"{input}: {result.counts.summary()}", err=True)
    if result.alignment.summary():
        typer.echo(result.alignment.summary())
    themes = result.themes
    best = best_suggestions(result.suggestions).set_index("theme_id")
    typer.echo(
        f"{result.n_themes} themes ({result.n_new} new) in {themes['parent_id'].nunique()} groups, "
        f"coverage {result.coverage:.1%}, {result.n_boilerplate} contacts only greetings/sign-offs "
        f"(unassigned); {result.n_confident} themes with a confident suggestion"
    )
    if result.sampled:
        typer.echo(
            f"themes fitted on a sample of {result.n_embedded:,} contacts embedded with MiniLM "
            f"({result.backend}); the other {result.n_contacts - result.n_boilerplate - result.n_embedded:,} "
            f"assigned by static embeddings ({result.static_agreement:.1%} agreement with MiniLM on "
            "held-out sample contacts)"
        )
    if result.other_languages:
        listed = ", ".join(f"{lang} {n:,}" for lang, n in result.other_languages.items())
        n = result.n_other_language
        typer.echo(f"{n:,} contacts in other languages kept out of the themes: {listed}")
    for theme_id, size, name, group in (
        themes[["theme_id", "size", "name", "parent_name"]].head(SHOWN).itertuples(index=False)
    ):
        hint = ""
        if theme_id in best.index and bool(best.at[theme_id, "confident"]):
            hint = "  -> " + str(best.at[theme_id, "suggested_root_cause"])
        typer.echo(f"  {int(theme_id):>5}  {int(size):>6,}  {name}  [{group}]{hint}")
    if len(themes) > SHOWN:
        typer.echo(f"  ... {len(themes) - SHOWN} more in {result.themes_csv}")
    typer.echo(f"-> {result.themes_csv}; MLflow run {result.run_id}")


def resolve_encoder(ref: str | None, workspace: Workspace) -> tuple[EmbedConfig | None, str]:
    """``--encoder REF`` as the embedding settings and the name logged with the run.

    No REF, or a model without a fine-tuned encoder (said in one line): ``(None, "base")``, the
    installed MiniLM. Else the model's ``encoder`` artifact, fetched once into the workspace's
    ``cache/encoders``, and ``"NAME vVERSION"``.
    """
    from nlp.discovery import BASE_ENCODER

    if ref is None:
        return None, BASE_ENCODER
    from nlp.embed import EmbedConfig
    from training.pyfunc import fetch_encoder
    from voc.tracking import configure_uri

    configure_uri(workspace)
    model, folder = fetch_encoder(ref, workspace.encoder_cache)
    if folder is None:
        name = f"{model.name} v{model.version}"
        typer.echo(f"--encoder {ref}: {name} has no fine-tuned encoder; using the base MiniLM")
        return None, BASE_ENCODER
    typer.echo(f"encoder: fine-tuned MiniLM of {model.name} v{model.version}")
    return EmbedConfig(model=str(folder)), f"{model.name} v{model.version}"


def load_previous(target: str) -> pd.DataFrame:
    """``--previous`` as themes to match: ``theme_id``, ``centroid``, ``label``.

    ``target`` is a previous run's folder, a themes ``.parquet``, or a label catalogue (a ``.db``
    file or a SQLAlchemy URL, whose labelled themes then keep their labels next week).
    """
    from training.labelling.catalogue import previous_themes

    try:
        return previous_themes(target)
    except (FileNotFoundError, ValueError) as exc:
        raise InputError(f"--previous {target}: {exc}") from exc
