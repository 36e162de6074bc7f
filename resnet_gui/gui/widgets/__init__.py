"""Widgets and helpers shared by the views."""
