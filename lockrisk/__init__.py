"""lockrisk: find the risky major-version jumps in a lockfile diff."""

__version__ = "0.1.0"
