"""The PyInstaller bundle (slow; MYMOVE_BUILD_BUNDLE=1 or CI): self-test, keychain, TLS, tarball."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import selectors
import socket
import ssl
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from mymove_viewer import __version__
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
from tests.packaging_helpers import (
    BUILD_BUNDLE,
    IN_CI,
    ROOT,
    assert_installed,
    assert_uninstalled,
    clean_env,
    run_install,
)

# -- the PyInstaller bundle -----------------------------------------------------------------


needs_bundle = pytest.mark.skipif(
    not BUILD_BUNDLE, reason="builds the bundle (~2 min): set MYMOVE_BUILD_BUNDLE=1 (CI does)"
)


@pytest.fixture(scope="module")
def bundle() -> Path:
    """Runs packaging/build.sh once for the module; returns dist/mymove-viewer."""
    result = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=clean_env(),
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    print(result.stdout)  # the build's own timing and size lines, shown with -s or on failure
    app = ROOT / "dist" / "mymove-viewer"
    assert (app / "mymove-viewer").is_file()
    return app


def run_bundled(app: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(app / "mymove-viewer"), *args],
        capture_output=True,
        text=True,
        env=clean_env(QT_QPA_PLATFORM="offscreen", **env),
        timeout=120,
    )


@pytest.mark.slow
@needs_bundle
def test_bundle_passes_its_self_test(bundle: Path) -> None:
    result = run_bundled(bundle, "--self-test")
    assert result.returncode == 0, result.stderr
    assert "self-test: ok" in result.stdout
    assert run_bundled(bundle, "--version").stdout.strip() == f"mymove-viewer {__version__}"


@pytest.mark.slow
@needs_bundle
def test_bundle_finds_the_secret_service_backend(bundle: Path) -> None:
    if not os.environ.get("MYMOVE_PRIVATE_KEYRING"):
        message = "needs the private Secret Service that `python3 dev.py test` starts"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    result = run_bundled(bundle, "key", "status", "--env", "staging")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SecretService" in result.stdout


@pytest.mark.slow
@needs_bundle
def test_bundle_leaves_out_what_it_does_not_use(bundle: Path) -> None:
    names = {p.name for p in (bundle / "_internal").rglob("*")}
    for unwanted in ("libgtk-3.so.0", "libqgtk3.so", "QtQml.abi3.so", "QtNetwork.abi3.so"):
        assert unwanted not in names
    assert not any(name.startswith(("keyrings.alt", "tkinter", "_tkinter")) for name in names)
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < 200 * 1024 * 1024, f"the bundle grew to {size / 2**20:.0f} MiB"


@pytest.mark.slow
@needs_bundle
def test_bundle_verifies_tls_against_the_system_trust_store(bundle: Path, tmp_path: Path) -> None:
    """truststore in the bundle reads the OS trust configuration (here SSL_CERT_FILE, as OpenSSL
    does): with our test CA there the export succeeds; without it the connection is refused."""
    ca_file, context = make_tls_server_context(tmp_path)
    with Sandbox(leads=50, seed=5) as sandbox, TlsFront(sandbox.port, context) as front:
        url = f"https://127.0.0.1:{front.port}"
        args = ("export", "--base-url", url, "--client-id", DEMO_CLIENT_ID, "--days", "30")
        trusted = run_bundled(
            bundle,
            *args,
            "-o",
            str(tmp_path / "ok.csv"),
            MYMOVE_API_KEY=DEMO_API_KEY,
            SSL_CERT_FILE=str(ca_file),
        )
        assert trusted.returncode == 0, trusted.stderr
        rows = (tmp_path / "ok.csv").read_text(encoding="utf-8").splitlines()
        assert len(rows) > 1

        untrusted = run_bundled(
            bundle, *args, "-o", str(tmp_path / "no.csv"), MYMOVE_API_KEY=DEMO_API_KEY
        )
        assert untrusted.returncode == 5, untrusted.stderr  # network error: not verified
        assert "could not be verified" in untrusted.stderr
        assert not (tmp_path / "no.csv").exists()


@pytest.mark.slow
@needs_bundle
def test_release_tarball_installs_and_runs(bundle: Path, tmp_path: Path) -> None:
    tarball = ROOT / "dist" / f"mymove-viewer-{__version__}-linux-{os.uname().machine}.tar.gz"
    with tarfile.open(tarball) as archive:
        archive.extractall(tmp_path / "unpacked", filter="tar")
    release = tmp_path / "unpacked" / f"mymove-viewer-{__version__}"
    home = tmp_path / "home"
    home.mkdir()
    installed = run_install(release, home)
    assert installed.returncode == 0, installed.stderr
    link = assert_installed(home)
    version = subprocess.run([str(link), "--version"], capture_output=True, text=True)
    assert version.stdout.strip() == f"mymove-viewer {__version__}"
    removed = run_install(release, home, "--uninstall")
    assert removed.returncode == 0, removed.stderr
    assert_uninstalled(home)


# -- a TLS front for the sandbox --------------------------------------------------------------


def make_tls_server_context(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A throwaway CA (written to ``folder/ca.pem``) and a server context for 127.0.0.1."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def build(subject: str, key, issuer: str, signer, *, ca: bool) -> x509.Certificate:  # type: ignore[no-untyped-def]
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("mymove-viewer test CA", ca_key, "mymove-viewer test CA", ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = build("127.0.0.1", server_key, "mymove-viewer test CA", ca_key, ca=False)

    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    chain = folder / "server.pem"
    chain.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + server_cert.public_bytes(serialization.Encoding.PEM)
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    return ca_file, context


class TlsFront:
    """Terminates TLS on a loopback port and forwards the bytes to a plain-HTTP backend."""

    def __init__(self, backend_port: int, context: ssl.SSLContext) -> None:
        self.backend_port = backend_port
        self.context = context
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.wake = socket.socketpair()
        self.threads: list[threading.Thread] = []
        self.accepter = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> TlsFront:
        self.accepter.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wake[1].send(b"x")
        self.accepter.join()
        for thread in self.threads:
            thread.join(timeout=30)
        self.listener.close()
        for end in self.wake:
            end.close()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.listener, selectors.EVENT_READ)
            selector.register(self.wake[0], selectors.EVENT_READ)
            while True:
                for key, _ in selector.select():
                    if key.fileobj is self.wake[0]:
                        return
                    conn, _addr = self.listener.accept()
                    thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
                    self.threads.append(thread)
                    thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                tls = self.context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused our certificate: that is the point of one test
            with tls, socket.create_connection(("127.0.0.1", self.backend_port)) as backend:
                self._pump(tls, backend)

    def _pump(self, tls: ssl.SSLSocket, backend: socket.socket) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(tls, selectors.EVENT_READ)
            selector.register(backend, selectors.EVENT_READ)
            while True:
                events = selector.select(timeout=60)
                if not events:
                    return  # idle for a minute: the client is gone
                for key, _ in events:
                    source = key.fileobj
                    target = backend if source is tls else tls
                    try:
                        data = source.recv(65536)  # type: ignore[union-attr]
                        # Decrypted bytes can wait inside the TLS object, unseen by select().
                        while source is tls and tls.pending():
                            data += tls.recv(tls.pending())
                        if not data:
                            return
                        target.sendall(data)
                    except OSError:
                        return
