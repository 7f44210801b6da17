"""Writes a :class:`~voc.synth.generate.SynthData` to a folder: the files of ``voc data synth``.

``write(data, out_dir)`` writes ``contacts.parquet`` (the contact contract, no labels),
``ground_truth.parquet``, ``pii.parquet``, ``orders.parquet``, ``order_events.parquet``,
``incidents.json`` and a README, each
atomically; the same data gives byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path

from voc.files import write_table, write_text
from voc.synth.generate import SynthData


def write(data: SynthData, out_dir: str | Path) -> dict[str, Path]:
    """Write ``data`` into ``out_dir`` atomically; returns the paths by name."""
    out = Path(out_dir)
    paths = {
        "contacts": write_table(data.contacts, out / "contacts.parquet"),
        "ground_truth": write_table(data.ground_truth, out / "ground_truth.parquet"),
        "pii": write_table(data.pii, out / "pii.parquet"),
        "orders": write_table(data.orders, out / "orders.parquet"),
        "order_events": write_table(data.events, out / "order_events.parquet"),
        "incidents": write_text(out / "incidents.json", json.dumps(data.incidents, indent=2) + "\n"),
    }
    paths["readme"] = write_text(out / "README.md", _readme(data))
    return paths


def _readme(data: SynthData) -> str:
    c = data.config
    markets = ",".join(c.markets)
    return f"""# Synthetic contacts (voc data synth)

Made by `voc data synth --contacts {c.contacts} --weeks {c.weeks} --end-week {c.end_week} --seed {c.seed}
--markets {markets}`. Everything here is invented, including the personal data planted in the texts.

- `contacts.parquet`: {len(data.contacts):,} contacts in the contact contract (`contact_id, text,
  created_at, channel, order_id, market, category, order_stage, csat, nps, escalated`). No labels:
  this is what the pipeline reads.
- `ground_truth.parquet`: per contact `root_cause` (taxonomy id, null outside the taxonomy),
  `secondary_root_cause` (a second cause the text also mentions), `label` (what a careful human
  labeller gives, about {c.label_noise:.0%} confusions), `topic` (the cause, an off-taxonomy topic or
  an incident), `incident`, `in_taxonomy` and `language` (ISO 639-1: `en`, or `de`, `fr`, `es` for
  the about {c.foreign_share:.0%} of cases in those markets written in the market's language).
- `pii.parquet`: every personal value planted in a text (`contact_id, pii_type, value`); `value` is
  the exact substring of the text, so redaction recall can be measured. Kinds: name, email, phone,
  address, card, order_id, tracking_id, and in about {c.identity_share:.0%} of chats, e-mails and
  calls national_id (US SSN, UK NI number), date_of_birth, ip_address, password, pin, cvv, or a
  name given as the bare answer to the agent's question.
- `orders.parquet`: orders by `date, market, category` (the orders contract), for contacts per order.
- `order_events.parquet`: {len(data.events):,} events of those orders (the order-events contract:
  `order_id, event, at, market, category, failure_reason, amount, channel`): packed, shipped,
  delivered, cancellations (refused ones with a reason), returns and refunds. They agree with the
  contacts: every `cannot_cancel` contact follows a `cancel_failed`; most `refund_not_received`
  contacts follow a refund open for more than 7 days. Order ids are invented but shaped like real
  ones: treat the file as raw data.
- `incidents.json`: the planted incidents: a new friction that appears only in the last two weeks,
  an existing cause growing sharply in one market, and an operational one (cancellation refused
  once packed in one market, and the `cannot_cancel` contacts it causes), with their weeks and
  counts.

Channel text formats (chat, email, call, review, app) are described in the project README.
"""
