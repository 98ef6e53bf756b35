"""Offline pipelines: simulated municipality, datasets, training, evaluation, run logging."""
