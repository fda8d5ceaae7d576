"""The blast-radius catalogue and the known breakages, shipped as TOML data."""
