"""Shortlists: hard vetoes, hybrid retrieval, pair features, the engine and its reasons."""
