"""The domain and the engine, in subpackages along its seams.

``records`` (schemas, storage, CSV), ``shortlists`` (vetoes, features, retrieval,
the engine, overrides), ``events`` (the *prettig gesprek* planner), ``outcomes``
(recording, aftercare, labels), ``sroi`` (social value), ``privacy`` (audit log,
erasure), ``report`` (the outcome report) and ``serving`` (the model registry
reader, shared answers). See ``docs/architecture.md``.
"""
