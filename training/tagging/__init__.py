"""Batch tagging of contacts with a registered model.

``run`` (what ``voc tag`` calls) picks an engine: ``local`` (streaming, resumable, over ``staging``)
or ``spark``; both write the files of ``output``. ``memory`` tags a DataFrame in memory.
"""
