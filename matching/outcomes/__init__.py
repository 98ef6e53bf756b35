"""Outcomes: recording what contacts led to, aftercare (*nazorg*) and graded labels."""
