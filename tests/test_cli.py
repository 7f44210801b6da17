"""The `voc` command line as a user meets it: summaries, label history, exit codes, help pages."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from label_data import make_contacts, make_themes_dir
from openpyxl import load_workbook

import cli.main
from cli.main import main

ROOT = Path(__file__).resolve().parents[1]
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def voc(tmp_path: Path, *args: object) -> int:
    return main(["--workspace", str(tmp_path / "ws"), *map(str, args)])


def write_contacts_csv(path: Path) -> Path:
    path.write_text(
        "contact_id,text,channel,created_at\n"
        "A1,Customer: where is my refund,chat,2026-03-02T10:00:00Z\n"
        "A2,Customer: parcel is late,email,2026-03-03T11:00:00Z\n"
        "A3,Customer: wrong size,chat,2026-03-10T12:00:00Z\n",
        encoding="utf-8",
    )
    return path


def options_of(command: list[str], capsys: pytest.CaptureFixture[str]) -> set[str]:
    """The long options `voc COMMAND --help` lists."""
    assert main([*command, "--help"]) == 0
    return set(OPTION.findall(capsys.readouterr().out))


# -- voc data summary ---------------------------------------------------------------------------


def test_data_summary_prints_rows_and_channels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    source = write_contacts_csv(tmp_path / "contacts.csv")
    assert voc(tmp_path, "data", "summary", source) == 0
    out = capsys.readouterr().out
    assert "3 contacts" in out
    assert "chat 2" in out and "email 1" in out
    assert "2026-03-02 .. 2026-03-10" in out


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("no_text.csv", "contact_id,body\nA1,hello\n"),  # the text is in another column
        ("no_id.csv", "ticket,text\nT1,hello\n"),  # the id is in another column
        ("contacts.txt", "contact_id,text\nA1,hello\n"),  # a file type the contract does not read
        ("empty.csv", ""),
    ],
)
def test_data_summary_of_a_wrong_file_exits_2_with_a_hint_it_can_follow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str
) -> None:
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    assert voc(tmp_path, "data", "summary", source) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(source) in err
    mentioned = set(OPTION.findall(err))
    unknown = mentioned - options_of(["data", "summary"], capsys)
    assert not unknown, f"the hint names options `voc data summary` does not have: {sorted(unknown)}\n{err}"


def test_label_export_on_a_wrong_contacts_file_points_to_a_command_that_can_fix_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contacts = make_contacts()
    themes = make_themes_dir(tmp_path / "themes", contacts)
    source = tmp_path / "export.csv"
    contacts.rename(columns={"text": "body"}).to_csv(source, index=False)
    argv = ["label", "export", "--themes", themes, "--contacts", source, "--out", tmp_path / "r.xlsx"]
    assert voc(tmp_path, *argv) == 2
    err = capsys.readouterr().err
    assert str(source) in err and "'text'" in err
    # Options of the command the hint quotes (in backticks) are that command's business.
    mentioned = set(OPTION.findall(re.sub(r"`[^`]*`", "", err)))
    assert not mentioned - options_of(["label", "export"], capsys), err
    assert "`voc data validate FILE --text-column NAME --out DIR`" in err


def test_data_summary_of_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert voc(tmp_path, "data", "summary", tmp_path / "nowhere.csv") == 2
    assert "no such file" in capsys.readouterr().err


# -- voc label history --------------------------------------------------------------------------


def test_label_history_lists_an_imported_version_with_who(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # room for every column, so no name is cut short
    contacts = make_contacts()
    themes = make_themes_dir(tmp_path / "themes", contacts)
    sheet = tmp_path / "review.xlsx"
    db = tmp_path / "labels.db"
    assert voc(tmp_path, "label", "export", "--themes", themes, "--out", sheet) == 0
    book = load_workbook(sheet)
    page = book["themes"]
    header = [cell.value for cell in page[1]]
    for row in range(2, page.max_row + 1):
        if page.cell(row=row, column=header.index("theme_id") + 1).value == 1:
            page.cell(row=row, column=header.index("label") + 1).value = "shipping_delay"
            page.cell(row=row, column=header.index("action") + 1).value = "accept"
    book.save(sheet)

    assert voc(tmp_path, "label", "history", "--catalogue", db) == 0
    before = capsys.readouterr().out
    assert "0 labelled themes" in before

    assert voc(tmp_path, "label", "import", sheet, "--who", "alice", "--catalogue", db) == 0
    capsys.readouterr()
    assert voc(tmp_path, "label", "history", "--catalogue", db) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if "alice" in line]
    assert len(rows) == 1, out
    assert re.search(r"\b1\b", rows[0]) and "themes" in rows[0], rows[0]
    assert "1 labelled themes" in out


# -- exit codes ---------------------------------------------------------------------------------

CRASH = """
import sys

import voc.contracts.contacts


def crash(*args, **kwargs):
    raise RuntimeError("disk on fire")


voc.contracts.contacts.validate_contacts = crash  # the command imports it when it runs
from cli.main import main

