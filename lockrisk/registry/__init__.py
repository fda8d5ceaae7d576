"""Registry look-ups (imported only when a command goes online; requests loads here, not at start-up)."""
