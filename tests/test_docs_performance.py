"""The Dask and Spark recipes in docs/performance.md run as written (Spark through a stand-in
``DataFrame`` that ships the function the way Spark does: cloudpickle, then batches)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
dd = pytest.importorskip("dask.dataframe")
cloudpickle = pytest.importorskip("cloudpickle")

import perfscore  # noqa: E402
from perfscore.columnar import score_frame  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import gen  # noqa: E402

BLOCKS = re.findall(
    r"^```python\n(.*?)^```", (ROOT / "docs" / "performance.md").read_text("utf-8"), re.S | re.M
)


def _namespace() -> dict[str, Any]:
    rs = perfscore.load_ruleset_text(gen.ruleset_text(10), source="bench10.yaml")
    pdf = pd.DataFrame(gen.columns(10, 300, seed=3))
    return {"rs": rs, "pdf": pdf}


def test_the_doc_has_the_two_recipes() -> None:
    assert len(BLOCKS) == 2
    assert "map_partitions" in BLOCKS[0] and "mapInPandas" in BLOCKS[1]


def test_dask_recipe() -> None:
    import dask

    ns = _namespace()
    ns["ddf"] = dd.from_pandas(ns["pdf"], npartitions=3)
    with dask.config.set(scheduler="processes", num_workers=2):  # pickled to other processes
        exec(BLOCKS[0], ns)
    assert ns["scores"].sort_index().equals(score_frame(ns["rs"], ns["pdf"]))


class _SparkLike:
    """What ``mapInPandas`` does with the function: serialise it, run it on batches."""

    def __init__(self, pdf: Any, batch: int) -> None:
        self.batches = [pdf.iloc[i : i + batch] for i in range(0, len(pdf), batch)]
        self.result: Any = None
        self.schema = ""

    def mapInPandas(self, fn: Any, schema: str) -> None:
        shipped = cloudpickle.loads(cloudpickle.dumps(fn))
        self.schema = schema
        self.result = pd.concat(list(shipped(iter(self.batches))))


def test_spark_recipe_with_a_stand_in() -> None:
    ns = _namespace()
    ns["sample_pdf"] = ns["pdf"].head(5)
    ns["sdf"] = sdf = _SparkLike(ns["pdf"], batch=128)
    exec(BLOCKS[1], ns)
    want = score_frame(ns["rs"], ns["pdf"]).astype(str)
    assert sdf.result.equals(want)
    assert sdf.schema.startswith("`total` string, `grade` string")


@pytest.mark.slow
def test_spark_recipe_on_a_real_local_spark_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipe as written, on a local PySpark session. A long run of its own (JVM start-up,
    a 300 MB PySpark install): ``pip install -e '.[spark]'``, a JDK (``apt-get install
    default-jre-headless``), then ``pytest -m slow tests/test_docs_performance.py``."""
    import shutil

    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no JDK on PATH")
    from pyspark.sql import SparkSession

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # workers import perfscore too
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("perfscore-recipe")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    try:
        ns = _namespace()
        ns["sample_pdf"] = ns["pdf"].head(5)
        ns["sdf"] = spark.createDataFrame(ns["pdf"])
        exec(BLOCKS[1], ns)
        got = ns["sdf"].mapInPandas(ns["score_batches"], schema=ns["out_schema"]).toPandas()
    finally:
        spark.stop()
    want = score_frame(ns["rs"], ns["pdf"]).astype(str).reset_index(drop=True)
    assert got.equals(want)
