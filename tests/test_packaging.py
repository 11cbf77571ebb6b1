"""`pip install .` builds the package without setuptools warnings and with the demo data inside (issue 18: setuptools
warned that `analysis.demo_data` was absent from the packages configuration)."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_builds_without_warnings_and_holds_demo_data(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".venv", ".shoplens", ".git", "build", "*.egg-info",
                                                             "__pycache__", "tests", "bench"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v", "-w",
                        str(tmp_path / "whl"), str(src)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "BuildBackendWarning" not in r.stdout + r.stderr
    wheel = next((tmp_path / "whl").glob("shoplens-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"analysis/demo_data/online_retail.csv.gz", "analysis/demo_data/womens_clothing_reviews.csv.gz"} <= set(names)
