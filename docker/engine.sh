# Shared by docker/test and docker/debian-base (sourced, not run).
#
# ce_pick_engine   sets CE to podman or docker:
#                  LINER_CONTAINER_ENGINE if set; else podman if installed; else
#                  docker if its daemon answers; else installs podman with apt-get.
#                  For podman it points CONTAINERS_CONF at a small file of ours
#                  (runtime runc, ulimits no higher than this host allows),
#                  unless CONTAINERS_CONF is already set.
#                  CE_BUILD_ARGS then holds what "$CE build" needs on top (ulimits).
# ce_debian_base   makes sure the image docker.io/library/debian:12 exists:
#                  pulled if a registry answers, else built with debootstrap from
#                  this host's Debian mirror and imported (the tarball is cached).
#
# Environment: LINER_CONTAINER_ENGINE (podman|docker), LINER_CONTAINER_CACHE
# (where the debootstrap tarball is kept), LINER_DEBIAN_MIRROR (overrides the
# mirror read from /etc/apt/sources.list*), LINER_NO_PULL=1 (do not try a
# registry at all).

CE_TAG=${CE_TAG:-container}
DEBIAN_REF=docker.io/library/debian:12
DEBIAN_SUITE=bookworm

ce_log() { printf '[%s] %s\n' "$CE_TAG" "$*" >&2; }
ce_die() { ce_log "error: $*"; exit 1; }

# Installs the Debian packages named (those not installed yet), like scripts/install-deps.
ce_apt_install() {
  local missing=() p status
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  ce_log "installing: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 \
    install -y -q --no-install-recommends "${missing[@]}" >&2
}

ce_cache_dir() {
  if [ -n "${LINER_CONTAINER_CACHE:-}" ]; then
    printf '%s\n' "$LINER_CONTAINER_CACHE"
  elif [ "$(id -u)" = 0 ]; then
    printf '%s\n' /var/cache/liner-container
  else
    printf '%s\n' "${XDG_CACHE_HOME:-$HOME/.cache}/liner-container"
  fi
}

# The hard limit of this shell for `ulimit -H<flag>`, or "" when unlimited.
ce_hard_limit() {
  local v
  v=$(ulimit -H"$1" 2>/dev/null || true)
  case "$v" in '' | unlimited) ;; *) printf '%s\n' "$v" ;; esac
}

# podman: runc instead of crun (crun refuses hosts with cgroup v1 and v2 mixed),
# and default ulimits no higher than this host's hard limits (a runtime cannot
# raise them, so podman's defaults would make every container fail to start).
ce_setup_podman() {
  ce_apt_install runc iptables
  if [ -n "${CONTAINERS_CONF:-}" ]; then
    ce_log "using CONTAINERS_CONF=$CONTAINERS_CONF as it is"
    return 0
  fi
  local conf nofile nproc ulimits=()
  conf=$(mktemp -t liner-containers.XXXXXX.conf)
  CE_TEMP_FILES+=("$conf")
  nofile=$(ce_hard_limit n)
  nproc=$(ce_hard_limit u)
  # runc was seen refusing nproc even at the host's own hard limit (96367),
  # while 32768 works: never ask for more than that.
  if [ -z "$nproc" ] || [ "$nproc" -gt 32768 ]; then nproc=32768; fi
  if [ -n "$nofile" ] && [ "$nofile" -gt 1048576 ]; then nofile=1048576; fi
  [ -z "$nofile" ] || ulimits+=("\"nofile=$nofile:$nofile\"")
  [ -z "$nproc" ] || ulimits+=("\"nproc=$nproc:$nproc\"")
  # The same for podman build, explicitly (RUN steps are containers too).
  [ -z "$nofile" ] || CE_BUILD_ARGS+=(--ulimit "nofile=$nofile:$nofile")
  [ -z "$nproc" ] || CE_BUILD_ARGS+=(--ulimit "nproc=$nproc:$nproc")
  {
    echo '[containers]'
    if [ ${#ulimits[@]} -gt 0 ]; then
      local IFS=,
      echo "default_ulimits = [${ulimits[*]}]"
    fi
    echo '[engine]'
    echo 'runtime = "runc"'
  } >"$conf"
  export CONTAINERS_CONF="$conf"
}

CE_TEMP_FILES=()
CE_BUILD_ARGS=() # extra arguments for "$CE" build
ce_cleanup_files() {
  local f
  for f in "${CE_TEMP_FILES[@]}"; do rm -f "$f"; done
  CE_TEMP_FILES=()
}

ce_pick_engine() {
  case "${LINER_CONTAINER_ENGINE:-}" in
    podman | docker) CE=$LINER_CONTAINER_ENGINE ;;
    "")
      if command -v podman >/dev/null 2>&1; then
        CE=podman
      elif command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; then
        CE=docker
      else
        if command -v docker >/dev/null 2>&1; then
          ce_log "docker is installed but its daemon does not answer; using podman"
        fi
        ce_apt_install podman runc
        CE=podman
      fi
      ;;
    *) ce_die "LINER_CONTAINER_ENGINE must be podman or docker, not '$LINER_CONTAINER_ENGINE'" ;;
  esac
  command -v "$CE" >/dev/null 2>&1 || ce_die "$CE is not installed"
  if [ "$CE" = podman ]; then
    ce_setup_podman
  else
    timeout 20 docker info >/dev/null 2>&1 || ce_die "the docker daemon does not answer (docker info)"
  fi
  ce_log "engine: $CE"
}

