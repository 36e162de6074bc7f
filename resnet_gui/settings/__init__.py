"""Run settings: typed, validated and described once; presets; TOML files. No torch, no Qt."""
