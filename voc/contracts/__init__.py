"""The data contracts: one module per table, each with its columns and its one reader (and writer).

* :mod:`voc.contracts.reading`: what the input tables share: chunked raw readers for .csv,
  .parquet and .jsonl, value parsing, :class:`~voc.contracts.reading.ContractConfig`, the counts
  (``read == accepted + quarantined``) and the quarantine frame.
* :mod:`voc.contracts.contacts`: contacts (``contact_id``, ``text`` and optional columns):
  channels, order stages, validation and :func:`~voc.contracts.contacts.read_contacts`.
* :mod:`voc.contracts.orders`: orders per day, market and category, the denominator of CPO.
* :mod:`voc.contracts.tagged`: what ``voc tag`` writes and ``voc report`` reads.
* :mod:`voc.contracts.themes`: a discovery run's ``themes.parquet`` and ``assignments.parquet``.

Import from the table module; this package re-exports nothing.
"""
