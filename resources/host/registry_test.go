package host

import "testing"

// TestProtectedKey: every spelling of a protected key is protected, the
// numbered control sets as CurrentControlSet, and whole trees where a
// deleted subkey breaks Windows too.
func TestProtectedKey(t *testing.T) {
	for key, want := range map[string]string{
		`HKLM`:                                "a registry root",
		`HKEY_CLASSES_ROOT\`:                  "a registry root",
		`HKLM\SYSTEM`:                         "the system hive",
		`HKLM\SYSTEM\MountedDevices`:          "inside the system hive",
		`HKLM\SYSTEM\CurrentControlSet`:       "the control set Windows boots from",
		`HKLM\SYSTEM\ControlSet001`:           "the control set Windows boots from",
		`HKLM\SYSTEM\ControlSet001\Services`:  "inside the control set Windows boots from",
		`hklm\system\controlset002\services\`: "inside the control set Windows boots from",
		`HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\wuauserv`: "a service's registration",
		`HKLM\SYSTEM\ControlSet001\Services\WUAUSERV\`:                  "a service's registration",
		`HKLM\SYSTEM\ControlSet003\Services\Tcpip\Parameters`:           "inside a service's registration",
		`HKLM\SYSTEM\CurrentControlSet\Control\Print\Printers\HP`:       "inside the control set Windows boots from",
		`HKCC\System`:              "inside the control set Windows boots from",
		`HKLM\SAM\SAM\Domains`:     "inside the accounts database",
		`HKLM\SECURITY\Policy`:     "inside the security database",
		`HKLM\BCD00000000\Objects`: "inside the boot configuration",
		`HKLM\SOFTWARE\Microsoft`:  "a key Windows needs",
		`HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion`:   "a key Windows needs",
		`HKEY_CLASSES_ROOT\WOW6432Node`:                                "a key Windows needs",
		`HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate`:       "",
		`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate`: "",
		`HKLM\SYSTEMX`:                "",
		`HKLM\SOFTWARE\ControlSet001`: "",
	} {
		if got := ProtectedKey(key); got != want {
			t.Errorf("ProtectedKey(%s) = %q, want %q", key, got, want)
		}
	}
}
