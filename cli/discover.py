"""``voc discover``: find friction themes in contacts, with stable ids across runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from cli.options import DayFirst
from voc.errors import InputError

EXPERIMENT = "voc-themes"  # as nlp.discovery.EXPERIMENT; a literal keeps `voc --help` light
# What discovery writes into --out (see nlp.discovery): none of them may replace an input.
WRITTEN = (
    "assignments.parquet",
    "themes.parquet",
    "themes.csv",
    "languages.csv",
    "quarantine.parquet",
    "quarantine.csv",
)
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
    dayfirst: DayFirst = None,
) -> None:
    """Discover themes: validate, prepare (PII-redacted), embed (cached), cluster, describe.

    Writes OUT/assignments.parquet (contact_id, theme_id, probability; unassigned = -1),
    OUT/themes.parquet (with centroids) and a spreadsheet-safe OUT/themes.csv (theme_id, parent_id,
    size, keywords, exemplars, is_new, label), OUT/languages.csv (contacts per language; those in a
    language the encoder does not understand are kept out of the themes), OUT/quarantine.parquet/.csv,
    and logs an MLflow run. Only redacted text reaches the outputs.
    """
    from nlp.discovery import DiscoveryConfig, run_discovery
    from voc.outputs import Output, claim_outputs

    try:
        config = DiscoveryConfig(min_theme_size=min_theme_size, seed=seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    inputs = [input]
    if previous is not None and "://" not in previous:
        inputs.append(Path(previous))
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
        )
    typer.echo(f"{input}: {result.counts.summary()}", err=True)
    typer.echo(
        f"{result.n_themes} themes ({result.n_new} new), coverage {result.coverage:.1%} "
        f"-> {result.themes_csv}; MLflow run {result.run_id}"
    )
    if result.other_languages:
        listed = ", ".join(f"{lang} {n:,}" for lang, n in result.other_languages.items())
        n = result.n_other_language
        typer.echo(f"{n:,} contacts in other languages kept out of the themes: {listed}")


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
