"""The domain and the engine: records, storage, filters, features, shortlists, plans, outcomes."""
