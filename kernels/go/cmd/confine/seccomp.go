package main

// An OCI LinuxSeccomp profile (the JSON containerd's generator writes) compiled to a classic BPF
// seccomp filter: for the native architecture, rules are tried in profile order, first match wins
// (containerd's profiles give every syscall one action, so order decides nothing else), the
// default action otherwise. Other architectures get the default action.

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

type Profile struct {
	DefaultAction   string    `json:"defaultAction"`
	DefaultErrnoRet *uint     `json:"defaultErrnoRet,omitempty"`
	Syscalls        []Syscall `json:"syscalls"`
}

type Syscall struct {
	Names    []string `json:"names"`
	Action   string   `json:"action"`
	ErrnoRet *uint    `json:"errnoRet,omitempty"`
	Args     []Arg    `json:"args"`
}

type Arg struct {
	Index    uint   `json:"index"`
	Value    uint64 `json:"value"`
	ValueTwo uint64 `json:"valueTwo"`
	Op       string `json:"op"`
}

func unsafePointer(p *unix.SockFprog) unsafe.Pointer { return unsafe.Pointer(p) }

func action(name string, errnoRet *uint) (uint32, error) {
	switch name {
	case "SCMP_ACT_ALLOW":
		return unix.SECCOMP_RET_ALLOW, nil
	case "SCMP_ACT_ERRNO":
		errno := uint32(unix.EPERM)
		if errnoRet != nil {
			errno = uint32(*errnoRet)
		}
		return unix.SECCOMP_RET_ERRNO | errno, nil
	case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD":
		return unix.SECCOMP_RET_KILL_THREAD, nil
	case "SCMP_ACT_KILL_PROCESS":
		return unix.SECCOMP_RET_KILL_PROCESS, nil
	case "SCMP_ACT_LOG":
		return unix.SECCOMP_RET_LOG, nil
	}
	return 0, fmt.Errorf("unsupported action %q", name)
}

func nativeArch() (*arch.Info, error) {
	switch runtime.GOARCH {
	case "amd64":
		return arch.X86_64, nil
	case "arm64":
		return arch.AARCH64, nil
	}
	return nil, fmt.Errorf("no syscall table for %s", runtime.GOARCH)
}

// seccomp_data offsets: nr at 0, arch at 4, args[i] at 16+8i (little endian: low word first).
const (
	offNr   = 0
	offArch = 4
)

func argLow(i uint) uint32  { return uint32(16 + 8*i) }
func argHigh(i uint) uint32 { return uint32(16 + 8*i + 4) }

func compile(p Profile) (*unix.SockFprog, error) {
	info, err := nativeArch()
	if err != nil {
		return nil, err
	}
	def, err := action(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, err
	}
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: offArch, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(info.ID), SkipTrue: 1},
		bpf.RetConstant{Val: def},
	}
	for _, rule := range p.Syscalls {
		act, err := action(rule.Action, rule.ErrnoRet)
		if err != nil {
			return nil, err
		}
		for _, name := range rule.Names {
			nr, ok := info.SyscallNames[name]
			if !ok {
				continue // as libseccomp/runc: a name this architecture lacks is skipped
			}
			block, err := ruleBlock(uint32(nr), rule.Args, act)
			if err != nil {
				return nil, fmt.Errorf("syscall %s: %w", name, err)
			}
			prog = append(prog, block...)
		}
	}
	prog = append(prog, bpf.RetConstant{Val: def})
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, err
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, ins := range raw {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	return &unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}, nil
}

