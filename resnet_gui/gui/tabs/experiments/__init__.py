"""The Experiments tab: define a sweep, run it in the background, read its trials."""
