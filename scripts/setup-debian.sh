# Sourced by scripts/run and scripts/test: installs the Debian packages given as arguments that are missing.
# Documents (PDF: letters, badges, certificates) need fonts-noto-cjk and Pango (WeasyPrint); the browser
# tests need chromium and a CJK font for the screen (fonts-wqy-zenhei).
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "== Installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "${missing[@]}" >/dev/null; }
fi
