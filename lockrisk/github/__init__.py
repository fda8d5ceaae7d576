"""The GitHub side of `lockrisk ci`: context from the environment, outputs, the sticky comment."""
