#!/usr/bin/env bash
# Packs what an offline GPU machine needs to run benchmarks/gpu_check.sh when its Python has torch but
# not the rest of resnet-gui's packages (as on the NVIDIA H200 machines lent to this project, whose
# python3 is 3.12 with torch, numpy, matplotlib, pandas, scikit-learn, rich, psutil, pytest...).
#
# usage: benchmarks/gpu_bundle.sh DIR [--python 3.12] [--data ROOT] [--qt]
#   DIR          the folder to fill (e.g. .gpu-bundle, ignored by git); copy or carry it with the checkout
#   --python V   the GPU machine's Python version (default 3.12)
#   --data ROOT  also pack ROOT/FashionMNIST/raw as fashion-mnist.tar.xz (26 MB; ~45 s to compress)
#   --qt         also pack Qt for the window's GPU test: PySide6 cut to the modules the app uses (23 MB)
#                and Debian's packages of the X, GL, font, GLib and D-Bus libraries Qt loads
# Then on the GPU machine, from the checkout: `source DIR/env.sh && benchmarks/gpu_check.sh`.
# env.sh installs the wheels into /tmp/resnet-gui-site, unpacks Qt and the data once, and adds to
# LD_LIBRARY_PATH only the system libraries that machine lacks. The versions are the ones installed here.
# Data and Qt together exceed a 64 MiB transfer limit: pack two bundles and run the window's test
# (tests/gpu/test_cuda_window.py) with the Qt one if the limit applies.
set -euo pipefail

[[ $# -ge 1 && $1 != -* ]] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
shift
PYV=3.12 DATA="" QT=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --python) PYV=$2; shift 2 ;;
        --data) DATA=$2; shift 2 ;;
        --qt) QT=1; shift ;;
        *) echo "error: unknown option $1 (see $0 without arguments)" >&2; exit 2 ;;
    esac
done
mkdir -p "$OUT/wheels"
version() { python3 -c 'import importlib.metadata as m, sys; print(m.version(sys.argv[1]))' "$1"; }
download() {
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$PYV" --implementation cp \
        --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux_2_34_x86_64 \
        --platform manylinux_2_39_x86_64 --platform manylinux2014_x86_64 -d "$1" "${@:2}"
}
# resnet-gui's packages that such an image lacks, and what they need beyond it.
pkgs=(platformdirs tomli_w captum cleanlab termcolor optuna sqlalchemy alembic colorlog mako pyqtgraph)
download "$OUT/wheels" $(for p in "${pkgs[@]}"; do echo "$p==$(version "$p")"; done)

if [[ $QT == 1 ]]; then
    mkdir -p "$OUT/qt"
    download "$OUT/qt" "shiboken6==$(version shiboken6)" "pytest-qt==$(version pytest-qt)" \
        "PySide6_Essentials==$(version PySide6_Essentials)"
    tmp=$(mktemp -d)
    (cd "$tmp" && unzip -q "$OUT"/qt/pyside6_essentials-*.whl 'PySide6/*')
    rm "$OUT"/qt/pyside6_essentials-*.whl
    keep=$(mktemp -d)/PySide6
    mkdir -p "$keep/Qt/lib" "$keep/Qt/plugins/platforms" "$keep/Qt/plugins/imageformats"
    src=$tmp/PySide6
    cp -r "$src"/{__init__.py,_config.py,_git_pyside_version.py,support,glue,py.typed} "$src"/libpyside6.abi3.so.* "$keep/"
    for m in QtCore QtGui QtWidgets QtOpenGL QtOpenGLWidgets QtSvg QtTest; do cp "$src/$m.abi3.so" "$keep/"; done
    for l in Core Gui Widgets OpenGL OpenGLWidgets Svg Test DBus; do cp "$src/Qt/lib/libQt6$l.so.6" "$keep/Qt/lib/"; done
    cp "$src"/Qt/lib/libicu*.so.* "$keep/Qt/lib/"
    cp "$src/Qt/plugins/platforms/libqoffscreen.so" "$keep/Qt/plugins/platforms/"
    cp "$src/Qt/plugins/imageformats/libqsvg.so" "$keep/Qt/plugins/imageformats/"
    tar cJf "$OUT/qt/pyside6.tar.xz" -C "$(dirname "$keep")" PySide6
    rm -rf "$tmp" "$(dirname "$keep")"
    # Debian's packages of what Qt's libraries load (readelf -d: NEEDED); env.sh uses those the machine lacks.
    lists=$(mktemp -d)
    apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
    mkdir -p "$lists/partial"
    apt-get "${apt_opts[@]}" update -qq
    (cd "$OUT/qt" && apt-get "${apt_opts[@]}" download -qq libgl1 libegl1 libglvnd0 libglx0 libopengl0 libx11-6 \
        libx11-data libxcb1 libxau6 libxdmcp6 libbsd0 libmd0 libxkbcommon0 libglib2.0-0 libfreetype6 libpng16-16 \
        libbrotli1 libfontconfig1 fontconfig-config fonts-dejavu-core libexpat1 libdbus-1-3 libzstd1 2>/dev/null)
    rm -rf "$lists"
