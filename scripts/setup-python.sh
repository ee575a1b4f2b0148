# Sourced by scripts/run and scripts/test: a virtual environment with the given requirements file.
# Needs Python 3.11 or newer (set PYTHON to pick another interpreter).
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Plenary needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1). Set PYTHON=python3.12 (for example)." >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "== Creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
echo "== Installing Python packages from $1"
.venv/bin/python -m pip install -q --disable-pip-version-check -r "$1"
echo "== Compiling translations"
.venv/bin/pybabel compile -d plenary/translations >/dev/null
