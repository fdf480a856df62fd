# Sourced by the matrix's /guest/command. row ID CAPS NNP PROFILE MEMLOCK TRIGGER -- TRACER ARGS...:
# starts the tracer under `confine` (the rendered container's confinement), waits until it has
# attached (its first log line) or exited, runs TRIGGER twice, stops it, and prints its exit status
# and the tail of its stderr, base64-encoded, between @@row and @@end. PROFILE names a seccomp
# generator (seccomp-PROFILE prints containerd's profile for CAPS), or is empty: unconfined.
row() {
  id=$1 caps=$2 nnp=$3 profile=$4 memlock=$5 trigger=$6
  shift 6
  if [ -n "$profile" ]; then
    json="/tmp/seccomp-$profile-$caps.json"
    [ -s "$json" ] || "seccomp-$profile" "$caps" >"$json" || echo "@@generator-failed $id"
    set -- -seccomp "$json" "$@"
  fi
  set -- -caps "$caps" -memlock "$memlock" $( [ "$nnp" = 1 ] && echo -nnp ) "$@"
  : >/tmp/stderr
  confine "$@" >/dev/null 2>/tmp/stderr &
  pid=$!
  i=0
  while [ $i -lt 300 ] && [ ! -s /tmp/stderr ] && kill -0 $pid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
  if kill -0 $pid 2>/dev/null; then
    sleep 0.3
    sh -c "$trigger" >/dev/null 2>&1
    sleep 1.2
    sh -c "$trigger" >/dev/null 2>&1
    sleep 1.2
    kill -INT $pid 2>/dev/null
    i=0
    while [ $i -lt 30 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    kill -KILL $pid 2>/dev/null
  fi
  wait $pid
  rc=$?
  echo "@@row $id $rc"
  tail -n 40 /tmp/stderr | base64
  echo "@@end $id"
}

# selftest ID TRACER PRESENT -- COMMAND...: runs COMMAND (the startupProbe's exec command, confined
# as its container: kernels/selftest.ts) with the tracer at its image path, or moved aside when
# PRESENT is 0, and prints its exit status and output (stdout and stderr, what the kubelet records
# for a probe), base64-encoded, between @@row and @@end.
selftest() {
  id=$1 tracer=$2 present=$3
  shift 4
  [ "$present" = 1 ] || mv "$tracer" "$tracer.aside"
  out="${TMPDIR:-/tmp}/selftest-out" # TMPDIR: the host's test runs it as any user, beside others
  "$@" >"$out" 2>&1
  rc=$?
  [ "$present" = 1 ] || mv "$tracer.aside" "$tracer"
  echo "@@row $id $rc"
  base64 <"$out"
  echo "@@end $id"
}
