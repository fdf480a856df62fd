module github.com/acs-ebpf/acs-ebpf/kernels/go

go 1.24.0

require (
	github.com/elastic/go-seccomp-bpf v1.6.0
	golang.org/x/net v0.46.0
	golang.org/x/sys v0.37.0
)

require github.com/cilium/ebpf v0.20.0 // indirect

tool (
	github.com/cilium/ebpf/examples/fentry
	github.com/cilium/ebpf/examples/kprobe
	github.com/cilium/ebpf/examples/tcx
	github.com/cilium/ebpf/examples/tracepoint_in_go
	github.com/cilium/ebpf/examples/xdp
)
