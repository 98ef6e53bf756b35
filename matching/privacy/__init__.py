"""Privacy: the audit log of what was shown, and erasure of a candidate."""
