"""Library subcommands of ``pathdep``: one module each, defining ``register(subparsers)``."""
