"""What the running service needs besides the engine: the model registry reader and the
shortlist answers shared between worker processes."""
