"""The architecture tab."""
