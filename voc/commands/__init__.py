"""One module per command group of the ``voc`` CLI."""
