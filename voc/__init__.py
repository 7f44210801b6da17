"""Voice-of-Customer mining for cancellations, returns and refunds.

The shared glue lives here: the command line (``voc.cli``), the data contracts (``voc.contracts``),
the workspace layout (``voc.workspace``), the taxonomy (``voc.taxonomy``), safe file writing
(``voc.files``) and the synthetic data generator (``voc.synth``). The pipeline stages live in the
top-level packages ``nlp`` (prepare, redact, embed, themes), ``training`` (classifier, MLflow
registry, tagging) and ``reports`` (pain-point ranking and rendering).
"""

__version__ = "0.1.0"
