"""aekit: autoencoders as a tool for your own data."""

__version__ = "0.1.0"

from .checkpoint import Checkpoint, load, save_model  # noqa: E402
from .data import Dataset, load_dataset  # noqa: E402
from .errors import AekitError  # noqa: E402
from .estimators import AnomalyDetector, AutoencoderClassifier, AutoencoderTransformer  # noqa: E402
from .registry import build_model, list_models  # noqa: E402
from .runs import train_run  # noqa: E402
from .training import History, TrainConfig, fit  # noqa: E402

__all__ = [
    "AekitError",
    "AnomalyDetector",
    "AutoencoderClassifier",
    "AutoencoderTransformer",
    "Checkpoint",
    "Dataset",
    "History",
    "TrainConfig",
    "build_model",
    "fit",
    "list_models",
    "load",
    "load_dataset",
    "save_model",
    "train_run",
    "__version__",
]
