package main

import (
	"encoding/binary"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// run evaluates the compiled filter on one seccomp_data. x/net/bpf's VM loads words big-endian,
// so each 32-bit word is written big-endian at the offset the kernel reads it from.
func evaluate(t *testing.T, p Profile, auditArch uint32, nr int, args ...uint64) uint32 {
	t.Helper()
	prog, err := compile(p)
	if err != nil {
		t.Fatal(err)
	}
	raw := unsafeFilter(prog)
	ins := make([]bpf.RawInstruction, len(raw))
	for i, f := range raw {
		ins[i] = bpf.RawInstruction{Op: f.Code, Jt: f.Jt, Jf: f.Jf, K: f.K}
	}
	decoded, ok := bpf.Disassemble(ins)
	if !ok {
		t.Fatal("filter does not disassemble")
	}
	vm, err := bpf.NewVM(decoded)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 64)
	binary.BigEndian.PutUint32(data[0:], uint32(nr))
	binary.BigEndian.PutUint32(data[4:], auditArch)
	for i, a := range args {
		binary.BigEndian.PutUint32(data[16+8*i:], uint32(a))
		binary.BigEndian.PutUint32(data[16+8*i+4:], uint32(a>>32))
	}
	out, err := vm.Run(data)
	if err != nil {
		t.Fatal(err)
	}
	return uint32(out)
}

func nr(t *testing.T, name string) int {
	info, err := nativeArch()
	if err != nil {
		t.Fatal(err)
	}
	n, ok := info.SyscallNames[name]
	if !ok {
		t.Fatalf("no syscall %s", name)
	}
	return n
}

func native(t *testing.T) uint32 {
	info, err := nativeArch()
	if err != nil {
		t.Fatal(err)
	}
	return uint32(info.ID)
}

var enosys = uint(unix.ENOSYS)

// The shapes containerd's default profile uses (rules for bpf, socket, clone, clone3).
var profile = Profile{
	DefaultAction: "SCMP_ACT_ERRNO",
	Syscalls: []Syscall{
		{Names: []string{"read", "no_such_syscall"}, Action: "SCMP_ACT_ALLOW"},
		{Names: []string{"socket"}, Action: "SCMP_ACT_ALLOW", Args: []Arg{{Index: 0, Value: 40, Op: "SCMP_CMP_NE"}}},
		{Names: []string{"personality"}, Action: "SCMP_ACT_ALLOW", Args: []Arg{{Index: 0, Value: 0xffffffff, Op: "SCMP_CMP_EQ"}}},
		{Names: []string{"clone"}, Action: "SCMP_ACT_ALLOW", Args: []Arg{{Index: 0, Value: 0x7e020000, ValueTwo: 0, Op: "SCMP_CMP_MASKED_EQ"}}},
		{Names: []string{"clone3"}, Action: "SCMP_ACT_ERRNO", ErrnoRet: &enosys},
		{Names: []string{"setns"}, Action: "SCMP_ACT_ALLOW", Args: []Arg{{Index: 1, Value: 38, Op: "SCMP_CMP_LT"}}},
		{Names: []string{"unshare"}, Action: "SCMP_ACT_ALLOW", Args: []Arg{{Index: 0, Value: 1 << 33, Op: "SCMP_CMP_GT"}}},
	},
}

func TestCompiledFilter(t *testing.T) {
	a := native(t)
	allow, eperm := uint32(unix.SECCOMP_RET_ALLOW), uint32(unix.SECCOMP_RET_ERRNO|uint32(unix.EPERM))
	cases := []struct {
		name string
		nr   int
		args []uint64
		want uint32
	}{
		{"listed syscall", nr(t, "read"), nil, allow},
		{"unlisted syscall (bpf without CAP_BPF's rule)", nr(t, "bpf"), nil, eperm},
		{"NE holds", nr(t, "socket"), []uint64{2}, allow},
		{"NE fails", nr(t, "socket"), []uint64{40}, eperm},
		{"NE decided by the high word", nr(t, "socket"), []uint64{40 | 1<<32}, allow},
		{"NE decided by the high word, whatever the low word", nr(t, "socket"), []uint64{40 | 40<<32}, allow},
		{"EQ holds", nr(t, "personality"), []uint64{0xffffffff}, allow},
		{"EQ fails on the high word", nr(t, "personality"), []uint64{0x1ffffffff}, eperm},
		{"MASKED_EQ holds", nr(t, "clone"), []uint64{0x11}, allow},
		{"MASKED_EQ fails (CLONE_NEWNS)", nr(t, "clone"), []uint64{0x20000}, eperm},
		{"errnoRet", nr(t, "clone3"), nil, uint32(unix.SECCOMP_RET_ERRNO | unix.ENOSYS)},
		{"LT holds", nr(t, "setns"), []uint64{0, 37}, allow},
		{"LT fails", nr(t, "setns"), []uint64{0, 38}, eperm},
		{"GT on the high word", nr(t, "unshare"), []uint64{1 << 34}, allow},
		{"GT equal high word, low word decides", nr(t, "unshare"), []uint64{1<<33 | 1}, allow},
		{"GT fails", nr(t, "unshare"), []uint64{1 << 33}, eperm},
	}
	for _, c := range cases {
		if got := evaluate(t, profile, a, c.nr, c.args...); got != c.want {
			t.Errorf("%s: got %#x, want %#x", c.name, got, c.want)
		}
	}
	if got := evaluate(t, profile, uint32(arch.I386.ID), nr(t, "read")); got != eperm {
		t.Errorf("another architecture: got %#x, want the default action", got)
	}
}

func TestUnsupportedInput(t *testing.T) {
	if _, err := compile(Profile{DefaultAction: "SCMP_ACT_NOTIFY"}); err == nil {
		t.Error("an unsupported default action compiled")
	}
	bad := Profile{DefaultAction: "SCMP_ACT_ERRNO", Syscalls: []Syscall{{Names: []string{"read"}, Action: "SCMP_ACT_ALLOW", Args: []Arg{{Index: 0, Op: "SCMP_CMP_BOGUS"}}}}}
	if _, err := compile(bad); err == nil {
		t.Error("an unsupported comparison compiled")
	}
}
