"""SFT's loss from the logits at the learned (labelled) positions only
(``SFTSettings.labelled_logits``): :func:`labelled_logits_trainer`, TRL's ``SFTTrainer`` with that
loss, and :func:`labelled_logits`, the logits it takes.
"""

from __future__ import annotations

from typing import Any

# ``SFTSettings.labelled_logits`` left to None takes this loss below this vocabulary
LABELLED_LOGITS_VOCAB = 32_000


def labelled_logits_trainer() -> type:
    """The ``SFTTrainer`` class whose loss takes :func:`labelled_logits` (made when asked for:
    torch and TRL load lazily)."""
    import torch
    from trl import SFTTrainer

    class LabelledLogitsSFTTrainer(SFTTrainer):
        """``SFTTrainer`` whose loss is the cross-entropy of the tokens it learns, with logits
        computed at those positions only: the model's body over the whole dialogue, then its
        output layer where the (shifted) label is not -100, about a fifth of the positions in a
        retail dialogue. The same value as the model's own loss and as TRL's chunked
        log-probabilities; TRL's entropy and token-accuracy metrics are not logged.

        On the first batch the selected logits are compared with the model's full ones; a
        model whose logits are not its output layer applied to its body's last hidden state
        (e.g. with logit soft-capping), and any run on several processes (where the body
        called alone would skip the gradient synchronisation), use the model's full loss."""

        _selectable: bool | None = None

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            core = self.accelerator.unwrap_model(model)
            if return_outputs or not self._can_select(core, inputs):
                outputs = model(**inputs, use_cache=False, num_items_in_batch=num_items_in_batch)
                loss = outputs.loss
            else:
                # the body is called past the forward that the accelerator wrapped in autocast
                with self.accelerator.autocast():
                    logits, targets = labelled_logits(core, inputs)
                loss = torch.nn.functional.cross_entropy(logits.float(), targets, reduction="sum")
                count = targets.numel() if num_items_in_batch is None else num_items_in_batch
                loss = loss / torch.as_tensor(count, device=loss.device).clamp(min=1)
            if self.args.average_tokens_across_devices and num_items_in_batch is not None:
                loss = loss * self.accelerator.num_processes  # DDP averages what was a global sum
            return (loss, outputs) if return_outputs else loss

        def _can_select(self, core: Any, inputs: dict[str, Any]) -> bool:
            if self._selectable is None:
                self._selectable = self.accelerator.num_processes == 1 and self._selection_matches(
                    core, inputs
                )
            return self._selectable

        def _selection_matches(self, core: Any, inputs: dict[str, Any]) -> bool:
            with torch.no_grad():
                full = core(
                    **{k: v for k, v in inputs.items() if k != "labels"}, use_cache=False
                ).logits
                try:
                    with self.accelerator.autocast():
                        selected, _ = labelled_logits(core, inputs)
                except (AttributeError, TypeError):  # no separate body and output layer
                    return False
            keep = inputs["labels"][:, 1:] != -100
            expected = full[:, :-1][keep]
            # attention with and without the padding mask may take different kernels: equal up to
            # rounding, which in bf16 or fp16 is about a hundred times coarser
            tolerance = 1e-3 if expected.dtype == torch.float32 else 5e-2
            return selected.shape == expected.shape and torch.allclose(
                selected.float(), expected.float(), rtol=tolerance, atol=tolerance
            )

    return LabelledLogitsSFTTrainer


def labelled_logits(model: Any, inputs: dict[str, Any]) -> tuple[Any, Any]:
    """The logits at the positions whose next token is learned (the shifted label is not -100),
    and those tokens: ``model``'s body over the whole batch, its output layer at those positions.

    A batch padded on the right goes through the body without its attention mask: under the
    causal mask no real token sees the padding after it, so the learned positions' logits are the
    same, and attention without a mask takes the fused causal path (a CPU step 0.48 s instead of
    0.63 s on a retail batch of 8 × 1,090 tokens)."""
    body = {k: v for k, v in inputs.items() if k != "labels"}
    mask = body.get("attention_mask")
    if mask is not None and mask.dim() == 2 and bool((mask[:, 1:] <= mask[:, :-1]).all()):
        del body["attention_mask"]
    hidden = model.base_model(**body, use_cache=False).last_hidden_state[:, :-1]
    targets = inputs["labels"][:, 1:]
    keep = targets != -100
    return model.get_output_embeddings()(hidden[keep]), targets[keep]
