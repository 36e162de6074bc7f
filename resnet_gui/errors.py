"""Errors whose message is meant for the user: what went wrong and what to do about it."""

from __future__ import annotations


class UserError(Exception):
    """A failure the user can act on; ``str(err)`` is the message to show them."""


class ConfigError(UserError):
    """The settings are invalid; the message names each offending field."""


class DataError(UserError):
    """The data set is missing, unreadable or could not be downloaded."""

    def __init__(self, message: str, offer_sample: bool = False) -> None:
        super().__init__(message)
        self.offer_sample = offer_sample


class TrainingError(UserError):
    """Training itself failed: the loss diverged, memory ran out, the device is unusable."""


class Cancelled(UserError):
    """The user cancelled a long step (such as decoding an image folder) before training began."""
