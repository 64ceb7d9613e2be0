"""Training: the chat format, the embedded tokenizer and model, and the SFT stage.

Modules import torch, transformers and TRL only where they need them, so the runtime can use
:func:`eigendsl.train.chat.parse_tool_calls` without loading a training stack.
"""
