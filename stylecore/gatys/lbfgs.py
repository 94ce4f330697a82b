"""L-BFGS over a batch of independent images, each with its own curvature history.

Why not torch.optim.LBFGS: it treats all parameters as one vector, so a batch of renders would
share one history and one step size and every job's result would depend on its batch mates.
Here each row of the batch is its own problem: its own history, its own H0 scaling and first
step, and the same arithmetic as torch.optim.LBFGS without line search (as neural-style runs it:
learning rate 1, no tolerance stops). With a batch of one it takes exactly torch's steps.

One deliberate addition, the start-up line search: torch's first step is 1/|g|_1 times the
gradient. With neural-style's loss scale (|g|_1 around 1e7) and an image started from the
content (values near 100), that step moves each pixel by about 1e-5, below float32's resolution
there, and the loss is not convex along -g near the content (measured: s.y < 0 for steps of 0.1
to 10 grey levels). The first curvature pair is then rounding noise, accepted or rejected by
luck, and when it is rejected torch goes on with an unscaled unit step that raised the loss
500-fold in our benchmark. When `step` is given an `evaluate` function, a row that holds no
accepted curvature pair (the first iteration, or after rejections) instead tries steps that move
its largest coordinate by 1, 4, 16, 64 and 256 units (grey levels, for the engine), keeping the
best; that costs up to five forward passes without gradients, normally once per render level.

History is kept as one ring of (B, N) tensors. A row whose curvature condition fails (s.y <=
1e-10) stores zeros for that entry, so it contributes nothing to the two-loop recursion; torch
would instead keep an older entry, a difference that only shows on degenerate problems.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


class BatchedLBFGS:
    """Minimise a sum of per-row objectives over `param` (B, ...).

    `closure()` must zero/refill `param.grad` and return the per-row losses (B,).
    """

    #: Reaches tried by the start-up line search, in units of the largest coordinate's move.
    SEARCH_REACHES = (1.0, 4.0, 16.0, 64.0, 256.0)

    def __init__(
        self,
        param: torch.Tensor,
        history_size: int = 100,
        lr: float = 1.0,
        bounds: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> None:
        """`bounds`: (low, high), broadcastable to `param`: every step is projected into
        them (pixels stay displayable), and the curvature pairs use the move actually made."""
        self.param = param
        self.bounds = bounds
        self.last_move: torch.Tensor | None = None
        self.history_size = history_size
        self.lr = lr
        self.batch = param.shape[0]
        self.steps: list[torch.Tensor] = []  # s_k, (B, N)
        self.grad_diffs: list[torch.Tensor] = []  # y_k, (B, N)
        self.rhos: list[torch.Tensor] = []  # 1 / (y_k . s_k), 0 where rejected, (B,)
        self.h_diag = torch.ones(self.batch, 1, device=param.device, dtype=param.dtype)
        self.direction: torch.Tensor | None = None
        self.step_size: torch.Tensor | None = None
        self.prev_grad: torch.Tensor | None = None
        self.iteration = 0

    def _flat_grad(self) -> torch.Tensor:
        grad = self.param.grad
        if grad is None:
            raise RuntimeError("closure did not compute a gradient")
        return grad.detach().reshape(self.batch, -1)

    @torch.no_grad()
    def step(
        self,
        closure: Callable[[], torch.Tensor],
        evaluate: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Evaluate the objective at the current point, then move every row one L-BFGS step.

        `closure()` fills `param.grad` and returns per-row losses; `evaluate(x)`, if given,
        returns per-row losses at `x` without gradients and enables the start-up line search.
        Returns the per-row losses at the point evaluated (before the move).
        """
        with torch.enable_grad():
            losses = closure()
        grad = self._flat_grad()
        self.iteration += 1
        first = torch.zeros(self.batch, dtype=torch.bool, device=grad.device)
        if self.direction is None or self.prev_grad is None or self.step_size is None:
            first[:] = True
            direction = -grad
        else:
            direction = self._two_loop(grad)
            # A row whose direction is not a descent direction starts over with steepest descent.
            ascent = (grad * direction).sum(1) > 0
            if bool(ascent.any()):
                self._forget_rows(ascent)
                direction = torch.where(ascent[:, None], -grad, direction)
                first |= ascent
        self.prev_grad = grad.clone()
        lr = torch.full((self.batch, 1), self.lr, device=grad.device, dtype=grad.dtype)
        initial = torch.clamp(1.0 / grad.abs().sum(1, keepdim=True), max=1.0) * self.lr
        step_size = torch.where(first[:, None], initial, lr)
        if evaluate is not None:
            searching = first | ~self._has_history()
            if bool(searching.any()):
                step_size = self._search(direction, step_size, searching, losses, evaluate)
        self.direction, self.step_size = direction, step_size
        move = direction * step_size
        if self.bounds is None:
            self.param.add_(move.view_as(self.param))
        else:
            before = self.param.detach().clone()
            self.param.add_(move.view_as(self.param))
            self._project(self.param)
            move = (self.param.detach() - before).reshape(self.batch, -1)
        self.last_move = move
        return losses.detach()

    def _project(self, x: torch.Tensor) -> torch.Tensor:
        if self.bounds is not None:
            low, high = self.bounds
            torch.maximum(torch.minimum(x, high, out=x), low, out=x)
        return x

    def _two_loop(self, grad: torch.Tensor) -> torch.Tensor:
        assert self.prev_grad is not None and self.direction is not None
        assert self.last_move is not None
        y = grad - self.prev_grad
        s = self.last_move
        ys = (y * s).sum(1)
        accept = ys > 1e-10
        if len(self.steps) == self.history_size:
            self.steps.pop(0)
            self.grad_diffs.pop(0)
            self.rhos.pop(0)
        self.steps.append(s)
        self.grad_diffs.append(y)
        self.rhos.append(torch.where(accept, 1.0 / torch.where(accept, ys, 1.0), 0.0))
        yy = (y * y).sum(1)
        self.h_diag = torch.where(accept[:, None], (ys / yy.clamp_min(1e-30))[:, None], self.h_diag)

        q = -grad
        alphas = []
        for s_i, y_i, rho_i in zip(
            reversed(self.steps), reversed(self.grad_diffs), reversed(self.rhos), strict=True
        ):
            alpha = torch.linalg.vecdot(s_i, q) * rho_i
            q.addcmul_(y_i, alpha[:, None], value=-1.0)
            alphas.append(alpha)
        r = q * self.h_diag
        for s_i, y_i, rho_i, alpha in zip(
            self.steps, self.grad_diffs, self.rhos, reversed(alphas), strict=True
        ):
            beta = torch.linalg.vecdot(y_i, r) * rho_i
            r.addcmul_(s_i, (alpha - beta)[:, None])
        return r

    def _search(
        self,
        direction: torch.Tensor,
        step_size: torch.Tensor,
        rows: torch.Tensor,
        losses: torch.Tensor,
        evaluate: Callable[[torch.Tensor], torch.Tensor],
    ) -> torch.Tensor:
        """Step sizes for `rows`: the best of growing reaches while the loss keeps falling."""
        start = self.param.detach().clone().reshape(self.batch, -1)
        reach = direction.abs().amax(1, keepdim=True).clamp_min(1e-30)
        best_loss = losses.detach().reshape(-1).clone()
        best_size = step_size.clone()
        found = torch.zeros_like(rows)
        improving = rows.clone()
        for units in self.SEARCH_REACHES:
            if not bool(improving.any()):
                break
            trial_size = torch.where(improving[:, None], units / reach, best_size)
            trial = self._project((start + direction * trial_size).view_as(self.param))
            trial_loss = evaluate(trial).detach().reshape(-1)
            better = improving & (trial_loss < best_loss)
            best_loss = torch.where(better, trial_loss, best_loss)
            best_size = torch.where(better[:, None], trial_size, best_size)
            found |= better
            improving = better
        # Rows where no trial lowered the loss keep torch's cautious first step.
        return torch.where(found[:, None], best_size, step_size)

    def _has_history(self) -> torch.Tensor:
        """(B,) whether each row holds at least one accepted curvature pair."""
        if not self.rhos:
            return torch.zeros(self.batch, dtype=torch.bool, device=self.param.device)
        return torch.stack(self.rhos).gt(0).any(0)

    def _forget_rows(self, rows: torch.Tensor) -> None:
        """Drop the history of `rows` (B,) so they restart from steepest descent."""
        keep = (~rows)[:, None]
        self.steps = [s * keep for s in self.steps]
        self.grad_diffs = [y * keep for y in self.grad_diffs]
        self.rhos = [rho * keep[:, 0] for rho in self.rhos]
        self.h_diag = torch.where(rows[:, None], torch.ones_like(self.h_diag), self.h_diag)
