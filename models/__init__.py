"""Machine-learning building blocks that know nothing of the matching domain.

Import the submodules directly (``from models.encoders import DenseEncoder``);
this package deliberately imports nothing so that loading one part never pulls
in the heavy libraries of another.
"""
