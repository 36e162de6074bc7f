"""The ``resnet-gui`` command line: the window by default, headless training and inspection otherwise."""

from .main import main

__all__ = ["main"]
