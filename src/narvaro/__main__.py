"""``python -m narvaro``: the command-line interface (see :mod:`narvaro.cli`)."""

from .cli import main

if __name__ == "__main__":
    main()
