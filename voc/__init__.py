"""The ground floor: the vocabulary every stage shares, importing no stage.

Errors (:mod:`voc.errors`), safe file writing (:mod:`voc.files`), the workspace layout
(:mod:`voc.workspace`), the taxonomy (:mod:`voc.taxonomy`), ISO weeks (:mod:`voc.weeks`), MLflow
tracking set-up (:mod:`voc.tracking`), the data contracts with one module per table
(:mod:`voc.contracts`) and the synthetic data generator (:mod:`voc.synth`). The stages sit on top:
``nlp`` (prepare, redact, embed, themes), ``training`` (classifier, registry, labelling, tagging) and
``reports``; the ``cli`` package is the roof.
"""

__version__ = "0.1.0"
