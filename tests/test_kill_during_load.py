"""A process killed with SIGKILL in the middle of a load leaves the database as it was before that load."""
import os
import signal
import subprocess
import sys
import time

import pytest

from analysis import store
from analysis.demo import ORDERS_FILE

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOADER = """
import sys
from analysis import store, ingest
con = store.connect(sys.argv[1])
print("STARTED", flush=True)
ingest.load_file(con, "orders", sys.argv[2], mode="replace", db_path=sys.argv[1])
print("DONE", flush=True)
"""


@pytest.mark.parametrize("delay", [0.4, 1.2, 2.2])
def test_kill_9_mid_load(tmp_path, write, delay):
    db = tmp_path / "k.duckdb"
    con = store.connect(db)
    small = write("s.csv", "InvoiceDate,Quantity,UnitPrice\n2011-01-01,1,2\n2011-01-02,3,4\n")
    from analysis import ingest

    ingest.load_file(con, "orders", small, db_path=db)
    before = con.execute("SELECT * EXCLUDE (_upload_id) FROM orders ORDER BY ALL").fetchall()
    con.close()

    env = {**os.environ, "PYTHONPATH": ROOT, "SHOPLENS_HOME": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", LOADER, str(db), str(ORDERS_FILE)], stdout=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdout.readline().strip() == "STARTED"
    time.sleep(delay)
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    con = store.connect(db)
    n = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    uploads = con.execute("SELECT count(*) FROM uploads").fetchone()[0]
    if n == len(before):  # killed before commit: exactly the old rows, and no record of the load
        assert con.execute("SELECT * EXCLUDE (_upload_id) FROM orders ORDER BY ALL").fetchall() == before
        assert uploads == 1
    else:  # the load had committed before the kill: all of it, with its upload record
        assert finished or n == 535303
        assert n == 535303 and uploads == 2
    con.close()
