"""Packaging: desktop and AppStream files, icons, the wheel in a fresh venv, the install script,
and the PyInstaller bundle (its self-test, its keychain backend and its TLS trust store).

The wheel and bundle tests are slow. The bundle is built only when MYMOVE_BUILD_BUNDLE=1 or CI is
set; validators missing on the machine skip their tests locally but fail them in CI.
"""

from __future__ import annotations

import configparser
import datetime as dt
import ipaddress
import os
import selectors
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tarfile
import threading
import tomllib
import venv
import xml.etree.ElementTree as ET
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from mymove_viewer import APP_ID, APP_NAME, __version__
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
LOCK = ROOT / "requirements.lock"
DESKTOP_FILE = RESOURCES / f"{APP_ID}.desktop"
METAINFO_FILE = RESOURCES / f"{APP_ID}.metainfo.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
IN_CI = bool(os.environ.get("CI"))
BUILD_BUNDLE = IN_CI or os.environ.get("MYMOVE_BUILD_BUNDLE") == "1"


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian: desktop-file-utils / appstream)"
        if IN_CI:
            pytest.fail(f"{message}; CI must run this check.")
        pytest.skip(message)
    return path


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC, "not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything that would let a child see this checkout's sources."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(extra)
    return env


# -- desktop file, AppStream metainfo, icons ------------------------------------------------


