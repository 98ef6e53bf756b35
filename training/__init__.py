"""Offline pipelines: simulated municipality, datasets, training, evaluation, reports."""
