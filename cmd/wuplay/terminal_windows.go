package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// enableEscapes turns on virtual-terminal processing on the console f, so
// that it shows colour and clears lines instead of printing the escape
// codes; it reports false where the console cannot (before Windows 10),
// and wuplay then writes none.
func enableEscapes(f *os.File) (bool, func()) {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false, func() {}
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true, func() {}
	}
	if err := windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING); err != nil {
		return false, func() {}
	}
	return true, func() { windows.SetConsoleMode(h, mode) }
}
