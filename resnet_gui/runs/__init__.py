"""The run history (SQLite), what records into it, and runs started as processes of their own."""
