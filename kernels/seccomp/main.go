// Prints the seccomp profile containerd's CRI applies for seccompProfile RuntimeDefault to a
// container with the given capabilities (comma-separated, without CAP_), as OCI LinuxSeccomp JSON.
// containerd builds the OCI spec's capability sets from the securityContext first, then
// DefaultProfile reads them: from 1.6.9 on, CAP_BPF unlocks bpf() and CAP_PERFMON
// perf_event_open(). Built against two containerd versions through two mod files (go.mod: the
// current line; containerd-1.6.8.mod: the last release without those rules).
package main

import (
	"encoding/json"
	"os"
	"strings"

	"github.com/containerd/containerd/contrib/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func main() {
	var caps []string
	for _, c := range strings.Split(strings.Join(os.Args[1:], ","), ",") {
		if c = strings.TrimSpace(c); c != "" {
			caps = append(caps, "CAP_"+strings.TrimPrefix(strings.ToUpper(c), "CAP_"))
		}
	}
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{
		Bounding: caps, Effective: caps, Permitted: caps, Inheritable: caps,
	}}}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(seccomp.DefaultProfile(spec)); err != nil {
		panic(err)
	}
}
