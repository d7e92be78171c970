r""" "Noisy" Batch Normalization (Santurkar, Tsipras, Ilyas & Mądry 2018, arXiv 1805.11604, Section 2.1).

The experiment behind "BatchNorm is not about internal covariate shift": after every BN layer,
add noise whose mean and variance change at every step, so each unit's input distribution
shifts far more than it would without BN at all, and observe that the network still trains
about as well as with plain BN (their Figure 2).

The noise model is the paper's Algorithm 1 in Appendix A.2.1 ("Noisy" BatchNorm), here for the
activation :math:`a_{i,j}` of sample i and unit j that the BN layer outputs (after γ and β: the
paper's a is "the batch-normalized activation", whose mean and variance BN fixes, "possibly
learnable"). At every training step t:

.. math:: \text{for each unit } j:\quad \mu^t_j \sim U(-n_\mu, n_\mu),\qquad \sigma^t_j \sim U(1, n_\sigma)

.. math:: \text{for each sample } i \text{ and unit } j:\quad m^t_{i,j} \sim U(\mu^t_j - r_\mu,\ \mu^t_j + r_\mu),\qquad
          s^t_{i,j} \sim N(\sigma^t_j,\ r_\sigma),\qquad a_{i,j} \leftarrow s^t_{i,j}\,a_{i,j} + m^t_{i,j}

with the paper's :math:`n_\mu = 0.5`, :math:`n_\sigma = 1.25`, :math:`r_\mu = r_\sigma = 0.1`.
Choices, each one stated:

- :math:`\mu^t_j, \sigma^t_j` are drawn per *unit* (channel) and per step, as the algorithm's
  "for each j" says, not once per layer.
- :math:`N(\sigma, r_\sigma)`: we read :math:`r_\sigma` as the standard deviation.
- Convolutions: "we follow the standard convention of treating the height and width dimensions
  as part of the batch", so every (n, h, w) position of a channel draws its own m and s.
- m and s are constants to the gradient: :math:`\partial a'/\partial a = s`.
- Noise is added in training only; eval is plain BN (running statistics), with no noise.
- Randomness comes from ``generator`` (a ``torch.Generator``) or, if ``seed`` is given, from a
  generator of our own seeded with it, so runs repeat; with neither, torch's global RNG. The
  generator's state is not part of ``state_dict``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from bnviz.norms.batch_norm import BatchNorm1d, BatchNorm2d


def sample_noise(
    like: Tensor, n_mu: float, n_sigma: float, r_mu: float, r_sigma: float, generator: torch.Generator | None
) -> tuple[Tensor, Tensor]:
    """One step's ``(s, m)``, each shaped like ``like`` ``(N, C, ...)``: the paper's Algorithm 1, lines 6-13."""
    c = like.shape[1]
    unit = (1, c, *([1] * (like.dim() - 2)))  # one value per channel j, broadcast over i (and h, w)
    opts = {"generator": generator, "dtype": like.dtype, "device": like.device}
    # μ^t_j ~ U(−n_μ, n_μ)
    mu = (torch.rand(c, **opts) * 2 - 1) * n_mu
    # σ^t_j ~ U(1, n_σ)
    sigma = 1 + torch.rand(c, **opts) * (n_sigma - 1)
    # m^t_ij ~ U(μ^t_j − r_μ, μ^t_j + r_μ)
    m = mu.view(unit) + (torch.rand(like.shape, **opts) * 2 - 1) * r_mu
    # s^t_ij ~ N(σ^t_j, r_σ)   (r_σ read as the standard deviation)
    s = sigma.view(unit) + torch.randn(like.shape, **opts) * r_sigma
    return s, m


class _NoisyBatchNorm:
    """The noise step shared by :class:`NoisyBatchNorm1d` and :class:`NoisyBatchNorm2d` (mixed in before BN)."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        n_mu: float = 0.5,
        n_sigma: float = 1.25,
        r_mu: float = 0.1,
        r_sigma: float = 0.1,
        generator: torch.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        if n_mu < 0 or n_sigma < 1 or r_mu < 0 or r_sigma < 0:
            raise ValueError(
                f"need n_mu >= 0, n_sigma >= 1, r_mu >= 0, r_sigma >= 0 "
                f"(got n_mu={n_mu}, n_sigma={n_sigma}, r_mu={r_mu}, r_sigma={r_sigma})"
            )
        if generator is not None and seed is not None:
            raise ValueError("give a generator or a seed, not both")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)  # BatchNorm*d
        self.n_mu, self.n_sigma, self.r_mu, self.r_sigma = n_mu, n_sigma, r_mu, r_sigma
        self.seed = seed
        self.generator = torch.Generator().manual_seed(seed) if seed is not None else generator

    def extra_repr(self) -> str:
        return (
            f"{super().extra_repr()}, n_mu={self.n_mu}, n_sigma={self.n_sigma}, r_mu={self.r_mu}, "
            f"r_sigma={self.r_sigma}, seed={self.seed}"
        )

    def forward(self, x: Tensor) -> Tensor:
        a = super().forward(x)  # BN: the batch-normalized activation a_ij (after γ, β)
        if not self.training:
            return a
        s, m = sample_noise(a, self.n_mu, self.n_sigma, self.r_mu, self.r_sigma, self.generator)
        # a_ij ← s_ij · a_ij + m_ij
        return torch.addcmul(m, s, a)


class NoisyBatchNorm1d(_NoisyBatchNorm, BatchNorm1d):
    r"""BatchNorm1d followed, in training, by the paper's time-varying noise (see the module docstring).

    ``BatchNorm1d``'s arguments, buffers and ``state_dict`` keys; keyword-only noise constants
    ``n_mu``, ``n_sigma``, ``r_mu``, ``r_sigma`` (the paper's 0.5, 1.25, 0.1, 0.1; 0, 1, 0, 0 is no
    noise) and ``generator`` or ``seed``.
    """


class NoisyBatchNorm2d(_NoisyBatchNorm, BatchNorm2d):
    r"""BatchNorm2d followed, in training, by the paper's time-varying noise, drawn per (n, h, w) position.

    ``BatchNorm2d``'s arguments, buffers and ``state_dict`` keys; keyword-only ``n_mu``,
    ``n_sigma``, ``r_mu``, ``r_sigma`` and ``generator`` or ``seed`` (see the module docstring).
    """
