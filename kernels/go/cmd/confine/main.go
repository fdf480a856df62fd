// confine starts a command the way runc starts a container's process, from a confinement spec
// derived from the rendered Deployment (kernels/confinement.ts): uid 0 with the granted
// capabilities as its bounding, permitted, effective and inheritable sets, no_new_privs, an
// optional RLIMIT_MEMLOCK raise (done with full privilege, before confinement, as a runtime
// would), and an OCI seccomp profile compiled to a classic BPF filter. Then it execs the command.
//
//	confine -caps BPF,PERFMON -nnp -memlock unlimited -seccomp profile.json -- /bin/tracer args
//
// Everything happens on one locked OS thread, which then calls execve: capabilities, bounding
// set, no_new_privs and seccomp filters are per thread, and the new program inherits that thread's.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// capabilityBits: include/uapi/linux/capability.h, in bit order.
var capabilityBits = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
}

func main() {
	caps := flag.String("caps", "", "comma-separated capabilities (without CAP_) to keep; empty keeps none")
	nnp := flag.Bool("nnp", false, "set no_new_privs (allowPrivilegeEscalation: false)")
	memlock := flag.String("memlock", "default", "default | unlimited: raise RLIMIT_MEMLOCK before confining")
	profile := flag.String("seccomp", "", "OCI LinuxSeccomp JSON file to load; empty = unconfined")
	flag.Parse()
	if flag.NArg() == 0 {
		fail("usage: confine [flags] -- command [args]")
	}
	if err := run(*caps, *nnp, *memlock, *profile, flag.Args()); err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "confine:", msg)
	os.Exit(125)
}

func run(capList string, nnp bool, memlock, profilePath string, argv []string) error {
	keep, err := capabilityMask(capList)
	if err != nil {
		return err
	}
	var filter *unix.SockFprog
	if profilePath != "" {
		raw, err := os.ReadFile(profilePath)
		if err != nil {
			return err
		}
		var p Profile
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("seccomp profile %s: %w", profilePath, err)
		}
		if filter, err = compile(p); err != nil {
			return fmt.Errorf("seccomp profile %s: %w", profilePath, err)
		}
	}
	path, err := lookPath(argv[0])
	if err != nil {
		return err
	}

	runtime.LockOSThread()
	switch memlock {
	case "default":
	case "unlimited":
		inf := &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
		if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, inf); err != nil {
			return fmt.Errorf("raise RLIMIT_MEMLOCK: %w", err)
		}
	default:
		return fmt.Errorf("-memlock %q: expected default or unlimited", memlock)
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil {
		return fmt.Errorf("clear ambient capabilities: %w", err)
	}
	for bit := range capabilityBits {
		if keep&(1<<uint(bit)) == 0 {
			if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(bit), 0, 0, 0); err != nil {
				return fmt.Errorf("drop CAP_%s from the bounding set: %w", capabilityBits[bit], err)
			}
		}
	}
	if nnp {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("set no_new_privs: %w", err)
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	lo, hi := uint32(keep), uint32(keep>>32)
	data := [2]unix.CapUserData{{Effective: lo, Permitted: lo, Inheritable: lo}, {Effective: hi, Permitted: hi, Inheritable: hi}}
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return fmt.Errorf("capset: %w", err)
	}
	if filter != nil {
		// Without no_new_privs the kernel demands CAP_SYS_ADMIN here, as for any runtime.
		if _, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafePointer(filter))); errno != 0 {
			return fmt.Errorf("load seccomp filter: %w", errno)
		}
	}
	return syscall.Exec(path, argv, os.Environ())
}

func capabilityMask(list string) (uint64, error) {
	var mask uint64
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(name)), "CAP_")
		if name == "" {
			continue
		}
		found := false
		for bit, known := range capabilityBits {
			if known == name {
				mask |= 1 << uint(bit)
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown capability %q", name)
		}
	}
	return mask, nil
}

func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, dir := range strings.Split(os.Getenv("PATH"), ":") {
		if st, err := os.Stat(dir + "/" + name); err == nil && !st.IsDir() {
			return dir + "/" + name, nil
		}
	}
	return "", fmt.Errorf("%s: not found in PATH", name)
}
