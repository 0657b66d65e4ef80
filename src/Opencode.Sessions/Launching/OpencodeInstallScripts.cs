namespace Opencode.Sessions.Launching;

/// <summary>
/// The POSIX shell scripts the installer runs on a host. Values are always passed as positional parameters, never
/// spliced into the script text. Layout: <c>&lt;cacheRoot&gt;/opencode-ai/&lt;version&gt;/node_modules/…</c>.
/// </summary>
internal static class OpencodeInstallScripts
{
    /// <summary>Exit code of the install script when npm is not on the host's PATH.</summary>
    public const int NpmMissingExitCode = 90;

    /// <summary>Exit code of the install script when the install lock could not be taken in time.</summary>
    public const int LockTimeoutExitCode = 91;

    /// <summary>Exit code of the install script when <c>npm install</c> failed.</summary>
    public const int NpmFailedExitCode = 92;

    /// <summary>Exit code of the install script when the installed executable is missing or prints another version.</summary>
    public const int VerifyFailedExitCode = 93;

    /// <summary>Exit code of either script when the cache root cannot be determined or created.</summary>
    public const int CacheRootExitCode = 94;

    /// <summary>
    /// Shell functions: <c>oc_root "$configured"</c> sets <c>root</c> (configured value, else
    /// <c>${OPENCODE_SESSIONS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/opencode-sessions}</c>), and
    /// <c>oc_find &lt;prefix&gt;</c> prints the first executable opencode under <c>&lt;prefix&gt;/node_modules</c>:
    /// the platform package the way opencode's own postinstall orders them (baseline first without AVX2, musl first
    /// on musl), then the <c>.bin/opencode</c> shim.
    /// </summary>
    private const string Functions = """
        oc_root() {
          root=$1
          if [ -z "$root" ]; then
            if [ -z "${OPENCODE_SESSIONS_CACHE_DIR:-}" ] && [ -z "${XDG_CACHE_HOME:-}" ] && [ -z "${HOME:-}" ]; then
              echo "cannot locate the opencode cache: none of OPENCODE_SESSIONS_CACHE_DIR, XDG_CACHE_HOME, HOME is set" >&2
              exit 94
            fi
            root=${OPENCODE_SESSIONS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/opencode-sessions}
          fi
          case $root in
            /*) ;;
            *) echo "the opencode cache root '$root' is not an absolute path" >&2; exit 94 ;;
          esac
        }
        oc_candidates() {
          os=$(uname -s); arch=$(uname -m)
          case $os in Linux) os=linux ;; Darwin) os=darwin ;; *) os=$(printf %s "$os" | tr 'A-Z' 'a-z') ;; esac
          case $arch in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; esac
          b=opencode-$os-$arch
          musl=0; baseline=0
          if [ "$os" = linux ] && { [ -e /etc/alpine-release ] || ldd --version 2>&1 | grep -qi musl; }; then musl=1; fi
          if [ "$arch" = x64 ]; then
            if [ "$os" = linux ]; then grep -qw avx2 /proc/cpuinfo 2>/dev/null || baseline=1
            elif [ "$os" = darwin ]; then [ "$(sysctl -n hw.optional.avx2_0 2>/dev/null)" = 1 ] || baseline=1
            fi
          fi
          if [ $musl = 1 ] && [ "$arch" = x64 ] && [ $baseline = 1 ]; then l="$b-baseline-musl $b-musl $b-baseline $b"
          elif [ $musl = 1 ] && [ "$arch" = x64 ]; then l="$b-musl $b-baseline-musl $b $b-baseline"
          elif [ $musl = 1 ]; then l="$b-musl $b"
          elif [ "$arch" = x64 ] && [ $baseline = 1 ]; then l="$b-baseline $b $b-baseline-musl $b-musl"
          elif [ "$arch" = x64 ]; then l="$b $b-baseline $b-musl $b-baseline-musl"
          else l="$b $b-musl"
          fi
          for p in $l; do printf '%s\n' "$p/bin/opencode"; done
          printf '%s\n' .bin/opencode
        }
        oc_find() {
          for c in $(oc_candidates); do
            e="$1/node_modules/$c"
            if [ -f "$e" ] && [ -x "$e" ]; then printf '%s\n' "$e"; return 0; fi
          done
          return 1
        }

        """;

