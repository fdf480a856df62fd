// Command oci assembles and pushes the cluster's images with go-containerregistry (no Docker
// engine): one layer from a folder, a config, pushed with basic auth; it prints the digest.
//
//	oci push <folder> <reference> <cmd-json> <labels-json>   (user/password: OCI_USERNAME, OCI_PASSWORD)
//	oci save <folder> <reference> <cmd-json> <file.tar>     (a docker-archive for `ctr images import`)
//	oci htpasswd <user>                                      (password on stdin; bcrypt line on stdout)
package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"golang.org/x/crypto/bcrypt"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "oci:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("expected a command: push, save or htpasswd")
	}
	switch args[0] {
	case "push":
		if len(args) != 5 {
			return fmt.Errorf("push: expected <folder> <reference> <cmd-json> <labels-json>")
		}
		img, err := image(args[1], args[3], args[4])
		if err != nil {
			return err
		}
		ref, err := name.ParseReference(args[2], name.Insecure)
		if err != nil {
			return err
		}
		auth := &authn.Basic{Username: os.Getenv("OCI_USERNAME"), Password: os.Getenv("OCI_PASSWORD")}
		if err := remote.Write(ref, img, remote.WithAuth(auth)); err != nil {
			return err
		}
		digest, err := img.Digest()
		if err != nil {
			return err
		}
		fmt.Println(digest.String())
		return nil
	case "save":
		if len(args) != 5 {
			return fmt.Errorf("save: expected <folder> <reference> <cmd-json> <file.tar>")
		}
		img, err := image(args[1], args[3], "{}")
		if err != nil {
			return err
		}
		tag, err := name.NewTag(args[2])
		if err != nil {
			return err
		}
		return tarball.WriteToFile(args[4], tag, img)
	case "htpasswd":
		if len(args) != 2 {
			return fmt.Errorf("htpasswd: expected <user> (the password on stdin)")
		}
		password, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		hash, err := bcrypt.GenerateFromPassword(bytes.TrimRight(password, "\n"), bcrypt.DefaultCost)
		if err != nil {
			return err
		}
		fmt.Printf("%s:%s\n", args[1], hash)
		return nil
	}
	return fmt.Errorf("unknown command %q: expected push, save or htpasswd", args[0])
}

// image: one layer holding the folder (owned by root, fixed times: the same folder gives the same digest).
func image(folder, cmdJSON, labelsJSON string) (v1.Image, error) {
	var cmd []string
	if err := json.Unmarshal([]byte(cmdJSON), &cmd); err != nil {
		return nil, fmt.Errorf("cmd %q: expected a JSON array of strings: %w", cmdJSON, err)
	}
	labels := map[string]string{}
	if err := json.Unmarshal([]byte(labelsJSON), &labels); err != nil {
		return nil, fmt.Errorf("labels %q: expected a JSON object of strings: %w", labelsJSON, err)
	}
	layerTar, err := folderTar(folder)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Config.Cmd = cmd
	cf.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cf.Config.Labels = labels
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	return mutate.ConfigFile(img, cf)
}

func folderTar(folder string) ([]byte, error) {
	var paths []string
	err := filepath.WalkDir(folder, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != folder {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil {
			return nil, err
		}
		link := ""
		if info.Mode()&os.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return nil, err
			}
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(folder, p)
		h.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			h.Name += "/"
		}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "root", "root"
		h.ModTime, h.AccessTime, h.ChangeTime = time.Unix(0, 0), time.Time{}, time.Time{}
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			_, err = io.Copy(tw, f)
			f.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
