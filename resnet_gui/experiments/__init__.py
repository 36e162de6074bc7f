"""Experiments: sweeps of run settings searched by Optuna, each trial an ordinary run. No Qt.

``definition`` reads a sweep (``sweep.toml``); ``study`` keeps it in Optuna's storage;
``worker`` runs its trials (``trial`` runs one); ``results`` lists them and their importances;
``processes`` starts workers in the background (one per GPU where there are several).
"""
