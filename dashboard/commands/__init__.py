"""One module per group of `shoplens` subcommands; each exposes register(subparsers). cli.py lists them."""
