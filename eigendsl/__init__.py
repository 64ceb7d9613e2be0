"""EigenDSL: compile a domain spec into prompts, tool schemas, verifiers and a training manifest."""

__version__ = "0.1.0"
