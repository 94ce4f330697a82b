"""The batched L-BFGS takes exactly torch.optim.LBFGS's steps, row by row."""

from __future__ import annotations

import pytest
import torch

from stylecore.gatys.lbfgs import BatchedLBFGS


def _problem(rows: int):
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(rows, 30, 30, generator=generator, dtype=torch.float64)
    a = a @ a.transpose(1, 2) + 0.1 * torch.eye(30, dtype=torch.float64)
    b = torch.randn(rows, 30, generator=generator, dtype=torch.float64)
    x0 = torch.randn(rows, 30, generator=generator, dtype=torch.float64)

    def objective(x, row=None):
        aa, bb = (a, b) if row is None else (a[row : row + 1], b[row : row + 1])
        quad = 0.5 * torch.einsum("bi,bij,bj->b", x, aa, x) - (bb * x).sum(1)
        return quad + 0.05 * x.pow(4).sum(1)

    return objective, x0


def _closure(x, objective):
    """What the engine's closure does: fill x.grad, return the per-row losses."""

    def closure():
        x.grad = None
        losses = objective(x)
        losses.sum().backward()
        return losses.detach()

    return closure


def _row_closure(objective, y, row, reference):
    """torch.optim.LBFGS's closure for one row of the problem, the reference to compare to."""

    def closure():
        reference.zero_grad()
        loss = objective(y, row).sum()
        loss.backward()
        return loss

    return closure


def test_matches_torch_lbfgs_row_by_row():
    objective, x0 = _problem(3)
    x = x0.clone().requires_grad_(True)
    ours = BatchedLBFGS(x, history_size=5)

    closure = _closure(x, objective)
    for _ in range(25):
        ours.step(closure)
    for row in range(3):
        y = x0[row : row + 1].clone().requires_grad_(True)
        reference = torch.optim.LBFGS(
            [y], lr=1, max_iter=1, history_size=5, tolerance_grad=-1, tolerance_change=-1
        )

        reference_closure = _row_closure(objective, y, row, reference)

        for _ in range(25):
            reference.step(reference_closure)
        torch.testing.assert_close(x.detach()[row], y.detach()[0], rtol=1e-9, atol=1e-9)


def test_converges_to_the_minimum():
    objective, x0 = _problem(2)
    x = x0.clone().requires_grad_(True)
    optimiser = BatchedLBFGS(x, history_size=10)

    closure = _closure(x, objective)
    for _ in range(150):
        optimiser.step(closure)
    for row in range(2):
        y = x0[row : row + 1].clone().requires_grad_(True)
        reference = torch.optim.LBFGS([y], max_iter=500, line_search_fn="strong_wolfe")

        reference_closure = _row_closure(objective, y, row, reference)

        reference.step(reference_closure)
        best = objective(y.detach(), row).item()
        assert objective(x.detach()[row : row + 1], row).item() == pytest.approx(best, abs=1e-6)
