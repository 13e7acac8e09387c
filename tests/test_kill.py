"""A run killed in the middle of its load leaves the warehouse as it was; the next run completes the work."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import SAMPLES, count_rows, khabar_cli

# Runs the real CLI, but SIGKILLs the process right after the loader has inserted its first batch,
# inside the open transaction: the same as `kill -9` arriving mid-load, without a race.
KILL_AFTER_FIRST_BATCH = """
import os, signal, sys
from khabar.warehouse import load
insert = load._insert_batch
def insert_then_die(*args, **kwargs):
    insert(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
load._insert_batch = insert_then_die
from khabar.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_kill_mid_load_leaves_the_warehouse_unchanged(prefect_api: str, tmp_path: Path) -> None:
    db = str(tmp_path / "killed.duckdb")
    first = khabar_cli(["ingest", str(SAMPLES / "000_e840aa923773798b.txt"), "--db", db], prefect_api)
    assert first.returncode == 0, first.stderr
    before = count_rows(db)

    script = tmp_path / "die.py"
    script.write_text(KILL_AFTER_FIRST_BATCH)
    killed = khabar_cli(["ingest", str(SAMPLES), "--db", db, "--batch-size", "2"], prefect_api, script_path=str(script))
    assert killed.returncode == -signal.SIGKILL
    assert count_rows(db) == before

    again = khabar_cli(["ingest", str(SAMPLES), "--db", db, "--batch-size", "2"], prefect_api)
    assert again.returncode == 0, again.stderr
    assert "freed 1 slot(s) of khabar-writer-killed-" in again.stdout + again.stderr  # the dead run's slot
    after = count_rows(db)
    assert after["documents"] == after["articles"] == after["story_members"] == 5
    assert after["runs"] == before["runs"] + 1


HOLD = """
import sys, time
from khabar.warehouse.scratch import held_folder
with held_folder(sys.argv[1], "khabar-other-") as folder:
    print(folder, flush=True)
    time.sleep(120)
"""


def test_a_scratch_folder_is_swept_once_its_process_is_killed_not_before(tmp_path: Path) -> None:
    from khabar.warehouse.scratch import held_folder

    def holder() -> tuple[subprocess.Popen[str], Path]:
        process = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        return process, Path(process.stdout.readline().strip())

    (live, live_folder), (killed, killed_folder) = holder(), holder()
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    not_held = tmp_path / "khabar-not-held"  # a folder without the lock file is never khabar's to remove
    not_held.mkdir()
    try:
        assert killed_folder.is_dir() and live_folder.is_dir()
        with held_folder(str(tmp_path), "khabar-mine-") as mine:
            assert Path(mine).is_dir() and Path(mine).parent == tmp_path
            assert not killed_folder.exists() and live_folder.is_dir() and not_held.is_dir()
        assert not Path(mine).exists()
    finally:
        live.kill()
        live.wait()
