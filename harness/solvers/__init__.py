"""Solvers: one module per task kind (a task kind may have several, one per model capability), each meeting the contract of ``base.Solver``."""
