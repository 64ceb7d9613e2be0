"""``python -m eigendsl.cli`` (and ``accelerate launch -m eigendsl.cli``) runs ``eigendsl``."""

from eigendsl.cli import main

main()
