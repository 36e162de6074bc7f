"""The layers tab."""
