"""Redaction benchmark: recall of planted PII, over-redaction and speed.

Runs on the hand-written fixtures (``nlp.pii_fixtures``) and, with ``--synth DIR``, on a folder
written by ``voc data synth`` (``contacts.parquet`` + ``pii.parquet``). Both the redactor alone on the
raw text (strict) and the whole preparation (what reaches embeddings) are measured: recall per PII
kind (target >= 99.5% for every kind) and over-redaction as the share of non-PII tokens that
redaction changed (target < 0.01%). Speed compares
our spaCy redactor with the plain-regex baseline of the first version, in the same process, and
reports the ratio (timings on a shared machine are noisy).

Usage::

    python -m benchmarks.redaction                       # fixtures only
    python -m benchmarks.redaction --synth /tmp/synth    # plus synthetic data
    python -m benchmarks.redaction --synth /tmp/synth --speed-contacts 20000
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from nlp.pii_fixtures import fixture_contacts
from nlp.prepare import PrepareConfig, prepare_contacts
from nlp.redact import Redactor
from nlp.redaction_eval import TARGET_OVER_REDACTION, TARGET_RECALL, measure_redaction, meets_targets


def run(args: argparse.Namespace) -> dict:
    """Measure redaction; returns a JSON-able dict (also printed by ``main``)."""
    redactor = Redactor()
    results: dict = {}
    contacts, truth = fixture_contacts(rounds=3)
    results["fixtures"] = _measure(contacts, truth, redactor)
    synth = getattr(args, "synth", None)
    if not synth:
        # default: a fresh synthetic marketplace, so `make bench` measures on realistic contacts
        from voc.synth.export import write
        from voc.synth.generate import SynthConfig, generate

        synth = tempfile.mkdtemp(prefix="voc-bench-redaction-")
        write(generate(SynthConfig(contacts=5000, seed=7)), synth)
    if synth:
        folder = Path(synth)
        contacts = pd.read_parquet(folder / "contacts.parquet")
        truth = pd.read_parquet(folder / "pii.parquet")
        results["synth"] = _measure(contacts, truth, redactor)
    n = int(getattr(args, "speed_contacts", 20000) or 0)
    if n:
        results["speed"] = _speed(contacts, n, redactor)
    results["targets"] = {"recall": TARGET_RECALL, "over_redaction": TARGET_OVER_REDACTION}
    results.update(_tables(results))
    return results


def _tables(results: dict) -> dict:
    """Rows for ``python -m benchmarks``: recall per PII kind, over-redaction, speed."""
    sets = [name for name in ("fixtures", "synth") if name in results]
    kinds = sorted({k for name in sets for k in results[name]["prepared"]["planted_by_type"]})
    rows = []
    for kind in kinds:
        row: dict = {"kind": kind}
        for name in sets:
            prepared, raw = results[name]["prepared"], results[name]["raw_text"]
            row[f"{name} planted"] = prepared["planted_by_type"].get(kind)
            row[f"{name} recall"] = prepared["recall_by_type"].get(kind)
            row[f"{name} recall (raw text)"] = raw["recall_by_type"].get(kind)
        rows.append(row)
    over = [
        {
            "data": name,
            "measured on": mode,
            "non-PII tokens": results[name][mode]["non_pii_tokens"],
            "redacted": results[name][mode]["over_redacted_tokens"],
            "share %": round(100 * results[name][mode]["over_redaction"], 4),
            "meets targets": results[name][mode]["meets_targets"],
        }
        for name in sets
        for mode in ("prepared", "raw_text")
    ]
    notes = [
        f"targets: recall >= {TARGET_RECALL:.1%} for every kind, over-redaction < {TARGET_OVER_REDACTION:.2%}"
        " of non-PII tokens (on the prepared text, which is what models and reports see)",
        "raw_text also redacts agent turns, whose agent names are PII the synthetic truth does not list",
    ]
    if "speed" in results:
        notes.append(f"speed: {results['speed']}")
    return {
        "title": "Redaction: recall per PII kind",
        "rows": rows,
        "extra_tables": {"over-redaction": over},
        "notes": notes,
    }


def _measure(contacts: pd.DataFrame, truth: pd.DataFrame, redactor: Redactor) -> dict:
    texts = contacts.set_index("contact_id")["text"]
    channels = contacts.set_index("contact_id")["channel"] if "channel" in contacts else None
    out = {}
    for name, prepare in (("raw_text", False), ("prepared", True)):
        m = measure_redaction(texts, truth, redactor=redactor, channels=channels, prepare=prepare)
        m["meets_targets"] = meets_targets(m)
        out[name] = m
    return out


_BASELINE = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"\b(?:\d[ -]?){13,19}\b"),
    re.compile(r"(?:\+\d{1,3}[ .-]?)?(?:\(?\d{2,4}\)?[ .-]?){2,4}\d{2,4}"),
]


def _speed(contacts: pd.DataFrame, n: int, redactor: Redactor) -> dict:
    """Seconds to prepare+redact ``n`` contacts (repeating the input), against the regex baseline."""
    reps = -(-n // len(contacts))
    big = pd.concat([contacts] * reps, ignore_index=True).iloc[:n]
    t0 = time.perf_counter()
    prepare_contacts(big, PrepareConfig(redact=False))
    t_prepare = time.perf_counter() - t0
    t0 = time.perf_counter()
    prepare_contacts(big)
    t_full = time.perf_counter() - t0
    texts = list(big["text"])
    t0 = time.perf_counter()
    for t in texts:
        for p in _BASELINE:
            t = p.sub("[X]", t)
    t_base = time.perf_counter() - t0
    return {
        "contacts": n,
        "prepare_only_s": round(t_prepare, 2),
        "prepare_and_redact_s": round(t_full, 2),
        "contacts_per_s": round(n / t_full),
        "regex_baseline_s": round(t_base, 2),
        "ratio_to_regex_baseline": round(t_full / t_base, 1) if t_base else None,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("redaction")
    group.add_argument("--synth", help="redaction: a `voc data synth` folder (default: 5,000 fresh contacts)")
    group.add_argument("--speed-contacts", type=int, default=20000, help="redaction: contacts timed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.redaction", description=__doc__.split("\n")[0]
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    results = run(args)
    print(json.dumps(results, indent=2))
    ok = all(v["prepared"]["meets_targets"] for k, v in results.items() if k in ("fixtures", "synth"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
