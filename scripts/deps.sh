# scripts/deps.sh — sourced by demo.sh and test.sh: install the Debian packages certhound needs,
# but only those that are missing, with apt-get (through sudo when not root).
#
#   . scripts/deps.sh
#   ch_deps_install "${CH_BUILD_PKGS[@]}"            # build + run
#   ch_deps_install "${CH_BUILD_PKGS[@]}" "${CH_TEST_PKGS[@]}"
#
# Set CH_NO_INSTALL=1 to never install anything (the scripts then just report what is missing).
# Targets Debian 12 (bookworm); on other systems without dpkg it only checks for the tools.

# What building and running certhound needs.
CH_BUILD_PKGS=(build-essential cmake pkg-config
	libssl-dev libsqlite3-dev libpsl-dev publicsuffix libidn2-dev
	libcurl4-openssl-dev libjansson-dev zlib1g-dev libzstd-dev
	openssl ca-certificates)
# What the test suite needs on top: the openssl command makes test certificates, clang with its
# libFuzzer runtime (a Recommends of clang, so named explicitly) runs the fuzz targets, jq checks
# JSON output in shell tests; nginx serves the fixture CT logs of the ct tests on 127.0.0.1;
# graphviz renders pivot DOT output and python3-jsonschema validates pivot STIX output.
CH_TEST_PKGS=(clang libclang-rt-dev jq nginx chromium graphviz python3-jsonschema)

# ch_deps_missing PKG... prints the packages that are not installed.
ch_deps_missing() {
	local p
	for p in "$@"; do
		if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
			echo "$p"
		fi
	done
}

# ch_deps_install PKG... installs whatever is missing of PKG...; returns non-zero on failure.
ch_deps_install() {
	local missing sudo=()
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "deps: not a Debian system; assuming the build tools and libraries are present" >&2
		return 0
	fi
	missing=$(ch_deps_missing "$@" | tr '\n' ' ')
	if [ -z "${missing// /}" ]; then
		return 0
	fi
	if [ "${CH_NO_INSTALL:-0}" = 1 ]; then
		echo "deps: missing packages (CH_NO_INSTALL=1, not installing): $missing" >&2
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "deps: missing packages: $missing" >&2
			echo "deps: run as root or install sudo, or install them yourself: apt-get install $missing" >&2
			return 1
		fi
		sudo=(sudo)
	fi
	echo "deps: installing $missing" >&2
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends $missing >&2
}
