package winetest

import "errors"

// lockFile is not needed on Windows, where the tests run natively and
// install nothing.
func lockFile(string) (func(), error) {
	return nil, errors.New("installing Wine is for Linux")
}