ce_image_exists() {
  if [ "$CE" = podman ]; then
    podman image exists "$1"
  else
    docker image inspect "$1" >/dev/null 2>&1
  fi
}

# The first URI in /etc/apt/sources.list* that serves suite $1 (e.g. bookworm,
# bookworm-security); both one-line and deb822 (.sources) files.
ce_apt_uri_for() {
  local suite=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -E 's/\[[^]]*\]//; s/#.*//' "$f" | awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v s="$suite" '
      BEGIN { RS = ""; FS = "\n" }
      {
        uri = ""; ok = 0; deb = 1
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^[ \t]*#/) continue
          if (line ~ /^Types:/ && line !~ /[ \t]deb([ \t]|$)/) deb = 0
          if (line ~ /^URIs:/) { split(line, a, /[ \t]+/); uri = a[2] }
          if (line ~ /^Suites:/) { n = split(line, a, /[ \t]+/); for (j = 2; j <= n; j++) if (a[j] == s) ok = 1 }
          if (line ~ /^Enabled:[ \t]*no/) deb = 0
        }
        if (ok && deb && uri != "") { print uri; exit }
      }' "$f"
  done
}

# Builds a minimal Debian 12 root file system with debootstrap into tarball $1.
ce_debootstrap_tarball() {
  local tarball=$1 mirror security rootfs include=""
  mirror=${LINER_DEBIAN_MIRROR:-$(ce_apt_uri_for "$DEBIAN_SUITE" | head -n1)}
  mirror=${mirror:-http://deb.debian.org/debian}
  security=$(ce_apt_uri_for "$DEBIAN_SUITE-security" | head -n1)
  ce_apt_install debootstrap debian-archive-keyring
  case "$mirror$security" in https:*) include="--include=ca-certificates" ;; esac
  rootfs=$(mktemp -d -t liner-debian12.XXXXXX)
  ce_log "debootstrap $DEBIAN_SUITE from $mirror (a minute or two; cached in $tarball)"
  # shellcheck disable=SC2086
  if ! nice -n 10 debootstrap --variant=minbase $include "$DEBIAN_SUITE" "$rootfs" "$mirror" \
    >"$rootfs.log" 2>&1; then
    tail -n 30 "$rootfs.log" >&2
    rm -rf "$rootfs" "$rootfs.log"
    ce_die "debootstrap failed"
  fi
  rm -f "$rootfs.log"
  # apt sources as in Debian's own image: the suite, its updates, security.
  rm -f "$rootfs/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' \
      "$mirror" "$DEBIAN_SUITE" "$DEBIAN_SUITE"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    if [ -n "$security" ]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$security" "$DEBIAN_SUITE"
      printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    fi
  } >"$rootfs/etc/apt/sources.list.d/debian.sources"
  # No downloaded packages, package lists or logs in the image.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
  find "$rootfs/var/log" -type f -delete
  : >"$rootfs/etc/hostname"
  : >"$rootfs/etc/resolv.conf"
  mkdir -p "$(dirname "$tarball")"
  tar -C "$rootfs" --numeric-owner -cf "$tarball.tmp" . || { rm -rf "$rootfs" "$tarball.tmp"; ce_die "tar failed"; }
  mv "$tarball.tmp" "$tarball"
  rm -rf "$rootfs"
}

ce_debian_base() {
  if ce_image_exists "$DEBIAN_REF"; then
    return 0
  fi
  if [ "${LINER_NO_PULL:-0}" != 1 ]; then
    ce_log "pulling $DEBIAN_REF"
    if timeout 120 "$CE" pull "$DEBIAN_REF" >/dev/null 2>&1; then
      return 0
    fi
    ce_log "could not pull $DEBIAN_REF (no registry?): building it with debootstrap"
  fi
  local arch cache tarball lock_fd
  arch=$(dpkg --print-architecture)
  cache=$(ce_cache_dir)
  tarball="$cache/debian-12-$arch.tar"
  mkdir -p "$cache"
  # One debootstrap and import at a time (two runs at once wait for each other).
  exec {lock_fd}>"$cache/.lock"
  flock -w 900 "$lock_fd" || ce_die "could not lock $cache/.lock within 900 s"
  if ce_image_exists "$DEBIAN_REF"; then
    exec {lock_fd}>&-
    return 0
  fi
  if [ ! -s "$tarball" ]; then
    ce_debootstrap_tarball "$tarball"
  else
    ce_log "using the cached root file system $tarball"
  fi
  "$CE" import --change 'CMD ["bash"]' "$tarball" "$DEBIAN_REF" >/dev/null \
    || ce_die "$CE import of $tarball failed"
  exec {lock_fd}>&-
  ce_log "imported $tarball as $DEBIAN_REF"
}