def test_desktop_file_passes_desktop_file_validate() -> None:
    tool = require_tool("desktop-file-validate")
    result = subprocess.run([tool, str(DESKTOP_FILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()


def test_desktop_file_uses_the_app_id_for_its_name_and_icon() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert DESKTOP_FILE.name == f"{APP_ID}.desktop"
    assert entry["Name"] == APP_NAME
    assert entry["Icon"] == APP_ID
    assert entry["Exec"] == "mymove-viewer"
    assert entry["Terminal"] == "false"


def test_metainfo_passes_appstreamcli_validate() -> None:
    tool = require_tool("appstreamcli")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO_FILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_matches_the_package() -> None:
    root = ET.parse(METAINFO_FILE).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("name") == APP_NAME
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP_FILE.name
    newest = root.find("releases/release")
    assert newest is not None
    assert newest.get("version") == __version__, "add a <release> for the new version"
    image = root.findtext("screenshots/screenshot/image") or ""
    assert image.endswith("/resources/screenshot.png")
    assert root.find("content_rating") is not None
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert root.findtext("project_license") == pyproject["project"]["license"]
    assert (root.findtext("summary") or "").strip()
    assert root.find("description/p") is not None


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_has_its_size_and_ships_in_the_package(size: int) -> None:
    committed = (RESOURCES / "icons" / f"{size}x{size}" / f"{APP_ID}.png").read_bytes()
    assert png_size(committed) == (size, size)
    packaged = resources.files("mymove_viewer").joinpath(f"data/icon-{size}.png").read_bytes()
    assert packaged == committed, "run packaging/make_icons.py"


def test_package_svg_is_the_source_svg() -> None:
    packaged = resources.files("mymove_viewer").joinpath("data/icon.svg").read_bytes()
    assert packaged == (RESOURCES / f"{APP_ID}.svg").read_bytes(), "run packaging/make_icons.py"
    assert b"<svg" in packaged


def test_windows_and_macos_icons_hold_png_images() -> None:
    ico = (RESOURCES / f"{APP_ID}.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    entries = [struct.unpack("<BBBBHHII", ico[6 + 16 * i : 22 + 16 * i]) for i in range(count)]
    for width, height, *_rest, length, offset in entries:
        assert width == height
        assert ico[offset : offset + 8] == PNG_MAGIC
        assert offset + length <= len(ico)
    assert {e[0] or 256 for e in entries} >= {16, 32, 48, 256}

    icns = (RESOURCES / f"{APP_ID}.icns").read_bytes()
    assert icns[:4] == b"icns"
    assert struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert b"ic10" in icns and b"icp4" in icns


# -- install.sh (with a stand-in app; the bundle test runs it on the real one) --------------


def stage_fake_release(folder: Path) -> Path:
    """The tarball's layout (see packaging/build.sh) around a stub executable."""
    release = folder / f"mymove-viewer-{__version__}"
    app = release / "mymove-viewer"
    app.mkdir(parents=True)
    exe = app / "mymove-viewer"
    exe.write_text('#!/bin/sh\necho stub mymove-viewer "$@"\n')
    exe.chmod(0o755)
    shutil.copy(ROOT / "packaging" / "install.sh", release / "install.sh")
    share = release / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(DESKTOP_FILE, share / "applications")
    (share / "metainfo").mkdir()
    shutil.copy(METAINFO_FILE, share / "metainfo")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy(RESOURCES / f"{APP_ID}.svg", scalable)
    for size in ICON_SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy(RESOURCES / "icons" / f"{size}x{size}" / f"{APP_ID}.png", target)
    return release


def home_env(home: Path) -> dict[str, str]:
    env = clean_env(HOME=str(home))
    for var in ("XDG_DATA_HOME", "XDG_BIN_HOME"):
        env.pop(var, None)
    return env


def run_install(release: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(release / "install.sh"), *args],
        capture_output=True,
        text=True,
        env=home_env(home),
        cwd=home,
        timeout=120,
    )


def assert_installed(home: Path) -> Path:
    data = home / ".local" / "share"
    desktop = data / "applications" / f"{APP_ID}.desktop"
    exe = data / "mymove-viewer" / "app" / "mymove-viewer"
    assert desktop.is_file()
    text = desktop.read_text(encoding="utf-8")
    assert f'Exec="{exe}"' in text  # absolute: ~/.local/bin is not always on the menu's PATH
    assert f"TryExec={exe}" in text
    for size in ICON_SIZES:
        assert (data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    link = home / ".local" / "bin" / "mymove-viewer"
    assert link.is_symlink() and link.resolve() == exe.resolve()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True)
        assert check.returncode == 0, check.stdout
    return link


def assert_uninstalled(home: Path) -> None:
    data = home / ".local" / "share"
    assert not (data / "applications" / f"{APP_ID}.desktop").exists()
    assert not (data / "mymove-viewer").exists()
    assert not (home / ".local" / "bin" / "mymove-viewer").is_symlink()
    leftovers = [p for p in (data / "icons").rglob("*") if p.is_file()]
    assert leftovers == []


def test_install_script_adds_the_app_to_the_menu_and_removes_it(tmp_path: Path) -> None:
    release = stage_fake_release(tmp_path / "unpacked")
    home = tmp_path / "home"
    home.mkdir()
    installed = run_install(release, home)
    assert installed.returncode == 0, installed.stderr
    link = assert_installed(home)

    shutil.rmtree(release)  # the unpacked folder is no longer needed
    ran = subprocess.run([str(link), "--version"], capture_output=True, text=True)
    assert ran.stdout.strip() == "stub mymove-viewer --version"

    uninstaller = home / ".local" / "share" / "mymove-viewer" / "uninstall.sh"
    removed = subprocess.run(
        ["sh", str(uninstaller)], capture_output=True, text=True, env=home_env(home)
    )
    assert removed.returncode == 0, removed.stderr
    assert_uninstalled(home)


def test_install_script_refuses_to_run_outside_a_release(tmp_path: Path) -> None:
    lone = tmp_path / "install.sh"
    shutil.copy(ROOT / "packaging" / "install.sh", lone)
    home = tmp_path / "home"
    home.mkdir()
    result = run_install(tmp_path, home)
    assert result.returncode == 1
    assert "unpacked mymove-viewer folder" in result.stderr
    assert not (home / ".local").exists()


# -- the wheel and sdist, installed into a fresh venv ---------------------------------------


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    src = tmp_path / "src"  # a copy, so building leaves no build/ or egg-info in the checkout
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "mymove_viewer", src / "mymove_viewer", ignore=shutil.ignore_patterns("__pycache__")
    )
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    py = str(env_dir / "bin" / "python")
    env = clean_env()

    def run(*cmd: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600
        )
        assert result.returncode == 0, f"{cmd}:\n{result.stdout}\n{result.stderr}"
        return result

    pip = (py, "-m", "pip", "--disable-pip-version-check")
    # The locked build and setuptools of the suite's own venv: nothing here floats.
    build = (sys.executable, "-m", "build", "--no-isolation")
    run(*build, "--outdir", str(tmp_path / "dist"), str(src))
    wheels = list((tmp_path / "dist").glob("*.whl"))
    sdists = list((tmp_path / "dist").glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1

    expected = {"mymove_viewer/data/icon.svg"} | {
        f"mymove_viewer/data/icon-{size}.png" for size in ICON_SIZES
    }
    with zipfile.ZipFile(wheels[0]) as wheel:
        assert expected <= set(wheel.namelist())
    with tarfile.open(sdists[0]) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert expected <= in_sdist

    # The locked versions, then the wheel with no index: it installs only if the lock satisfies
    # the wheel's requirements, and nothing newer sneaks in.
    run(*pip, "install", "-q", "--require-hashes", "--no-deps", "-r", str(LOCK))
    run(*pip, "install", "-q", "--no-index", str(wheels[0]))
    exe = str(env_dir / "bin" / "mymove-viewer")
    version = run(exe, "--version")
    assert version.stdout.strip() == f"mymove-viewer {__version__}"
    export_help = run(exe, "export", "--help")
    assert "--hrs" in export_help.stdout and "exit codes" in export_help.stdout
    # The installed copy, not this checkout, answers: its icon is reachable as package data.
    probe = run(
        py,
        "-c",
        "from importlib import resources; import mymove_viewer; "
        "print(mymove_viewer.__file__); "
        "print(resources.files('mymove_viewer').joinpath('data/icon-256.png').read_bytes()[:8])",
    )
    where, magic = probe.stdout.splitlines()
    assert where.startswith(str(env_dir))
    assert magic == repr(PNG_MAGIC)


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