fi

if [[ -n $DATA ]]; then
    [[ -f $DATA/FashionMNIST/raw/t10k-labels-idx1-ubyte ]] || { echo "error: no FashionMNIST/raw under $DATA" >&2; exit 2; }
    tar cJf "$OUT/fashion-mnist.tar.xz" -C "$DATA" FashionMNIST/raw
fi

cat >"$OUT/env.sh" <<'EOF'
# Sourced on the GPU machine from the checkout (see benchmarks/gpu_bundle.sh): packages, Qt, data.
_bundle=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_site=/tmp/resnet-gui-site
if [[ ! -d $_site/optuna ]]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$_site" "$_bundle"/wheels/*.whl \
        || return 1
fi
if [[ -d $_bundle/qt && ! -d $_site/PySide6 ]]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$_site" "$_bundle"/qt/*.whl \
        || return 1
    tar xJf "$_bundle/qt/pyside6.tar.xz" -C "$_site"
    mkdir -p /tmp/resnet-gui-debs /tmp/resnet-gui-libs
    for _deb in "$_bundle"/qt/*.deb; do dpkg -x "$_deb" /tmp/resnet-gui-debs; done
    for _so in /tmp/resnet-gui-debs/{usr/,}lib/x86_64-linux-gnu/*.so.*; do
        [[ -e $_so ]] || continue
        ldconfig -p | grep -qF "$(basename "$_so") (" || ln -sf "$_so" "/tmp/resnet-gui-libs/$(basename "$_so")"
    done
fi
if [[ -d $_site/PySide6 ]]; then
    export LD_LIBRARY_PATH=/tmp/resnet-gui-libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export FONTCONFIG_FILE=/tmp/resnet-gui-debs/etc/fonts/fonts.conf QT_QPA_PLATFORM=offscreen
fi
if [[ -f $_bundle/fashion-mnist.tar.xz ]]; then
    mkdir -p /tmp/resnet-gui-data
    [[ -f /tmp/resnet-gui-data/FashionMNIST/raw/t10k-labels-idx1-ubyte ]] \
        || tar xJf "$_bundle/fashion-mnist.tar.xz" -C /tmp/resnet-gui-data
    export RESNET_GUI_DATA=/tmp/resnet-gui-data
fi
export PYTHONPATH=$_site:$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHON=python3 PYTHONUNBUFFERED=1
echo "resnet-gui bundle: packages in $_site$([[ -d $_site/PySide6 ]] && echo ', Qt')${RESNET_GUI_DATA:+, data in $RESNET_GUI_DATA}"
EOF
du -sh "$OUT"/* | sed 's/^/packed: /'
