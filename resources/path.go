package resources

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/wuplay/wuplay/resources/host"
)

// States of a path, as plans show them.
var (
	absent    = State{"exists": "false"}
	directory = State{"exists": "true", "type": "directory"}
)

func fileState(content []byte) State {
	sum := sha256.Sum256(content)
	return State{"exists": "true", "type": "file", "size": strconv.Itoa(len(content)), "sha256": hex.EncodeToString(sum[:])}
}

func readPath(h host.Host, p string) (State, error) {
	fi, err := h.Stat(p)
	switch {
	case err != nil:
		return nil, err
	case !fi.Exists:
		return absent, nil
	case fi.IsDir:
		return directory, nil
	}
	data, err := h.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return fileState(data), nil
}