// ruleBlock: load nr; if nr != want skip the block; every arg condition must hold (a failing one
// skips to the block's end); then return the action. Each condition is built so that "false"
// jumps forward by a fixed count to the end.
func ruleBlock(nr uint32, args []Arg, act uint32) ([]bpf.Instruction, error) {
	var conds [][]bpf.Instruction
	for _, a := range args {
		c, err := condition(a)
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	// Assemble back to front so each "false" jump knows the distance to the end (ret is last).
	tail := []bpf.Instruction{bpf.RetConstant{Val: act}}
	for i := len(conds) - 1; i >= 0; i-- {
		tail = append(patchFalse(conds[i], len(tail)), tail...)
	}
	head := []bpf.Instruction{
		bpf.LoadAbsolute{Off: offNr, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: nr, SkipTrue: uint8(len(tail))},
	}
	if len(tail) > 255 {
		return nil, fmt.Errorf("rule too long")
	}
	return append(head, tail...), nil
}

// falseJump marks a jump whose SkipTrue must become "to the end of the block".
const falseJump = 255

// condition: instructions that fall through when the comparison holds, and jump falseJump otherwise.
func condition(a Arg) ([]bpf.Instruction, error) {
	if a.Index > 5 {
		return nil, fmt.Errorf("argument index %d", a.Index)
	}
	hi, lo := uint32(a.Value>>32), uint32(a.Value)
	switch a.Op {
	case "SCMP_CMP_EQ", "SCMP_CMP_NE":
		eq := []bpf.Instruction{
			bpf.LoadAbsolute{Off: argHigh(a.Index), Size: 4},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: hi, SkipTrue: falseJump},
			bpf.LoadAbsolute{Off: argLow(a.Index), Size: 4},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: lo, SkipTrue: falseJump},
		}
		if a.Op == "SCMP_CMP_EQ" {
			return eq, nil
		}
		// NE: high words differ -> holds (skip the low test); else low words must differ.
		return []bpf.Instruction{
			bpf.LoadAbsolute{Off: argHigh(a.Index), Size: 4},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: hi, SkipTrue: 2},
			bpf.LoadAbsolute{Off: argLow(a.Index), Size: 4},
			bpf.JumpIf{Cond: bpf.JumpEqual, Val: lo, SkipTrue: falseJump},
		}, nil
	case "SCMP_CMP_MASKED_EQ":
		mhi, mlo := uint32(a.Value>>32), uint32(a.Value)
		vhi, vlo := uint32(a.ValueTwo>>32), uint32(a.ValueTwo)
		return []bpf.Instruction{
			bpf.LoadAbsolute{Off: argHigh(a.Index), Size: 4},
			bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mhi},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: vhi, SkipTrue: falseJump},
			bpf.LoadAbsolute{Off: argLow(a.Index), Size: 4},
			bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: mlo},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: vlo, SkipTrue: falseJump},
		}, nil
	case "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_LT", "SCMP_CMP_LE":
		// Unsigned 64-bit: decided by the high words unless they are equal, then by the low words.
		higher, lowFails := bpf.JumpGreaterThan, map[string]bpf.JumpTest{
			"SCMP_CMP_GT": bpf.JumpLessOrEqual, "SCMP_CMP_GE": bpf.JumpLessThan,
			"SCMP_CMP_LT": bpf.JumpGreaterOrEqual, "SCMP_CMP_LE": bpf.JumpGreaterThan,
		}[a.Op]
		if a.Op == "SCMP_CMP_LT" || a.Op == "SCMP_CMP_LE" {
			higher = bpf.JumpLessThan
		}
		return []bpf.Instruction{
			bpf.LoadAbsolute{Off: argHigh(a.Index), Size: 4},
			bpf.JumpIf{Cond: higher, Val: hi, SkipTrue: 3},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: hi, SkipTrue: falseJump},
			bpf.LoadAbsolute{Off: argLow(a.Index), Size: 4},
			bpf.JumpIf{Cond: lowFails, Val: lo, SkipTrue: falseJump},
		}, nil
	}
	return nil, fmt.Errorf("unsupported comparison %q", a.Op)
}

// patchFalse turns every falseJump in c into a jump past the rest of c and the following tail.
func patchFalse(c []bpf.Instruction, tailLen int) []bpf.Instruction {
	out := make([]bpf.Instruction, len(c))
	for i, ins := range c {
		if j, ok := ins.(bpf.JumpIf); ok && j.SkipTrue == falseJump {
			j.SkipTrue = uint8(len(c) - i - 1 + tailLen)
			ins = j
		}
		out[i] = ins
	}
	return out
}

// unsafeFilter is the instruction slice behind a SockFprog.
func unsafeFilter(p *unix.SockFprog) []unix.SockFilter {
	return unsafe.Slice(p.Filter, p.Len)
}
