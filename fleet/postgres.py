"""A throw-away PostgreSQL server for tests, the demo and the load test: `initdb` and `pg_ctl` on a
temporary data directory, listening on 127.0.0.1 (and a private unix socket) only.

PostgreSQL refuses to run as root; as root the server runs as the unprivileged user `nobody` (its data
directory is handed over to that user). The binaries come from Debian's postgresql package
(/usr/lib/postgresql/<version>/bin) or from PATH.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

RUN_AS = "nobody"


class PostgresUnavailableError(RuntimeError):
    pass


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: the newest Debian version, else PATH; None when PostgreSQL is absent."""
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if versions:
        return Path(versions[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TempPostgres:
    """Use as a context manager; `url` is the SQLAlchemy URL of its `postgres` database."""

    def __init__(self, durable: bool = True, port: int | None = None) -> None:
        self.durable = durable  # False: fsync off (tests); True: as a real server writes (load test)
        self.port = port or _free_port()
        self.root: Path | None = None
        found = bin_dir()
        if found is None:
            raise PostgresUnavailableError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        self.bin = found

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://fleet@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", RUN_AS, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, cwd="/")
        if result.returncode != 0:
            raise PostgresUnavailableError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-500:]}")

    def start(self) -> TempPostgres:
        self.root = Path(tempfile.mkdtemp(prefix="fleet-pg-"))
        os.chmod(self.root, 0o700)
        if os.geteuid() == 0:
            user = pwd.getpwnam(RUN_AS)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        try:
            self._run("initdb", "-D", str(self.data), "-U", "fleet", "-A", "trust", "-E", "UTF8",
                      "--locale=C", "--no-instructions")
            options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=60"
            if not self.durable:
                options += " -F -c synchronous_commit=off -c full_page_writes=off"
            self._run("pg_ctl", "start", "-D", str(self.data), "-w", "-t", "60", "-l", str(self.root / "server.log"),
                      "-o", options)
        except BaseException:
            self.stop()
            raise
        return self

    def sizes(self, *tables: str) -> dict[str, int]:
        """Bytes on disk of the whole database ("database") and of each table with its indexes."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=fleet dbname=postgres") as conn:
            sizes = {"database": conn.execute("SELECT pg_database_size('postgres')").fetchone()[0]}  # type: ignore[index]
            for table in tables:
                row = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (table,)).fetchone()
                sizes[table] = row[0] if row else 0
        return {name: int(value) for name, value in sizes.items()}

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailableError):
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", "60")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> TempPostgres:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