sys.exit(main(sys.argv[1:]))
"""


def test_an_unexpected_failure_exits_1_and_is_not_called_bad_input(tmp_path: Path) -> None:
    source = write_contacts_csv(tmp_path / "contacts.csv")
    done = subprocess.run(
        [sys.executable, "-c", CRASH, "--workspace", str(tmp_path / "ws"), "data", "summary", str(source)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "disk on fire" in done.stderr
    # Bad input reads "error: <file>: ..." with exit 2; a crash must not pass for the user's mistake.
    assert not done.stderr.startswith("error: ")
    assert f"error: {source}" not in done.stderr


# -- help pages ---------------------------------------------------------------------------------


def _commands() -> Iterator[tuple[list[str], Any]]:
    main(["--help"])  # registers the command groups, as every run does
    root = typer.main.get_command(cli.main.app)

    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            if not sub.hidden:
                yield from walk(sub, [*path, name])

    yield from walk(root, [])


COMMANDS = list(_commands())


def test_every_command_is_found() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "data summary", "label history", "label import", "discover", "tag", "train"} <= names


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(["voc", *path]) for path, _ in COMMANDS]
)
def test_help_renders_with_examples_that_fit_on_one_line(
    path: list[str], command: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    name = " ".join(["voc", *path])
    assert "Usage:" in out and "--help" in out, out
    assert "Examples" in out, f"`{name} --help` has no Examples section"
    epilog = command.epilog or ""
    examples = [p.strip() for p in epilog.split("\n\n") if p.strip().startswith("voc ")]
    assert examples, f"`{name}` has no example command in its epilog: {epilog!r}"
    lines = {line.strip() for line in out.splitlines()}
    broken = [example for example in examples if example not in lines]
    assert not broken, f"`{name} --help` at 100 columns breaks these examples across lines:\n" + "\n".join(
        broken
    )
    # Flags read as flags and arguments as ARGUMENTS, as in any finished command-line tool.
    assert "<bool>" not in out, f"`{name} --help` shows a flag as <bool>:\n{out}"
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert "{" not in usage and "}" not in usage, usage


@pytest.mark.parametrize(
    ("command", "choices"),
    [
        (["train"], ["<auto|embedding|tfidf|both>", "<auto|svm|logreg>", "<torch|onnx|onnx-int8>"]),
        (["tag"], ["<local|spark>", "<torch|onnx|onnx-int8>"]),
        (["data", "validate"], ["<parquet|csv|jsonl>"]),
    ],
)
def test_help_lists_the_choices_of_an_option(
    command: list[str],
    choices: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert all(choice in out for choice in choices), out


def test_examples_use_the_paths_make_demo_writes() -> None:
    raw, interim, processed = "workspace/data/raw", "workspace/data/interim", "workspace/data/processed"
    shown = {  # every step of `make demo`, as the examples show it
        f"{raw}/contacts.parquet",
        f"{interim}/contacts.parquet",
        "workspace/themes",
        "workspace/labels/review.xlsx",
        f"{processed}/labelled.parquet",
        f"{processed}/tagged.parquet",
        f"{raw}/orders.parquet",
    }
    # what make demo writes besides (or a folder of it), and a next week's themes beside them
    also = {raw, interim, f"{raw}/order_events.parquet", "workspace/labels.db", "workspace/themes-w48"}
    makefile = (ROOT / "Makefile").read_text()
    assert "$(VOC) report $(PROCESSED)/tagged.parquet" in makefile  # positional, as the help shows
    examples = " ".join(command.epilog or "" for _, command in COMMANDS)
    used = {path.rstrip(".") for path in re.findall(r"workspace/[\w/.-]+", examples)}
    assert shown <= used, f"no example shows {sorted(shown - used)}"
    assert used <= shown | also, f"paths make demo does not write: {sorted(used - shown - also)}"


HEAVY = ("pandas", "torch", "sklearn", "spacy", "mlflow", "sentence_transformers", "transformers")
IMPORTED = (
    "import sys\nfrom cli.main import main\ncode = main(sys.argv[1:])\n"
    "print('imported:', *sorted(m for m in {heavy} if m in sys.modules))\nsys.exit(code)\n"
)


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (["--help"], set()),
        (["train", "--help"], set()),
        # MLflow brings pandas (and numpy) itself; nothing of the model's stack.
        pytest.param(["models", "list"], {"mlflow", "pandas"}, marks=pytest.mark.slow),
    ],
    ids=["voc --help", "voc train --help", "voc models list"],
)
def test_the_cli_answers_without_importing_what_the_command_does_not_use(
    argv: list[str], allowed: set[str], tmp_path: Path
) -> None:
    script = IMPORTED.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", script, "--workspace", str(tmp_path / "ws"), *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = set(done.stdout.split("imported:")[-1].split())
    assert imported <= allowed, f"`voc {' '.join(argv)}` imports {sorted(imported - allowed)}"


def test_a_model_uri_that_is_not_a_model_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_contacts_csv(tmp_path / "contacts.csv")
    for uri in ("/etc/passwd", str(tmp_path), "models:/no-such-model@champion"):
        assert voc(tmp_path, "tag", source, "--model", uri, "--out", tmp_path / "tagged.parquet") == 2
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and uri in lines[0] and "Traceback" not in err
    assert not (tmp_path / "tagged.parquet").exists()
