"""Batch tagging of contacts with a registered model: local streaming and Spark engines."""
