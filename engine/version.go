package engine

import "runtime/debug"

// version is set at build time for a release:
//
//	go build -ldflags "-X github.com/wuplay/wuplay/engine.version=1.2.0" ./cmd/wuplay
var version string

// Version is this wuplay's version, recorded in every saved plan, report,
// -json line and Ansible result so that a reader knows what wrote them:
// the one set at build time, else the module's (go install ...@v1.2.0),
// else "(devel)".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// JSONFormatVersion is the version of the -json stream's schema (see
// README.md, "Machine-readable output"). A change that removes or renames a
// field raises the major number.
const JSONFormatVersion = "1.0"