    /// <summary>
    /// Locates opencode. <c>$1</c> = configured cache root or empty, <c>$2</c> = version, <c>$3</c> = <c>1</c> to
    /// search PATH first. Prints <c>root=&lt;cache root&gt;</c>, then <c>path=&lt;exe&gt;</c> or
    /// <c>cache=&lt;exe&gt;</c> when found. Exits 0 whether or not it found one.
    /// </summary>
    public const string Locate = Functions + """
        oc_root "$1"
        printf 'root=%s\n' "$root"
        if [ "$3" = 1 ] && p=$(command -v opencode 2>/dev/null); then
          case $p in /*) printf 'path=%s\n' "$p"; exit 0 ;; esac
        fi
        if e=$(oc_find "$root/opencode-ai/$2"); then printf 'cache=%s\n' "$e"; fi
        exit 0
        """;

    /// <summary>
    /// Installs opencode-ai with npm. <c>$1</c> = cache root, <c>$2</c> = version, <c>$3</c> = random suffix of the
    /// temporary prefix. Serialised by a lock (flock, else a mkdir lock with stale-owner detection); re-checks after
    /// taking it; installs into <c>.tmp-&lt;version&gt;-&lt;suffix&gt;</c>; verifies <c>--version</c> with a throw-away
    /// HOME; then renames the prefix into place. Prints <c>cache=&lt;exe&gt;</c> on success; npm's output goes to stderr.
    /// </summary>
    public const string Install = Functions + """
        root=$1; version=$2; suffix=$3
        base="$root/opencode-ai"; final="$base/$version"; tmp="$base/.tmp-$version-$suffix"
        command -v npm >/dev/null 2>&1 || { echo "npm was not found on PATH" >&2; exit 90; }
        mkdir -p "$base" || exit 94
        if command -v flock >/dev/null 2>&1; then
          exec 9>"$base/.lock" || exit 94
          flock -w 900 9 || { echo "timed out after 900 s waiting for the install lock $base/.lock" >&2; exit 91; }
        else
          lock="$base/.lock.d"; waited=0
          while ! mkdir "$lock" 2>/dev/null; do
            owner=$(cat "$lock/pid" 2>/dev/null || true)
            if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then rm -rf "$lock"; continue; fi
            if [ -z "$owner" ] && [ -n "$(find "$lock" -maxdepth 0 -mmin +2 2>/dev/null)" ]; then rm -rf "$lock"; continue; fi
            [ "$waited" -lt 900 ] || { echo "timed out after 900 s waiting for the install lock $lock" >&2; exit 91; }
            sleep 1; waited=$((waited + 1))
          done
          echo $$ > "$lock/pid"
          trap 'rm -rf "$lock"' EXIT
          trap 'exit 143' INT TERM HUP
        fi
        if e=$(oc_find "$final"); then printf 'cache=%s\n' "$e"; exit 0; fi
        # Holding the lock, nobody else is installing: leftovers of killed installs and a broken final dir can go.
        for d in "$base"/.tmp-*; do if [ -e "$d" ]; then rm -rf "$d"; fi; done
        if [ -e "$final" ]; then rm -rf "$final"; fi
        fail() { code=$1; shift; echo "$*" >&2; rm -rf "$tmp"; exit "$code"; }
        mkdir -p "$tmp" || fail 94 "cannot create $tmp"
        npm install --prefix "$tmp" --no-audit --no-fund --no-save --no-update-notifier "opencode-ai@$version" 1>&2 ||
          fail 92 "npm install opencode-ai@$version failed"
        e=$(oc_find "$tmp") || fail 93 "npm installed opencode-ai@$version but no opencode executable is under $tmp/node_modules"
        vh="$tmp/.verify-home"
        got=$(HOME="$vh" XDG_CONFIG_HOME="$vh/.config" XDG_DATA_HOME="$vh/.local/share" XDG_CACHE_HOME="$vh/.cache" \
          XDG_STATE_HOME="$vh/.local/state" OPENCODE_DISABLE_AUTOUPDATE=1 "$e" --version 2>&1) ||
          fail 93 "$e --version failed: $got"
        rm -rf "$vh"
        case $got in *"$version"*) ;; *) fail 93 "$e --version printed '$got', expected $version" ;; esac
        mv "$tmp" "$final" || fail 94 "cannot move $tmp to $final"
        printf 'cache=%s\n' "$final${e#"$tmp"}"
        """;
}
