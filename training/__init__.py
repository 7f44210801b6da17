"""Root-cause classifier: training sets, models, evaluation, MLflow registry and batch tagging."""
