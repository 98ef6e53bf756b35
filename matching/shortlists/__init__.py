"""Shortlists: hard vetoes, dense retrieval, pair features, the engine and its reasons."""
