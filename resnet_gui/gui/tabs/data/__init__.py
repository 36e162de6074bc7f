"""The data tab."""
