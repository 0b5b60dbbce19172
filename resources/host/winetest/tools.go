package winetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// tools are the programs a prefix needs.
var tools = []string{"wine", "wineserver", "x86_64-w64-mingw32-gcc"}

// packages are the Debian packages that hold them: wine64 runs 64-bit
// Windows programs; wine holds the wine and wineserver commands, which
// wine64 only recommends; mingw builds the ProcessPrng shim.
var packages = []string{"wine", "wine64", "gcc-mingw-w64-x86-64"}

func missingTools() []string {
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	return missing
}

// requireTools installs the missing tools with apt-get if it runs as root,
// and otherwise says how to.
func requireTools() error {
	missing := missingTools()
	if len(missing) == 0 {
		return nil
	}
	install := "apt-get install -y --no-install-recommends " + strings.Join(packages, " ")
	if os.Geteuid() != 0 {
		return fmt.Errorf("winetest: %s not found: install them with\n\tsudo apt-get update && sudo %s\nor set WUPLAY_SKIP_WINE=1 to skip the Windows tests",
			strings.Join(missing, ", "), install)
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("winetest: %s not found, and no apt-get to install them with: install Wine 8 or later (64-bit) and mingw-w64's gcc, or set WUPLAY_SKIP_WINE=1 to skip the Windows tests",
			strings.Join(missing, ", "))
	}
	// Test binaries of several packages start at once: one installs, the
	// others wait for it and find the tools there.
	unlock, err := lockFile(filepath.Join(os.TempDir(), "wuplay-winetest-install.lock"))
	if err != nil {
		return fmt.Errorf("winetest: %w", err)
	}
	defer unlock()
	if missing = missingTools(); len(missing) == 0 {
		return nil
	}
	start := time.Now()
	fmt.Fprintf(os.Stderr, "winetest: %s not found; installing %s with apt-get (as root)\n", strings.Join(missing, ", "), strings.Join(packages, " "))
	for _, args := range [][]string{
		{"apt-get", "update"},
		append([]string{"apt-get", "install", "-y", "--no-install-recommends"}, packages...),
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			return fmt.Errorf("winetest: %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if missing = missingTools(); len(missing) > 0 {
		return fmt.Errorf("winetest: %s still not found after %s", strings.Join(missing, ", "), install)
	}
	fmt.Fprintf(os.Stderr, "winetest: installed in %s\n", time.Since(start).Round(time.Second))
	return nil
}
