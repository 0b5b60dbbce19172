package host

import (
	"slices"

	"golang.org/x/sys/windows/registry"
)

func (localRegistry) RegistryValues(key string) (map[string]RegValue, error) {
	k, err := openRegKey(key, registry.QUERY_VALUE)
	if err == registry.ErrNotExist {
		return map[string]RegValue{}, nil
	}
	if err != nil {
		return nil, regKeyError(key, "open", err)
	}
	defer k.Close()
	names, err := k.ReadValueNames(-1)
	if err != nil {
		return nil, regKeyError(key, "list values of", err)
	}
	out := map[string]RegValue{}
	for _, name := range names {
		data, typ, err := readRegValue(k, name)
		if err != nil {
			return nil, regValueError(key, name, "read", err)
		}
		if out[name], err = decodeRegValue(typ, data); err != nil {
			return nil, regValueError(key, name, "read", err)
		}
	}
	return out, nil
}

func (localRegistry) RegistrySubkeys(key string) ([]string, error) {
	k, err := openRegKey(key, registry.ENUMERATE_SUB_KEYS)
	if err == registry.ErrNotExist {
		return nil, nil
	}
	if err != nil {
		return nil, regKeyError(key, "open", err)
	}
	defer k.Close()
	names, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil, regKeyError(key, "list subkeys of", err)
	}
	slices.Sort(names)
	return names, nil
}
