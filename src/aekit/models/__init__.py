"""Model families; importing this package registers them."""

from . import adversarial, classifier, conv, ensemble, mlp, spectral, vae  # noqa: F401
from .base import Autoencoder
from .vae import VAEBase

__all__ = ["Autoencoder", "VAEBase"]
