package host

import (
	"fmt"
	"slices"
	"strings"
)

// The simulated host's registry lives in host.yaml under registry:, keys
// and value names compared without regard to case, as Windows does.

func (s *Sim) regKey(key string) (string, map[string]*simValue, error) {
	id, err := RegKeyID(key)
	if err != nil {
		return "", nil, err
	}
	for k, vals := range s.cfg.Registry {
		if kid, _ := RegKeyID(k); kid == id {
			return k, vals, nil
		}
	}
	return "", nil, nil
}

func (s *Sim) RegistryValue(key, name string) (RegValue, error) {
	_, vals, err := s.regKey(key)
	if err != nil {
		return RegValue{}, err
	}
	for n, v := range vals {
		if strings.EqualFold(n, name) {
			return RegValue{Exists: true, Type: v.Type, Data: v.Data}, nil
		}
	}
	return RegValue{}, nil
}

func (s *Sim) SetRegistryValue(key, name string, v RegValue) error {
	if !slices.Contains(RegTypes, v.Type) {
		return fmt.Errorf("registry value %s\\%s: unknown type %q", key, name, v.Type)
	}
	if err := s.CreateRegistryKey(key); err != nil {
		return err
	}
	k, vals, _ := s.regKey(key)
	for n := range vals {
		if strings.EqualFold(n, name) {
			delete(vals, n)
		}
	}
	vals[name] = &simValue{Type: v.Type, Data: v.Data}
	s.cfg.Registry[k] = vals
	s.change()
	return s.save()
}

func (s *Sim) DeleteRegistryValue(key, name string) error {
	_, vals, err := s.regKey(key)
	if err != nil {
		return err
	}
	for n := range vals {
		if strings.EqualFold(n, name) {
			delete(vals, n)
			s.change()
			return s.save()
		}
	}
	return nil
}

func (s *Sim) RegistryKeyExists(key string) (bool, error) {
	k, _, err := s.regKey(key)
	if err != nil || k != "" {
		return k != "", err
	}
	// A key exists too if a key under it does.
	id, _ := RegKeyID(key)
	for k := range s.cfg.Registry {
		if kid, _ := RegKeyID(k); strings.HasPrefix(kid, id+`\`) {
			return true, nil
		}
	}
	return false, nil
}

func (s *Sim) CreateRegistryKey(key string) error {
	k, _, err := s.regKey(key)
	if err != nil || k != "" {
		return err
	}
	root, path, _ := SplitRegKey(key)
	if s.cfg.Registry == nil {
		s.cfg.Registry = map[string]map[string]*simValue{}
	}
	s.cfg.Registry[root+`\`+path] = map[string]*simValue{}
	s.change()
	return s.save()
}

func (s *Sim) DeleteRegistryKey(key string) error {
	id, err := RegKeyID(key)
	if err != nil {
		return err
	}
	changed := false
	for k := range s.cfg.Registry {
		if kid, _ := RegKeyID(k); kid == id || strings.HasPrefix(kid, id+`\`) {
			delete(s.cfg.Registry, k)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	s.change()
	return s.save()
}

func (s *Sim) RegistryValues(key string) (map[string]RegValue, error) {
	_, vals, err := s.regKey(key)
	out := map[string]RegValue{}
	for n, v := range vals {
		out[n] = RegValue{Exists: true, Type: v.Type, Data: v.Data}
	}
	return out, err
}

func (s *Sim) RegistrySubkeys(key string) ([]string, error) {
	id, err := RegKeyID(key)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for k := range s.cfg.Registry {
		kid, _ := RegKeyID(k)
		if rest, ok := strings.CutPrefix(kid, id+`\`); ok {
			_, path, _ := SplitRegKey(k)
			parts := strings.Split(path, `\`)
			name := parts[strings.Count(id, `\`)]
			if first, _, _ := strings.Cut(rest, `\`); first != "" && !seen[strings.ToLower(name)] {
				seen[strings.ToLower(name)] = true
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}
