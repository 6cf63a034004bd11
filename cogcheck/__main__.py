"""``python -m cogcheck``."""

from cogcheck.cli import main

if __name__ == "__main__":
    main()
