"""Differential fuzzing of the router against ``@apollo/gateway`` on generated subgraphs.

``python -m tests.differential --operations 300 --seed 1`` runs the long campaign; the fixed
seed run in ``make test`` is ``test_differential_fuzz.py``.
"""
